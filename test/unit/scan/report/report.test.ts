/**
 * The report writers on a real scan result (PyPI advisories from ../shared/data/osv, trivy's
 * requirements_flask.txt, one finding suppressed by OpenVEX, one by .vouchignore): every format
 * carries the same findings, and the schema-bound ones validate.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importOsv, scan, scanCycloneDx, scanJson, scanOpenVex, scanSarif, scanTable, type ScanResult } from '../../../../src/scan/index.ts';
import { SHARED_DATA } from '../../../helpers/catalog.ts';
import { cycloneDxSchema } from '../../formats/schemas.ts';
import { sarifErrors } from './sarif-schema.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-scan-report-'));
after(() => rmSync(work, { recursive: true, force: true }));
let result: ScanResult;

before(async () => {
  const db = join(work, 'db.sqlite');
  await importOsv([join(SHARED_DATA, 'osv', 'PyPI-all.zip')], db);
  const project = join(work, 'project');
  mkdirSync(project);
  copyFileSync(join(SHARED_DATA, 'lockfiles/python/trivy/pip/requirements_flask.txt'), join(project, 'requirements.txt'));
  writeFileSync(join(project, '.vouchignore'), '- id: PYSEC-2022-203\n  reason: dev server only\n');
  writeFileSync(
    join(work, 'vex.json'),
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/v', author: 'a', timestamp: '2026-01-01T00:00:00Z', version: 1,
      statements: [{ vulnerability: { name: 'CVE-2023-30861' }, products: [{ '@id': 'pkg:pypi/flask@2.0.0' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
    }),
  );
  result = await scan(project, { db, vex: [join(work, 'vex.json')] });
});

test('the scan: PYSEC-2023-62 (alias CVE-2023-30861) suppressed by VEX, PYSEC-2022-203 by .vouchignore', () => {
  assert.deepEqual(result.matches.map((m) => m.id), ['PYSEC-2023-221', 'PYSEC-2023-57', 'PYSEC-2023-58']);
  assert.deepEqual(result.suppressed.map((s) => [s.match.id, s.by.kind]), [['PYSEC-2023-62', 'vex'], ['PYSEC-2022-203', 'ignore']]);
});

test('table: grouped by package with the declaring line, severity colours only when asked, suppressions explained', () => {
  const plain = scanTable(result);
  assert.match(plain, /^Werkzeug 2\.0\.0 {2}\(requirements\.txt:6\)\n/);
  assert.equal((plain.match(/^Werkzeug/gm) ?? []).length, 1, 'one block per package');
  assert.ok(!plain.includes("\u001b["), "no ANSI escapes without a painter");
  assert.match(plain, /PYSEC-2023-62 in Flask 2\.0\.0: VEX not_affected \(vulnerable_code_not_in_execute_path\)/);
  assert.match(plain, /PYSEC-2022-203 in Werkzeug 2\.0\.0: .*\.vouchignore: dev server only/);
  const coloured = scanTable(result, (level, t) => (level === 'high' ? `<red>${t}</red>` : t));
  assert.match(coloured, /<red>HIGH<\/red>/);
  assert.equal(coloured.replaceAll('<red>', '').replaceAll('</red>', ''), plain, 'colour does not change the layout');
});

test('json: no inventory, the same matches', () => {
  const j = JSON.parse(scanJson(result)) as Record<string, unknown> & { matches: unknown[] };
  assert.equal(j.inventory, undefined);
  assert.equal(j.matches.length, 3);
});

test('sarif: schema-valid, one result per finding at the lockfile line, levels from severity', () => {
  const doc = JSON.parse(scanSarif(result)) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
  assert.deepEqual(sarifErrors(doc), []);
  const results = doc.runs[0]!.results;
  assert.deepEqual(results.map((r) => r.ruleId), ['PYSEC-2023-221', 'PYSEC-2023-57', 'PYSEC-2023-58']);
  assert.equal(results[0]!.level, 'error'); // CVSS 7.5: high
  assert.deepEqual(results.map((r) => `${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine}`), Array(3).fill('requirements.txt:6'));
});

test('cyclonedx: 1.6 schema-valid; suppressed findings carry an analysis', async () => {
  const doc = JSON.parse(await scanCycloneDx(result)) as { vulnerabilities: { id: string; analysis?: { state: string; justification?: string; detail?: string } }[] };
  assert.deepEqual(cycloneDxSchema('1.6')(doc), []);
  const byId = new Map(doc.vulnerabilities.map((v) => [v.id, v]));
  assert.equal(byId.size, 5);
  assert.deepEqual(byId.get('PYSEC-2023-62')!.analysis?.state, 'not_affected');
  assert.equal(byId.get('PYSEC-2023-62')!.analysis?.justification, 'code_not_reachable');
  assert.match(byId.get('PYSEC-2022-203')!.analysis?.detail ?? '', /dev server only/);
  assert.equal(byId.get('PYSEC-2023-221')!.analysis, undefined);
});

test('openvex: affected with the fix; VEX and ignore suppressions as not_affected', () => {
  const doc = JSON.parse(scanOpenVex(result, new Date('2026-02-01T00:00:00Z'))) as { timestamp: string; statements: { vulnerability: { name: string }; status: string; justification?: string; impact_statement?: string; action_statement?: string }[] };
  assert.equal(doc.timestamp, '2026-02-01T00:00:00.000Z');
  const by = new Map(doc.statements.map((s) => [s.vulnerability.name, s]));
  assert.equal(by.get('PYSEC-2023-221')!.status, 'affected');
  assert.equal(by.get('PYSEC-2023-221')!.action_statement, 'Upgrade Werkzeug to 2.3.8');
  assert.equal(by.get('PYSEC-2023-62')!.justification, 'vulnerable_code_not_in_execute_path');
  assert.equal(by.get('PYSEC-2022-203')!.impact_statement, 'dev server only');
});
