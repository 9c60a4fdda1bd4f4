#!/usr/bin/env node
// A ShipStation V1 product sync in plain Node (18+, no dependencies), written the way
// `catalog-harness verify` expects any client to behave:
//   - reads HARNESS_CATALOG (canonical JSON) and talks to HARNESS_BASE_URL with Basic auth from
//     SHIPSTATION_API_KEY / SHIPSTATION_API_SECRET;
//   - lists every product (pageSize=500) and matches SKUs case- and width-insensitively;
//   - PUTs each changed product as the WHOLE listed resource with the owned fields merged in, because
//     V1's PUT replaces the product: a field left out is wiped;
//   - waits out X-Rate-Limit-Reset when X-Rate-Limit-Remaining reaches 0 (and after a 429);
//   - retries 5xx and network errors at most 3 times; prints one line per problem, naming the SKU
//     and ShipStation's message, and exits 1 if there was any.
//
//   catalog-harness verify shipstation -- node examples/node/shipstation-sync.mjs
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const OZ_PER_KG = 35.27396195;
const CM_PER_INCH = 2.54;
const TOLERANCE = 0.0051; // values go out rounded to 2 places
const MAX_RETRIES = 3;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round2 = (x) => (x === null || x === undefined ? null : Math.round(x * 100 + Number.EPSILON) / 100);
// Close to Python's str.casefold(): upper then lower folds ß to ss, as ShipStation spellings may.
export const skuKey = (sku) => sku.normalize("NFKC").trim().toUpperCase().toLowerCase();

// The fields the source owns, in V1 names and units (ounces, inches).
export function toShipStation(p) {
  return {
    name: p.name,
    price: round2(p.price),
    defaultCost: round2(p.cost),
    weightOz: p.weight_kg == null ? null : round2(p.weight_kg * OZ_PER_KG),
    length: p.length_cm == null ? null : round2(p.length_cm / CM_PER_INCH),
    width: p.width_cm == null ? null : round2(p.width_cm / CM_PER_INCH),
    height: p.height_cm == null ? null : round2(p.height_cm / CM_PER_INCH),
    customsDescription: p.customs_description ?? null,
    customsValue: round2(p.customs_value),
    customsTariffNo: p.hs_code ?? null,
    customsCountryCode: p.country_of_origin ?? null,
    warehouseLocation: p.warehouse_location ?? null,
    upc: p.barcode ?? null,
    active: p.active ?? true,
  };
}

const same = (want, have) =>
  typeof want === "number" && typeof have === "number" ? Math.abs(want - have) <= TOLERANCE : want === (have ?? null);

class ShipStation {
  constructor(baseUrl, key, secret) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.auth = "Basic " + Buffer.from(`${key}:${secret}`).toString("base64");
    this.remaining = null;
    this.resetAt = 0;
  }

  async request(method, path, body) {
    let last = null;
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      if (this.remaining === 0) {
        await sleep(Math.max(0, this.resetAt - Date.now()));
        this.remaining = null;
      }
      try {
        const response = await fetch(this.baseUrl + path, {
          method,
          headers: { Authorization: this.auth, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        const remaining = response.headers.get("x-rate-limit-remaining");
        const reset = response.headers.get("x-rate-limit-reset");
        if (remaining !== null && reset !== null) {
          this.remaining = Number(remaining);
          this.resetAt = Date.now() + Number(reset) * 1000;
        }
        last = { status: response.status, text };
        if (response.status === 429) {
          this.remaining = 0; // wait for the reset the headers announced, then try again
          continue;
        }
        if (response.status < 500) return last;
      } catch (error) {
        last = { status: null, text: `no answer (${error.cause?.code ?? error.name})` };
      }
      if (attempt < MAX_RETRIES) await sleep(500 * 2 ** attempt);
    }
    return last;
  }

  async listAll() {
    const products = [];
    for (let page = 1; ; page++) {
      const answer = await this.request("GET", `/products?showInactive=true&pageSize=500&page=${page}`);
      if (answer?.status !== 200) throw new Error(`listing products failed: ${reason(answer)}`);
      const data = JSON.parse(answer.text);
      products.push(...data.products);
      if (page >= data.pages) return products;
    }
  }
}

function reason(answer) {
  if (!answer) return "no answer";
  try {
    return JSON.parse(answer.text).message ?? answer.text;
  } catch {
    return `${answer.status} ${answer.text.slice(0, 200)}`;
  }
}

// `partialPut` is the classic mistake, kept here so the harness has something to catch:
// sending only the owned fields wipes every other field of the product.
export async function main({ partialPut = false } = {}) {
  const env = process.env;
  const catalog = JSON.parse(readFileSync(env.HARNESS_CATALOG, "utf8"));
  const api = new ShipStation(env.HARNESS_BASE_URL, env.SHIPSTATION_API_KEY, env.SHIPSTATION_API_SECRET);
  const listed = new Map();
  for (const record of await api.listAll()) {
    if (typeof record.sku === "string" && !listed.has(skuKey(record.sku))) listed.set(skuKey(record.sku), record);
  }
  let updated = 0;
  let problems = 0;
  for (const product of catalog.products) {
    const record = listed.get(skuKey(product.sku));
    if (!record) {
      console.log(`missing upstream: ${product.sku}: not in ShipStation, whose API cannot create products`);
      problems++;
      continue;
    }
    const owned = toShipStation(product);
    if (Object.entries(owned).every(([field, value]) => same(value, record[field]))) continue;
    const body = partialPut ? { productId: record.productId, sku: record.sku, ...owned } : { ...record, ...owned };
    const answer = await api.request("PUT", `/products/${record.productId}`, body);
    if (answer?.status === 200) {
      updated++;
    } else {
      console.log(`error: ${product.sku}: ${reason(answer)}`);
      problems++;
    }
  }
  console.log(`shipstation: ${updated} updated, ${problems} problems, ${catalog.products.length} in the catalogue`);
  return problems ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`error: ${error.message}`);
      process.exit(2);
    },
  );
}
