#!/usr/bin/env node
// The same client with one deliberate bug: it PUTs only the fields it owns. ShipStation V1 replaces
// the whole product on PUT, so every other field (notes, tags, carrier defaults…) is wiped.
// `catalog-harness verify shipstation -- node examples/node/shipstation-sync-broken.mjs` must fail
// its nothing_lost check, naming the product, the field and the PUT.
import { main } from "./shipstation-sync.mjs";

main({ partialPut: true }).then((code) => process.exit(code));
