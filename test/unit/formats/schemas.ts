/**
 * The official JSON schemas in ../shared/data, compiled with ajv the way their authors' own
 * tests run them: CycloneDX 1.5/1.6 (draft-07, `$ref`s to spdx.schema.json and jsf-0.82 resolved
 * locally, formats enforced, the non-standard `meta:enum`/`deprecated` keywords ignored) and
 * SPDX 2.3 (the draft-07 release schema and the 2.3.1 errata schema in draft 2019-09).
 * CycloneDX XML is checked against the XSDs with xmllint where it is installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { FormatsPlugin } from 'ajv-formats';
import { SHARED_DATA } from '../../helpers/catalog.ts';

const require = createRequire(import.meta.url);
// ajv-formats-draft2019 ships no types: it is `(ajv, {formats}) => ajv`, adding iri/idn formats.
// ajv-formats is CommonJS whose module.exports is the plugin; TypeScript sees only `.default`.
const addFormats = require('ajv-formats') as FormatsPlugin;
const addDraft2019Formats = require('ajv-formats-draft2019') as <T>(ajv: T, options?: { formats?: string[] }) => T;

export const CDX_SCHEMA_DIR = join(SHARED_DATA, 'cyclonedx', 'schema');
export const CDX_EXAMPLES_DIR = join(SHARED_DATA, 'cyclonedx', 'examples');
export const SPDX_SCHEMA_DIR = join(SHARED_DATA, 'spdx', 'schema');

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

export interface Checker {
  /** The schema errors, empty when valid. */
  (doc: unknown): ErrorObject[];
}

function checker(validate: ValidateFunction): Checker {
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}

const cdxCache = new Map<string, Checker>();

export function cycloneDxSchema(version: '1.5' | '1.6'): Checker {
  const hit = cdxCache.get(version);
  if (hit !== undefined) return hit;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  addDraft2019Formats(ajv, { formats: ['idn-email'] });
  // ajv-formats-draft2019's iri-reference rejects valid IRIs such as the spec's own
  // `urn:cdx:<uuid>/1#ref` BOM-Links (luzlab/ajv-formats-draft2019#22; the CycloneDX library's
  // validator accepts every string there for that reason). Check what RFC 3987 excludes outright.
  ajv.addFormat('iri-reference', (s: string) => ![...s].some((ch) => ch.charCodeAt(0) <= 0x20 || ch === '\u007f' || '<>"{}|\\^`'.includes(ch)));
  ajv.addKeyword('meta:enum');
  ajv.addSchema(readJson(join(CDX_SCHEMA_DIR, 'spdx.schema.json')));
  ajv.addSchema(readJson(join(CDX_SCHEMA_DIR, 'jsf-0.82.schema.json')));
  const c = checker(ajv.compile(readJson(join(CDX_SCHEMA_DIR, `bom-${version}.schema.json`))));
  cdxCache.set(version, c);
  return c;
}

let spdx07: Checker | undefined;
let spdx2019: Checker | undefined;

/** SPDX 2.3 as released (draft-07). */
export function spdxSchema(): Checker {
  if (spdx07 === undefined) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    spdx07 = checker(ajv.compile(readJson(join(SPDX_SCHEMA_DIR, 'spdx-2.3-schema.draft-07.json'))));
  }
  return spdx07;
}

/** SPDX 2.3.1 errata schema (draft 2019-09). */
export function spdxErrataSchema(): Checker {
  if (spdx2019 === undefined) {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    spdx2019 = checker(ajv.compile(readJson(join(SPDX_SCHEMA_DIR, 'spdx-2.3.1-schema.draft-2019-09.json'))));
  }
  return spdx2019;
}

export function cdxExamples(version: '1.5' | '1.6'): { name: string; valid: boolean; doc: unknown }[] {
  const dir = join(CDX_EXAMPLES_DIR, version);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, valid: f.startsWith('valid-'), doc: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
}

/**
 * The CycloneDX XSDs. /work/shared/data carries only the JSON schemas; the XSDs come from
 * @cyclonedx/cyclonedx-library's `res/schema`, which copies them from CycloneDX/specification
 * (`schema/bom-1.x.xsd` with the imported `spdx.xsd`, renamed `.SNAPSHOT`).
 */
export const CDX_XSD_DIR = join(import.meta.dirname, '../../../node_modules/@cyclonedx/cyclonedx-library/res/schema');

export function xmllintAvailable(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Validate an XML document with `xmllint --schema`; returns xmllint's complaints, empty when valid. */
export function xsdErrors(xml: string, version: '1.5' | '1.6'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-xsd-'));
  try {
    const file = join(dir, 'bom.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(CDX_XSD_DIR, `bom-${version}.SNAPSHOT.xsd`), file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return '';
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return e.stderr?.toString() ?? e.message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
