/** Policy conditions over real statements (the grype CycloneDX/syft attestations) and hostile policies. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VouchError } from '../../../src/core/index.ts';
import { evaluateConditions, parsePath, parsePolicy, type Condition } from '../../../src/policy/index.ts';

const DATA = new URL('../../../../shared/data/sigstore/grype-attestations/', import.meta.url).pathname;
const statementOf = (f: string): unknown => JSON.parse(Buffer.from((JSON.parse(readFileSync(DATA + f, 'utf8')) as { payload: string }).payload, 'base64').toString()) as unknown;
const CDX = statementOf('alpine.cdx.att.json');
const SYFT = statementOf('alpine.att.json');

const invalid = (err: unknown): boolean => err instanceof VouchError && err.code === 'POLICY_INVALID';

test('paths: dotted keys, [*], [N], ["quoted.key"]; malformed paths are refused', () => {
  assert.deepEqual(parsePath('a.b[*].c'), [{ kind: 'key', key: 'a' }, { kind: 'key', key: 'b' }, { kind: 'any' }, { kind: 'key', key: 'c' }]);
  assert.deepEqual(parsePath('a["x.y"][2]'), [{ kind: 'key', key: 'a' }, { kind: 'key', key: 'x.y' }, { kind: 'index', index: 2 }]);
  for (const bad of ['', 'a.', 'a..b', 'a[', 'a[x]', 'a[-1]', 'x'.repeat(600), Array(40).fill('a').join('.')]) assert.throws(() => parsePath(bad), invalid, bad);
});

test('every operator, true and false, on the CycloneDX attestation', () => {
  const pass: Condition[] = [
    { path: 'predicateType', equals: 'https://cyclonedx.org/bom' },
    { path: 'predicate.bomFormat', in: ['CycloneDX', 'SPDX'] },
    { path: 'predicate.components[*].name', equals: 'musl' },
    { path: 'predicate.components[*].purl', matches: 'pkg:alpine/busybox@.*' },
    { path: 'predicate.metadata', exists: true },
    { path: 'predicate.nothing', exists: false },
    { path: 'predicate.version', lessThan: 10 },
    { path: 'predicate.version', greaterThan: 0 },
    { path: 'predicate.metadata.timestamp', greaterThan: '2020-01-01T00:00:00Z' },
    { path: 'subject[0].digest.sha256', matches: '[0-9a-f]{64}' },
  ];
  const r = evaluateConditions(CDX, pass);
  assert.deepEqual(r.failures, []);
  assert.equal(r.ok, true);
  const fail: Condition[] = [
    { path: 'predicateType', equals: 'https://spdx.dev/Document' },
    { path: 'predicate.bomFormat', in: ['SPDX'] },
    { path: 'predicate.components[*].name', equals: 'openssl' },
    { path: 'predicate.components[*].purl', matches: 'busybox' }, // whole-string match: a substring is not enough
    { path: 'predicate.nothing', exists: true },
    { path: 'predicate.metadata', exists: false },
    { path: 'predicate.version', lessThan: 1 },
    { path: 'predicate.metadata.timestamp', greaterThan: '2999-01-01T00:00:00Z' },
    { path: 'predicate.components', equals: 'x', message: 'custom text' },
  ];
  const f = evaluateConditions(CDX, fail);
  assert.equal(f.ok, false);
  assert.deepEqual(f.failures.map((x) => x.index), fail.map((_, i) => i));
  assert.match(f.failures[0]?.message ?? '', /predicateType is "https:\/\/cyclonedx.org\/bom", expected "https:\/\/spdx.dev\/Document"/);
  assert.match(f.failures[4]?.message ?? '', /predicate.nothing is missing/);
  assert.equal(f.failures[8]?.message, 'custom text');
});

test('the syft attestation: 14 artifacts, deep equality on objects', () => {
  assert.ok(evaluateConditions(SYFT, [{ path: 'predicate.artifacts[13].name', exists: true }, { path: 'predicate.artifacts[14]', exists: false }]).ok);
  assert.ok(evaluateConditions({ a: [{ x: 1, y: [2] }] }, [{ path: 'a[*]', equals: { y: [2], x: 1 } }]).ok);
  assert.ok(!evaluateConditions({ a: [{ x: 1 }] }, [{ path: 'a[*]', equals: { x: 1, y: 2 } }]).ok);
});

test('policy files: YAML or JSON, list or {conditions}; bad policies are POLICY_INVALID with the reason', () => {
  assert.equal(parsePolicy('- path: a\n  equals: 1\n').length, 1);
  assert.equal(parsePolicy('{"conditions": [{"path": "a", "exists": true}]}').length, 1);
  const bad: [string, RegExp][] = [
    ['- path: a\n', /exactly one operator/],
    ['- path: a\n  equals: 1\n  in: [1]\n', /exactly one operator/],
    ['- path: a\n  equal: 1\n', /unknown key "equal"/],
    ['- path: a\n  matches: "("\n', /bad regex/],
    ['- path: a\n  in: 3\n', /"in" needs a list/],
    ['- path: a\n  exists: "yes"\n', /true or false/],
    ['- path: a\n  lessThan: soon\n', /number or an RFC 3339/],
    ['a: 1\n', /list of conditions/],
    ['- [', /not YAML/],
    [`${'- path: a\n  exists: true\n'.repeat(300)}`, /over 256 conditions/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parsePolicy(text), (err: unknown) => invalid(err) && re.test((err as Error).message), text.slice(0, 40));
  }
  assert.throws(() => parsePolicy('#'.repeat(2 * 1024 * 1024)), invalid);
  // Alias bombs stay bounded.
  assert.throws(() => parsePolicy('a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'), invalid);
});

test('a wide [*] fan-out is bounded', () => {
  const wide = { a: Array.from({ length: 400 }, () => Array.from({ length: 400 }, () => 1)) };
  assert.throws(() => evaluateConditions(wide, [{ path: 'a[*][*].x', exists: true }]), invalid);
});
