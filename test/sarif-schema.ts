/**
 * The official SARIF 2.1.0 schema, kept in the repository as test data (test/data/README.md says where it comes
 * from and under which licence), compiled once per test file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ErrorObject } from 'ajv';

export const SARIF_SCHEMA = join(import.meta.dirname, 'data', 'sarif-schema-2.1.0.json');

/** A validator against the official schema: the errors of a document, none when it is valid. */
export function sarifValidator(): (doc: unknown) => ErrorObject[] {
  // CommonJS packages: under NodeNext the class and the function are their `default` export
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  const v = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')));
  return (doc) => (v(doc) ? [] : (v.errors ?? []));
}
