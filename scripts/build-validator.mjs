/**
 * Build step: compile the config schema into a standalone validator (ajv's standalone code), so that a scan does
 * not compile the schema on every start (70 ms of a pre-commit scan's budget). The module records a hash of the
 * schema it was built from; src/config/load.ts uses it only when that hash matches the shipped schema, else it
 * compiles the schema itself. CommonJS on purpose: ajv's standalone output requires its runtime helpers.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const text = readFileSync(join(root, 'schema', 'compliance.schema.json'), 'utf8');
// the options must stay those of src/config/load.ts
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, code: { source: true } });
const validate = ajv.compile(JSON.parse(text));
const code = (standalone.default ?? standalone)(ajv, validate);
const out = join(root, 'dist', 'src', 'config', 'config-validator.cjs');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(createHash('sha1').update(text).digest('hex'))};\n`);
