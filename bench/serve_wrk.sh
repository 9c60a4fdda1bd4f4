#!/usr/bin/env bash
# Throughput and latency of `catalog-harness serve shipstation` under wrk (apt-get install wrk), with auth,
# rate limiting (limit raised so nothing is refused), journal and validation all on. Prints wrk's figures.
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 0; }
port=${PORT:-18080}
catalog-harness serve shipstation --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port/shipstation"
until curl -sf "$base/__mock__/health" >/dev/null; do sleep 0.05; done
curl -sf -X PUT "$base/__mock__/settings" -d '{"rate_limit": 1000000000}' >/dev/null
curl -sf -X POST "$base/__mock__/products" -d '{"products": [{"sku": "A", "name": "Bench"}]}' >/dev/null
auth="Authorization: Basic $(printf test-key:test-secret | base64)"
put=$(mktemp)
printf 'wrk.method = "PUT"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
  "'{\"sku\": \"A\", \"name\": \"Bench\", \"price\": 1.0}'" >"$put"
for connections in ${CONNECTIONS:-4 16}; do
  echo "== GET /products/1, $connections connections"
  wrk -t1 -c"$connections" -d"${DURATION:-5}"s --latency -H "$auth" "$base/products/1" | grep -E "Requests/sec|  (50|99)%"
  echo "== PUT /products/1, $connections connections"
  wrk -t1 -c"$connections" -d"${DURATION:-5}"s --latency -s "$put" -H "$auth" "$base/products/1" | grep -E "Requests/sec|  (50|99)%"
done
echo "server RSS: $(ps -o rss= -p "$(pgrep -P $server | head -1)" 2>/dev/null | awk '{print int($1/1024)}') MB (worker)"
