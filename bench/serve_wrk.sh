#!/usr/bin/env bash
# Throughput and latency of `catalog-harness serve shipstation` under wrk (apt-get install wrk), with auth,
# rate limiting (limit raised so nothing is refused), journal and validation all on. Prints wrk's figures,
# the server's CPU time per request (utime+stime of the serving process over each run / requests), its RSS,
# and how long after start it first answered. wrk runs on the same machine, so it takes a core of its own.
#   CONNECTIONS="4 16" DURATION=5 PORT=18080 bench/serve_wrk.sh
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 0; }
port=${PORT:-18080}
base="http://127.0.0.1:$port/shipstation"
started=$(date +%s%N)
catalog-harness serve shipstation --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
until curl -sf "$base/__mock__/health" >/dev/null; do sleep 0.01; done
echo "first answer: $(( ($(date +%s%N) - started) / 1000000 )) ms after start"
# The process that answers: granian's worker if it runs one, else the server itself.
worker=$(pgrep -P "$server" | head -1 || true)
worker=${worker:-$server}
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$worker/stat"; }
curl -sf -X PUT "$base/__mock__/settings" -d '{"rate_limit": 1000000000}' >/dev/null
curl -sf -X POST "$base/__mock__/products" -d '{"products": [{"sku": "A", "name": "Bench"}]}' >/dev/null
auth="Authorization: Basic $(printf test-key:test-secret | base64)"
put=$(mktemp)
printf 'wrk.method = "PUT"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
  "'{\"sku\": \"A\", \"name\": \"Bench\", \"price\": 1.0}'" >"$put"
run() {  # label, then wrk's own arguments
  local label=$1 before after out requests
  shift
  before=$(cpu_ticks)
  out=$(wrk -t1 -d"${DURATION:-5}"s --latency -H "$auth" "$@")
  after=$(cpu_ticks)
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%-34s %9s req/s  p50 %8s  p99 %8s  server CPU %4d us/request\n' "$label" \
    "$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(( (after - before) * 1000000 / tick / (requests > 0 ? requests : 1) ))"
}
for connections in ${CONNECTIONS:-4 16}; do
  run "GET /products/1, $connections conn" -c"$connections" "$base/products/1"
  run "GET /products, $connections conn" -c"$connections" "$base/products"
  run "PUT /products/1, $connections conn" -c"$connections" -s "$put" "$base/products/1"
done
echo "server RSS: $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$worker/status") MB (journal full: 10,000 entries)"
