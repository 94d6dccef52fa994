/** The SARIF 2.1.0 schema (test/fixtures/sarif, see its README) compiled with ajv, formats enforced. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';

const require = createRequire(import.meta.url);
const addFormats = require('ajv-formats') as FormatsPlugin;

let validate: ((doc: unknown) => ErrorObject[]) | undefined;

export function sarifErrors(doc: unknown): ErrorObject[] {
  if (validate === undefined) {
    const schema = JSON.parse(readFileSync(new URL('../../../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    // draft-04 → draft-07: `id` became `$id`; nothing else in this schema differs.
    delete schema.id;
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, unicodeRegExp: false }); // the schema's language pattern is not valid with the u flag
    addFormats(ajv);
    const v = ajv.compile(schema);
    validate = (doc) => (v(doc) ? [] : [...(v.errors ?? [])]);
  }
  return validate(doc);
}
