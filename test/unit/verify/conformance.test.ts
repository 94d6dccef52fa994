/**
 * sigstore-conformance bundle-verify suite (../shared/data/sigstore/conformance): every case run
 * through verifyBundle twice, with the artifact and with only its sha256, as the suite's
 * test_bundle.py does. `_fail` cases must fail, every other must verify. Cases without their own
 * trusted_root.json use the production root snapshot (offline).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VouchError } from '../../../src/core/index.ts';
import { verifyBundle } from '../../../src/verify/index.ts';

const DATA = new URL('../../../../shared/data/sigstore/', import.meta.url).pathname;
const BASE = join(DATA, 'conformance');
const expected = JSON.parse(readFileSync(join(BASE, 'expected.json'), 'utf8')) as { cases: Record<string, { expectedResult: 'verify' | 'fail' }> };
const PROD_ROOT = JSON.parse(readFileSync(join(DATA, 'trusted-roots/production-trusted_root.json'), 'utf8')) as unknown;
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** The reason each must-fail case should be reported with (the error code names it). */
const FAIL_CODES: Record<string, readonly string[]> = {
  'bundle-malformed-json_fail': ['BUNDLE_INVALID'],
  'bundle-unknown-version_fail': ['BUNDLE_INVALID'],
  'message-digest-mismatch_fail': ['VERIFY_DIGEST', 'VERIFY_UNSUPPORTED'],
  'wrong-material_fail': ['VERIFY_DIGEST', 'VERIFY_UNSUPPORTED'],
  'managed-key-no-key_fail': ['VERIFY_KEY'],
  'checkpoint-wrong-roothash_fail': ['VERIFY_TLOG', 'VERIFY_UNSUPPORTED'],
  'inclusion-proof-corrupted-hash_fail': ['VERIFY_TLOG', 'VERIFY_UNSUPPORTED'],
  'set-invalid-signature_fail': ['VERIFY_SET', 'VERIFY_UNSUPPORTED'],
  'invalid-ct-key_fail': ['VERIFY_CHAIN', 'VERIFY_UNSUPPORTED'],
  'intoto-expired-certificate_fail': ['VERIFY_CHAIN'],
  'rekor2-no-timestamp_fail': ['VERIFY_TIME', 'VERIFY_UNSUPPORTED'],
  'trust-root-tlog-missing-validity-start_fail': ['TRUSTED_ROOT_INVALID'],
  'dsse-invalid-sig_fail': ['VERIFY_TLOG', 'VERIFY_SIGNATURE'],
};

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let verified = 0;
let failed = 0;
for (const [name, c] of Object.entries(expected.cases)) {
  const dir = join(BASE, 'bundle-verify', name);
  const read = (f: string): string | undefined => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
  const artifact = readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(BASE, 'a.txt'));
  const bundle = readFileSync(join(dir, 'bundle.sigstore.json'));
  const key = read('key.pub');
  const trustedRoot = read('trusted_root.json') ?? PROD_ROOT;
  const identity = { subject: read('identity')?.trim() ?? DEFAULT_IDENTITY, issuer: read('issuer')?.trim() ?? DEFAULT_ISSUER };
  assert.equal(name.endsWith('_fail'), c.expectedResult === 'fail', `${name}: name and expected.json agree`);
  for (const mode of ['artifact', 'digest'] as const) {
    test(`conformance ${name} (${mode}) must ${c.expectedResult}`, async () => {
      const input = mode === 'artifact' ? { artifact } : { digest: { sha256: sha256(artifact) } };
      const run = verifyBundle(bundle, { ...input, trustedRoot, ...(key !== undefined ? { key } : { identity }) });
      if (c.expectedResult === 'verify') {
        const v = await run;
        verified++;
        if (key === undefined) {
          assert.equal(v.signer.kind, 'certificate');
          if (v.signer.kind === 'certificate') assert.equal(v.signer.subjectAlternativeName, identity.subject);
        }
      } else {
        await assert.rejects(run, (err: unknown) => {
          assert.ok(err instanceof VouchError, `a VouchError, got ${String(err)}`);
          const e = err as VouchError;
          assert.ok(e.code !== 'INTERNAL', e.message);
          const want = FAIL_CODES[name];
          if (want) assert.ok(want.includes(e.code), `${name}: ${e.code} (${e.message}) not in ${want.join(', ')}`);
          return true;
        });
        failed++;
      }
    });
  }
}

test('conformance totals: 21 verify and 49 fail, each in both modes', () => {
  const cases = Object.values(expected.cases);
  assert.equal(cases.filter((c) => c.expectedResult === 'verify').length, 21);
  assert.equal(cases.filter((c) => c.expectedResult === 'fail').length, 49);
  assert.equal(verified, 42);
  assert.equal(failed, 98);
});
