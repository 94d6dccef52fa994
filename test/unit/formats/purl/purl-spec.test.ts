/**
 * The purl specification's own test suite (package-url/purl-spec `tests/`, a copy in
 * ../shared/data/purl) run through buildPurl / parsePurl / canonicalPurl:
 * `parse` cases through parsePurl, `build` through buildPurl, `validate` (round trip) through
 * canonicalPurl; `expected_failure` cases must throw INVALID_PURL.
 *
 * Every case must pass except those in KNOWN_DEVIATIONS, each with its reason; the test also
 * fails when a listed case starts passing, so the list never goes stale.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PURL_TYPE_RULES, buildPurl, canonicalPurl, parsePurl, type PurlParts } from '../../../../src/formats/purl/index.ts';
import { isVouchError } from '../../../../src/core/index.ts';
import { SHARED_DATA } from '../../../helpers/catalog.ts';

const PURL_DATA = join(SHARED_DATA, 'purl');

interface Components {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  qualifiers: Record<string, string> | null;
  subpath: string | null;
}

interface SpecCase {
  description: string;
  test_group: 'required' | 'recommended';
  test_type: 'parse' | 'build' | 'validate';
  input: string | Components;
  expected_output?: string | Components | null;
  expected_failure?: boolean;
}

const QUALIFIER_KEYS_UPPER =
  'the spec says a qualifier key "MUST be composed only of lowercase ASCII letters ..." (docs/standard/components.md), ' +
  'and the required gem/rpm parse cases with `Platform=`/`Arch=` must fail; this case expects uppercase keys to be lowercased instead';

/** file | test_type | input  →  why Vouch does not do what the case expects. */
const KNOWN_DEVIATIONS: Readonly<Record<string, string>> = {
  'maven-test.json|parse|"pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom&repositorY_url=repo.spring.io/release"': QUALIFIER_KEYS_UPPER,
  'maven-test.json|validate|"pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom&repositorY_url=repo.spring.io/release"': QUALIFIER_KEYS_UPPER,
  'maven-test.json|parse|"pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repositorY_url=https://repo.spring.io/release"': QUALIFIER_KEYS_UPPER,
  'maven-test.json|validate|"pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repositorY_url=https://repo.spring.io/release"': QUALIFIER_KEYS_UPPER,
  'gem-test.json|validate|"pkg:gem/jruby-launcher@1.1.2?Platform=java"': QUALIFIER_KEYS_UPPER,
  'rpm-test.json|validate|"pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25"': QUALIFIER_KEYS_UPPER,
  'git-test.json|validate|"pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c"':
    'recommended only, and against types/git-definition.json, which makes git namespace and name case sensitive',
};

function specFiles(): { file: string; cases: SpecCase[] }[] {
  const files = [join(PURL_DATA, 'tests', 'spec', 'specification-test.json')];
  const typesDir = join(PURL_DATA, 'tests', 'types');
  for (const f of readdirSync(typesDir).sort()) if (f.endsWith('-test.json')) files.push(join(typesDir, f));
  return files.map((file) => ({ file, cases: (JSON.parse(readFileSync(file, 'utf8')) as { tests: SpecCase[] }).tests }));
}

function toParts(c: Components): PurlParts {
  return {
    type: c.type,
    namespace: c.namespace ?? undefined,
    name: c.name,
    version: c.version ?? undefined,
    qualifiers: c.qualifiers ?? undefined,
    subpath: c.subpath ?? undefined,
  };
}

