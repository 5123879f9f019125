// The catalogue of bad batch documents, each made from one good document obridge built.
//   node batch_bad.mjs GOOD.json OUTDIR
// Writes OUTDIR/schema/NAME.json (the schema must refuse them, and so must obridge) and
// OUTDIR/semantic/NAME.json (valid by the schema; obridge's checker must refuse them), plus
// OUTDIR/semantic/NAME.expect: a fragment obridge's error must contain (it names the feed).
import fs from 'node:fs';
import path from 'node:path';

const [goodPath, outDir] = process.argv.slice(2);
const text = fs.readFileSync(goodPath, 'utf8');
const good = JSON.parse(text);
const clone = () => JSON.parse(text);
const fi = good.feeds.findIndex((f) => f.observations && f.observations.length >= 2);
if (fi < 0 || good.feeds.length < 2) throw new Error('the good document needs 2 feeds, one with 2 observations');
const name = good.feeds[fi].name;
const flip = (h) => h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');

const schemaBad = {
  missing_root: (d) => { delete d.root; },
  unknown_top_key: (d) => { d.extra = 1; },
  schema_v2: (d) => { d.schema = 'obridge/batch/v2'; },
  round_as_string: (d) => { d.round = String(d.round); },
  round_zero: (d) => { d.round = 0; },
  timestamp_negative: (d) => { d.timestamp = -1; },
  root_upper_case: (d) => { d.root = '0x' + d.root.slice(2).toUpperCase(); },
  root_short: (d) => { d.root = d.root.slice(0, 64); },
  leaf_encoding_reordered: (d) => { d.leafEncoding = ['int256', 'bytes32', 'uint8', 'uint64']; },
  no_feeds: (d) => { d.feeds = []; },
  value_minus_zero: (d) => { d.feeds[0].value = '-0'; },
  value_leading_zero: (d) => { d.feeds[0].value = '0123'; },
  value_plus: (d) => { d.feeds[0].value = '+5'; },
  value_as_number: (d) => { d.feeds[0].value = 5; },
  value_exponent: (d) => { d.feeds[0].value = '1e3'; },
  decimals_37: (d) => { d.feeds[0].decimals = 37; },
  observed_at_fraction: (d) => { d.feeds[0].observedAt = 1.5; },
  name_starts_with_dash: (d) => { d.feeds[0].name = '-ETH'; },
  name_65_bytes: (d) => { d.feeds[0].name = 'a'.repeat(65); },
  name_with_space: (d) => { d.feeds[0].name = 'ETH USD'; },
  proof_short_hash: (d) => { d.feeds[fi].proof.push('0x1234'); },
  unknown_feed_key: (d) => { d.feeds[0].note = 'x'; },
  aggregation_without_observations: (d) => { delete d.feeds[fi].observations; },
  observations_without_aggregation: (d) => { delete d.feeds[fi].aggregation; },
  aggregation_method: (d) => { d.feeds[fi].aggregation.method = 'median'; },
  k_negative: (d) => { d.feeds[fi].aggregation.k = '-3'; },
  k_number: (d) => { d.feeds[fi].aggregation.k = 3; },
  quorum_zero: (d) => { d.feeds[fi].aggregation.quorum = 0; },
  outlier_false: (d) => { d.feeds[fi].observations[0].outlier = false; },
  observation_unknown_key: (d) => { d.feeds[fi].observations[0].raw = '1'; },
  observation_value_exponent: (d) => { d.feeds[fi].observations[0].value = '1e3'; },
  observation_source_empty: (d) => { d.feeds[fi].observations[0].source = ''; },
  observations_empty: (d) => { d.feeds[fi].observations = []; },
  registry_not_hex: (d) => { d.registry = '0x' + 'g'.repeat(40); },
};

const f0 = good.feeds[0].name;
const semanticBad = {
  value_changed: [(d) => { d.feeds[fi].value = String(BigInt(d.feeds[fi].value) + 1n); }, `'${name}'`],
  observation_changed: [(d) => {
    const o = d.feeds[fi].observations;
    o[0].value = String(BigInt(o[0].value) - 1000000000n);
  }, `'${name}'`],
  proof_changed: [(d) => { const f = d.feeds.find((x) => x.proof.length); f.proof[0] = flip(f.proof[0]); },
    `'${good.feeds.find((x) => x.proof.length).name}': proof[0]`],
  root_changed: [(d) => { d.root = flip(d.root); }, 'root is not the Merkle root'],
  id_changed: [(d) => { d.feeds[0].id = flip(d.feeds[0].id); }, `'${f0}'.id: not keccak256`],
  feeds_out_of_order: [(d) => { [d.feeds[0], d.feeds[1]] = [d.feeds[1], d.feeds[0]]; }, `'${f0}': out of order`],
  feed_twice: [(d) => { d.feeds[1] = d.feeds[0]; }, `'${f0}': a duplicate name`],
  observations_out_of_order: [(d) => { const o = d.feeds[fi].observations; [o[0], o[1]] = [o[1], o[0]]; },
    `'${name}': observations[1]`],
  observation_source_twice: [(d) => { const o = d.feeds[fi].observations; o[1].source = o[0].source; },
    `'${name}': observations[1]`],
  outlier_flag_flipped: [(d) => {
    const o = d.feeds[fi].observations[0];
    if (o.outlier) delete o.outlier; else o.outlier = true;
  }, `'${name}': observations[0]`],
  value_outside_int256: [(d) => { d.feeds[0].value = '9'.repeat(77); }, `'${f0}'.value`],
  registry_not_eip55: [(d) => { d.registry = d.registry.toLowerCase() === d.registry ? d.registry.toUpperCase().replace('0X', '0x') : d.registry.toLowerCase(); }, 'registry'],
};

for (const dir of ['schema', 'semantic']) fs.mkdirSync(path.join(outDir, dir), { recursive: true });
for (const [k, mutate] of Object.entries(schemaBad)) {
  const d = clone();
  mutate(d);
  fs.writeFileSync(path.join(outDir, 'schema', `${k}.json`), JSON.stringify(d));
}
for (const [k, [mutate, expect]] of Object.entries(semanticBad)) {
  const d = clone();
  mutate(d);
  fs.writeFileSync(path.join(outDir, 'semantic', `${k}.json`), JSON.stringify(d));
  fs.writeFileSync(path.join(outDir, 'semantic', `${k}.expect`), expect);
}
console.log(`${Object.keys(schemaBad).length} schema-bad, ${Object.keys(semanticBad).length} semantic-bad documents`);
