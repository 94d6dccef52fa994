/**
 * Inventories for the format tests, built the way catalogers build them: purls through
 * buildPurl, several ecosystems, a root with a graph, every kind of license, hashes, dev and
 * optional scope, locations with and without lines.
 */
import type { Inventory, Package, Relationship } from '../../../src/formats/model/index.ts';
import { buildPurl } from '../../../src/formats/purl/index.ts';

function pkg(p: Omit<Package, 'hashes' | 'locations' | 'licenses' | 'scope' | 'foundBy'> & Partial<Package>): Package {
  return { hashes: [], locations: [], licenses: [], scope: 'required', foundBy: 'test-cataloger', ...p };
}

export const APP = pkg({
  name: 'my-app',
  version: '1.0.0',
  type: 'npm',
  purl: buildPurl({ type: 'npm', name: 'my-app', version: '1.0.0' }),
  isRoot: true,
  licenses: ['Apache-2.0'],
  locations: [{ path: 'package-lock.json' }, { path: 'package.json' }],
  foundBy: 'javascript-lock-cataloger',
});

export const SCOPED = pkg({
  name: '@babel/core',
  version: '7.24.0',
  type: 'npm',
  purl: buildPurl({ type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0' }),
  licenses: ['MIT'],
  hashes: [{ alg: 'SHA-512', value: 'ab'.repeat(64) }],
  scope: 'dev',
  locations: [{ path: 'package-lock.json', line: 42 }],
  metadata: { resolved: 'https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz', integrity: 'sha512-q80=' },
  foundBy: 'javascript-lock-cataloger',
});

export const LEFTPAD = pkg({
  name: 'left-pad',
  version: '1.3.0',
  type: 'npm',
  purl: buildPurl({ type: 'npm', name: 'left-pad', version: '1.3.0' }),
  licenses: ['WTFPL', 'MIT OR Apache-2.0'],
  hashes: [{ alg: 'SHA-1', value: '5b1aa3a5b33c6b6e0a6d4d7f0d5b4b0e8f2c1a9d' }],
  scope: 'optional',
  locations: [{ path: 'package-lock.json', line: 77 }],
});

export const MAVEN = pkg({
  name: 'org.apache.commons:commons-lang3',
  version: '3.14.0',
  type: 'maven',
  purl: buildPurl({ type: 'maven', namespace: 'org.apache.commons', name: 'commons-lang3', version: '3.14.0' }),
  licenses: ['Apache-2.0'],
  hashes: [{ alg: 'SHA-256', value: 'cd'.repeat(32) }],
  locations: [{ path: 'pom.xml', line: 12 }],
  foundBy: 'java-pom-cataloger',
});

export const PYPI = pkg({
  name: 'Requests_OAuthlib',
  version: '1.3.1+local.2',
  type: 'pypi',
  purl: buildPurl({ type: 'pypi', name: 'requests-oauthlib', version: '1.3.1+local.2' }),
  licenses: ['BSD License', 'ISC'],
  locations: [{ path: 'requirements.txt', line: 3 }],
  foundBy: 'python-requirements-cataloger',
});

export const GOLANG = pkg({
  name: 'github.com/pkg/errors',
  version: 'v0.9.1',
  type: 'golang',
  purl: buildPurl({ type: 'golang', namespace: 'github.com/pkg', name: 'errors', version: 'v0.9.1' }),
  licenses: ['(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT)'],
  hashes: [{ alg: 'SHA-256', value: 'ef'.repeat(32) }],
  locations: [{ path: 'go.sum' }, { path: 'go.mod', line: 5 }],
  foundBy: 'go-module-cataloger',
});

/** No version, no license, a name with characters SPDX ids cannot hold. */
export const GENERIC = pkg({
  name: 'weird name/π',
  version: '',
  type: 'generic',
  purl: buildPurl({ type: 'generic', name: 'weird name/π' }),
  licenses: ['Proprietary – see LICENSE.txt'],
});

const PACKAGES = [APP, SCOPED, LEFTPAD, MAVEN, PYPI, GOLANG, GENERIC].sort((a, b) => (a.purl < b.purl ? -1 : 1));

const RELATIONSHIPS: Relationship[] = (
  [
    [APP, SCOPED],
    [APP, LEFTPAD],
    [APP, MAVEN],
    [SCOPED, LEFTPAD],
    [MAVEN, PYPI],
  ] as const
)
  .map(([f, t]): Relationship => ({ from: f.purl, to: t.purl, type: 'depends-on' }))
  .sort((a, b) => (a.from + '\0' + a.to < b.from + '\0' + b.to ? -1 : 1));

export function sampleInventory(overrides: Partial<Inventory> = {}): Inventory {
  return {
    source: { kind: 'directory', target: 'dir:./my-app', name: 'my-app' },
    packages: PACKAGES,
    relationships: RELATIONSHIPS,
    warnings: [
      { location: { path: 'broken/package-lock.json', line: 3 }, message: 'unexpected token' },
      { location: { path: 'a/go.mod' }, message: 'no module line' },
    ],
    tool: { name: 'vouch', version: '0.1.0' },
    timestamp: '2024-01-02T03:04:05Z',
    deterministic: true,
    ...overrides,
  };
}

/** The same packages without any root: the source then depends on every package nothing depends on. */
export function rootlessInventory(): Inventory {
  const inv = sampleInventory();
  return {
    ...inv,
    packages: inv.packages.filter((p) => p.isRoot !== true),
    relationships: inv.relationships.filter((r) => r.from !== APP.purl && r.to !== APP.purl),
  };
}

export const EMPTY_INVENTORY: Inventory = {
  source: { kind: 'file', target: 'file:requirements.txt', name: 'requirements.txt' },
  packages: [],
  relationships: [],
  warnings: [],
  tool: { name: 'vouch', version: '0.1.0' },
  timestamp: '1970-01-01T00:00:00Z',
  deterministic: false,
};

/** A package whose strings carry characters no XML document can hold (from a hostile lockfile). */
export function hostileInventory(): Inventory {
  const inv = sampleInventory();
  const hostile = pkg({
    name: 'ctl\u0000\u0007x\uFFFF',
    version: '1\u0001',
    type: 'generic',
    purl: buildPurl({ type: 'generic', name: 'ctl\u0000\u0007x\uFFFF', version: '1\u0001' }),
    licenses: ['MIT\u0000'],
    locations: [{ path: 'a\u0000b', line: 1 }],
    metadata: { 'k:ey\u0000': 'v\u0000' },
  });
  return { ...inv, packages: [...inv.packages, hostile].sort((a, b) => (a.purl < b.purl ? -1 : 1)) };
}

/** Names whose order depends on the collation locale (Danish sorts `aa` after `z`). */
export function localeSensitiveInventory(): Inventory {
  const inv = sampleInventory();
  const extra = ['aa-lib', 'ab-lib', 'z-lib', 'Zz-lib'].map((name) =>
    pkg({ name, version: '1.0.0', type: 'npm', purl: buildPurl({ type: 'npm', name, version: '1.0.0' }), metadata: { [name]: 'x', aa: 'y' } }),
  );
  const packages = [...inv.packages, ...extra].sort((a, b) => (a.purl < b.purl ? -1 : 1));
  const relationships = extra
    .map((p): Relationship => ({ from: APP.purl, to: p.purl, type: 'depends-on' }))
    .concat(inv.relationships)
    .sort((a, b) => (a.from + '\0' + a.to < b.from + '\0' + b.to ? -1 : 1));
  return { ...inv, packages, relationships };
}
