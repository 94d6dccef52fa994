/**
 * Golden files (house rule 10, after the CycloneDX library's integration tests): every writer's
 * output for the deterministic sample inventory is compared byte for byte with
 * test/golden/formats/. Schema validity is checked by each format's own tests; here a change of
 * output shows up as a diff to review. Rewrite them on request only: `UPDATE_GOLDEN=1 npm test`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SBOM_FORMATS } from '../../../src/formats/sbom-writers/all.ts';
import { sampleInventory } from './inventory-fixture.ts';

const GOLDEN_DIR = join(import.meta.dirname, '../../golden/formats');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FILES: Readonly<Record<string, string>> = {
  'cyclonedx-json@1.6': 'sample.cdx-1.6.json',
  'cyclonedx-json@1.5': 'sample.cdx-1.5.json',
  'cyclonedx-xml@1.6': 'sample.cdx-1.6.xml',
  'cyclonedx-xml@1.5': 'sample.cdx-1.5.xml',
  'spdx-json': 'sample.spdx.json',
  json: 'sample.vouch.json',
};

describe('golden files', () => {
  for (const [format, file] of Object.entries(FILES)) {
    it(`${format} matches test/golden/formats/${file}`, () => {
      const out = SBOM_FORMATS[format]!(sampleInventory());
      const path = join(GOLDEN_DIR, file);
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(path, out);
      }
      assert.equal(out, readFileSync(path, 'utf8'), `output of ${format} changed: review, then UPDATE_GOLDEN=1 to accept`);
    });
  }
});
