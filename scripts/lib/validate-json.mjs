// Validate JSON files against a JSON Schema 2020-12 with ajv (an independent validator).
//   node scripts/lib/validate-json.mjs SCHEMA FILE…
// Prints "valid FILE" or "invalid FILE: why" per file; exits 0 if all are valid, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

const [schemaPath, ...files] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: true, strict: true });
// Schemas beside this one (with an $id) are known too, so a "$ref": "feed.schema.json#/…" resolves.
const dir = path.dirname(schemaPath);
for (const f of fs.readdirSync(dir)) {
  if (!f.endsWith('.schema.json') || path.resolve(dir, f) === path.resolve(schemaPath)) continue;
  const s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  if (s.$id) ajv.addSchema(s);
}
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
let bad = 0;
for (const f of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    console.log(`invalid ${f}: not JSON: ${String(e.message).slice(0, 200)}`);
    bad++;
    continue;
  }
  if (validate(doc)) {
    console.log(`valid ${f}`);
  } else {
    bad++;
    const why = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    console.log(`invalid ${f}: ${why.slice(0, 300)}`);
  }
}
process.exit(bad ? 1 : 0);