function sameComponents(got: PurlParts, want: Components): boolean {
  const q = (x: Readonly<Record<string, string | undefined>> | null | undefined): string =>
    JSON.stringify(Object.entries(x ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
  return (
    got.type === want.type &&
    (got.namespace ?? null) === want.namespace &&
    got.name === want.name &&
    (got.version ?? null) === want.version &&
    q(got.qualifiers) === q(want.qualifiers) &&
    (got.subpath ?? null) === want.subpath
  );
}

/** Run one case; returns a description of what went wrong, or undefined when it passed. */
function run(c: SpecCase): string | undefined {
  let got: unknown;
  try {
    if (c.test_type === 'parse') got = parsePurl(c.input as string);
    else if (c.test_type === 'build') got = buildPurl(toParts(c.input as Components));
    else got = canonicalPurl(c.input as string);
  } catch (err) {
    if (!isVouchError(err) || err.code !== 'INVALID_PURL') return `threw something else than INVALID_PURL: ${String(err)}`;
    return c.expected_failure === true ? undefined : `threw ${err.message}`;
  }
  if (c.expected_failure === true) return `accepted it: ${JSON.stringify(got)}`;
  const ok =
    c.test_type === 'parse' ? sameComponents(got as PurlParts, c.expected_output as Components) : got === c.expected_output;
  return ok ? undefined : `got ${JSON.stringify(got)}, expected ${JSON.stringify(c.expected_output)}`;
}

describe('purl-spec test suite', () => {
  const files = specFiles();

  it('has the 586 cases in 43 files the data README counts', () => {
    assert.equal(files.length, 43);
    assert.equal(
      files.reduce((n, f) => n + f.cases.length, 0),
      586,
    );
  });

  const seenDeviations = new Set<string>();
  for (const { file, cases } of files) {
    const name = file.split('/').pop()!;
    it(`${name}: every case passes (${cases.length})`, () => {
      const unexpected: string[] = [];
      for (const c of cases) {
        const key = `${name}|${c.test_type}|${JSON.stringify(c.input)}`;
        const problem = run(c);
        if (key in KNOWN_DEVIATIONS) {
          seenDeviations.add(key);
          assert.ok(problem !== undefined, `${key} now passes: remove it from KNOWN_DEVIATIONS`);
          continue;
        }
        if (problem !== undefined) unexpected.push(`[${c.test_group}/${c.test_type}] ${c.description}: ${JSON.stringify(c.input)} ${problem}`);
      }
      assert.deepEqual(unexpected, []);
    });
  }

  it('every known deviation is a case of the suite', () => {
    assert.deepEqual(Object.keys(KNOWN_DEVIATIONS).filter((k) => !seenDeviations.has(k)), []);
  });
});

describe('PURL_TYPE_RULES', () => {
  interface Definition {
    type: string;
    namespace_definition?: { requirement?: string; case_sensitive?: boolean };
    name_definition?: { case_sensitive?: boolean; permitted_characters?: string };
    version_definition?: { case_sensitive?: boolean; permitted_characters?: string };
    qualifiers_definition?: { key: string; requirement?: string }[];
  }
  const dir = join(PURL_DATA, 'types');
  const defs = readdirSync(dir)
    .filter((f) => f.endsWith('-definition.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Definition);

  it('says what the type definitions say, for every registered type', () => {
    const index = JSON.parse(readFileSync(join(PURL_DATA, 'purl-types-index.json'), 'utf8')) as string[];
    assert.deepEqual(Object.keys(PURL_TYPE_RULES).sort(), [...index].sort());
    for (const d of defs) {
      const req = d.namespace_definition?.requirement;
      const required = (d.qualifiers_definition ?? []).filter((q) => q.requirement === 'required').map((q) => q.key);
      const want = {
        ...(req === 'required' || req === 'prohibited' ? { namespace: req } : {}),
        ...(d.namespace_definition?.case_sensitive === false ? { namespaceLower: true } : {}),
        ...(d.name_definition?.case_sensitive === false ? { nameLower: true } : {}),
        ...(d.name_definition?.permitted_characters === undefined ? {} : { name: d.name_definition.permitted_characters }),
        ...(d.version_definition?.permitted_characters === undefined ? {} : { version: d.version_definition.permitted_characters }),
        ...(d.version_definition?.case_sensitive === false ? { versionLower: true } : {}),
        ...(required.length > 0 ? { qualifiers: required } : {}),
      };
      assert.deepEqual(PURL_TYPE_RULES[d.type], want, d.type);
    }
  });
});

describe('purl: what catalogers rely on', () => {
  it('encodes as ECMA-427 says: `:` kept, `+` and `@` encoded, qualifiers sorted', () => {
    assert.equal(buildPurl({ type: 'pypi', name: 'local-version', version: '1.2.3+gcr.2' }), 'pkg:pypi/local-version@1.2.3%2Bgcr.2');
    assert.equal(
      buildPurl({ type: 'cargo', name: 'x', version: '1.0.0', qualifiers: { vcs_url: 'git+https://h/r.git@abc', arch: 'x86' } }),
      'pkg:cargo/x@1.0.0?arch=x86&vcs_url=git%2Bhttps:%2F%2Fh%2Fr.git%40abc',
    );
    assert.equal(buildPurl({ type: 'npm', namespace: '@babel', name: 'core', version: '7.0.0' }), 'pkg:npm/%40babel/core@7.0.0');
    assert.equal(buildPurl({ type: 'deb', namespace: 'debian', name: 'attr', version: '1:2.4.47-2+b1' }), 'pkg:deb/debian/attr@1:2.4.47-2%2Bb1');
  });

  it('normalises per type and drops empty parts', () => {
    assert.equal(buildPurl({ type: 'pypi', name: 'Requests_OAuthlib', version: '' }), 'pkg:pypi/requests-oauthlib');
    assert.equal(buildPurl({ type: 'golang', namespace: 'github.com/Pkg', name: 'Errors', version: 'v1.0.0' }), 'pkg:golang/github.com/Pkg/Errors@v1.0.0');
    assert.equal(buildPurl({ type: 'golang', name: 'stdlib', version: 'go1.22.1' }), 'pkg:golang/stdlib@go1.22.1');
    assert.equal(buildPurl({ type: 'gem', name: 'rails', version: '7.1.0', qualifiers: { platform: undefined, x: '' } }), 'pkg:gem/rails@7.1.0');
  });

  it('round-trips what it builds', () => {
    for (const purl of [
      'pkg:maven/org.apache.commons/commons-lang3@3.14.0?type=jar',
      'pkg:npm/%40babel/core@7.24.0',
      'pkg:generic/weird%20name%2F%CF%80',
      'pkg:golang/github.com/pkg/errors@v0.9.1#sub/dir',
    ]) {
      assert.equal(canonicalPurl(purl), purl);
      assert.equal(buildPurl(parsePurl(purl)), purl);
    }
  });

  it('refuses what the type rules forbid with INVALID_PURL', () => {
    for (const bad of [
      () => buildPurl({ type: 'maven', name: 'no-group', version: '1' }),
      () => buildPurl({ type: 'cargo', namespace: 'x', name: 'serde' }),
      () => buildPurl({ type: 'npm', name: '' }),
      () => parsePurl('pkg:npm/x?Key=v'),
      () => parsePurl('not a purl'),
    ]) {
      assert.throws(bad, { code: 'INVALID_PURL' });
    }
  });
});
