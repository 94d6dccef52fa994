import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pomCataloger } from '../../../../../src/sbom/catalogers/java/index.ts';
import { MAX_PARENT_DEPTH } from '../../../../../src/sbom/catalogers/java/pom/effective.ts';
import { parsePomXml, pinVersion } from '../../../../../src/sbom/catalogers/java/pom/parser.ts';
import { FileParseError, type PackageInput, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';
import { catalogInTree, contextFor, MemoryResolver, parseInTree } from './helpers.ts';

const JAVA = join(LOCKFILES, 'java');
const id = (p: { name: string; version?: unknown }): string => `${p.name}@${typeof p.version === 'string' ? p.version : ''}`;
const deps = (r: ParseResult): PackageInput[] => r.packages.filter((p) => p.isRoot !== true);
const byName = (r: ParseResult, name: string): PackageInput => {
  const p = r.packages.find((x) => x.name === name);
  assert.ok(p, `${name} not found in ${r.packages.map(id).join(', ')}`);
  return p;
};
const pom = (body: string, coords = '<groupId>g</groupId><artifactId>app</artifactId><version>1</version>'): string =>
  `<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0">${coords}${body}</project>`;
const dep = (g: string, a: string, v?: string, extra = ''): string =>
  `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId>${v === undefined ? '' : `<version>${v}</version>`}${extra}</dependency>`;
const run = (files: Record<string, string>, path = 'pom.xml'): Promise<ParseResult> =>
  Promise.resolve(parsePomXml(path, contextFor(new MemoryResolver(files))));

describe('pom.xml: osv-scalibr fixtures', () => {
  const expected = loadExpected('java', 'osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    if (!file.startsWith('pomxml/')) continue;
    for (const c of cases) {
      it(`${file} (${c.testCase ?? ''})`, async () => {
        const path = join(JAVA, 'osv-scalibr', file);
        if (c.expectError) {
          await assert.rejects(parseFixture(parsePomXml, path), FileParseError);
          return;
        }
        const r = await parseFixture(parsePomXml, path);
        // scalibr reports the lower bound of a version range; a range resolves against the
        // repository's version list, which offline we do not have: version '' and the range
        // kept in metadata (and a warning).
        const want = (c.packages ?? []).map((p) => {
          const scope = Array.isArray(p['depGroups']) && p['depGroups'].includes('test') ? 'dev' : 'required';
          return `${id(p as { name: string; version?: unknown }).replace('@9.4.35.v20201120', '@')}/${scope}`;
        });
        assert.deepEqual(deps(r).map((p) => `${id(p)}/${p.scope ?? 'required'}`).sort(), want.sort());
      });
    }
  }

  it('keeps a version range in metadata and warns', async () => {
    const r = await parseFixture(parsePomXml, join(JAVA, 'osv-scalibr/pomxml/interpolation.xml'));
    const ranged = byName(r, 'org.mine:ranged-package');
    assert.equal(ranged.version, '');
    assert.equal(ranged.metadata?.['versionRange'], '[9.4.35.v20201120,9.5)');
    assert.ok(r.warnings?.some((w) => w.message.includes('ranged-package') && w.location.line === 30));
  });

  it('the project is the root and its direct dependencies hang off it, with lines', async () => {
    const r = await parseFixture(parsePomXml, join(JAVA, 'osv-scalibr/pomxml/with-parent.xml'));
    const root = r.packages.filter((p) => p.isRoot === true);
    assert.deepEqual(root.map((p) => p.purl), ['pkg:maven/com.mycompany.app/my-app@1.0']);
    const fromRoot = (r.relationships ?? []).filter((x) => x.from === root[0]!.purl).map((x) => x.to).sort();
    assert.deepEqual(fromRoot, deps(r).map((p) => p.purl).sort());
    assert.deepEqual(byName(r, 'org.alice:alice').locations, [{ path: 'with-parent.xml', line: 18 }]);
    // org.dave:dave comes from parent/pom.xml (relativePath ./parent/pom.xml)
    assert.equal(byName(r, 'org.dave:dave').version, '4.0.0');
    // unresolved: frank has no version anywhere we can see, and the warning says what is missing offline
    const frank = r.warnings?.find((w) => w.message.includes('org.frank:frank'));
    assert.ok(frank?.message.includes('org.import:import:1.2.3'), frank?.message);
    assert.equal(frank?.location.line, 32);
  });
});

describe('pom.xml: trivy fixtures (local repository pom/repository)', () => {
  const expected = loadExpected('java', 'trivy');
  const root = join(JAVA, 'trivy/pom');
  /**
   * Where Vouch's semantics differ from trivy's on purpose (name@version added/removed):
   * - test/provided/optional direct dependencies are kept (scope dev/optional), not dropped;
   * - a project whose version cannot be resolved is still reported, with version '';
   * - Maven's nearest-wins is kept over a hard requirement `[1.2.3]` deeper in the tree
   *   (trivy lets the hard requirement win);
   * - remote repositories are never contacted, so what only a remote serves is absent.
   */
  const differences: Record<string, { add?: string[]; remove?: string[]; skip?: string }> = {
    'pom/happy/pom.xml': { add: ['org.example:example-provided@999'] },
    'pom/offline/pom.xml': { add: ['com.example:child@'] },
    'pom/hard-requirement/pom.xml': { add: ['org.example:example-dependency@1.2.4'], remove: ['org.example:example-dependency@1.2.3'] },
    'pom/inherit-scopes-in-parents-from-root/pom.xml': { add: ['org.example:example-nested-scope-empty@1.0.0'] },
    'pom/different-repos-for-different-poms/pom.xml': { skip: 'needs remote repositories (txtar-simulated)' },
    'pom/repo-from-root-for-dep-from-module/pom.xml': { skip: 'needs a remote repository (txtar-simulated)' },
  };

  for (const [file, cases] of Object.entries(expected.files)) {
    if (!file.startsWith('pom/')) continue;
    const rel = file.slice('pom/'.length);
    const folder = rel.split('/')[0]!;
    for (const c of cases) {
      // "429 Too Many Requests" cases simulate a failing remote: nothing to do offline.
      if (c.expectError || c.testCase === 'remote release repository' || c.testCase === 'multiple repositories are used') continue;
      const diff = differences[file] ?? {};
      it(`${file} (${c.testCase ?? ''})`, { skip: diff.skip ?? false }, async () => {
        const text = readFileSync(join(root, rel), 'utf8');
        const want = new Set((c.packages ?? []).map((p) => id(p as { name: string; version?: unknown })));
        for (const a of diff.add ?? []) want.add(a);
        for (const x of diff.remove ?? []) want.delete(x);
        if (text.includes('<modules>')) {
          // Modules are separate pom.xml files: the cataloger finds each (trivy follows <modules> from the root).
          const r = await catalogInTree(pomCataloger, root, [folder, 'repository']);
          const mine = r.packages.filter((p) => p.locations.some((l) => l.path.startsWith(`${folder}/`)));
          assert.deepEqual([...new Set(mine.map(id))].sort(), [...want].sort());
          return;
        }
        const r = await parseInTree(parsePomXml, root, rel, [folder, 'repository']);
        assert.deepEqual([...new Set(r.packages.map(id))].sort(), [...want].sort());
        // trivy's relationship: root ↔ isRoot; direct ↔ an edge from the root; indirect ↔ none.
        const rootPkg = r.packages.find((p) => p.isRoot === true);
        for (const p of c.packages ?? []) {
          const mine = r.packages.find((x) => id(x) === id(p as { name: string }));
          if (!mine) continue;
          const fromRoot = (r.relationships ?? []).some((x) => x.from === rootPkg?.purl && x.to === mine.purl);
          if (p['relationship'] === 'root') assert.equal(mine.isRoot, true, id(mine));
          if (p['relationship'] === 'direct' && rootPkg) assert.ok(fromRoot, `${id(mine)} should be direct`);
          if (p['relationship'] === 'indirect') assert.ok(!fromRoot, `${id(mine)} should be indirect`);
        }
      });
    }
  }

  it('scopes: provided → optional, runtime → required, and transitive ones follow the path', async () => {
    const r = await parseInTree(parsePomXml, root, 'happy/pom.xml', ['happy', 'repository']);
    assert.equal(byName(r, 'org.example:example-provided').scope, 'optional');
    assert.equal(byName(r, 'org.example:example-runtime').scope, 'required');
    assert.deepEqual(byName(r, 'org.example:example-api').licenses, ['Apache-2.0']); // from its POM in the repository
    assert.deepEqual(byName(r, 'com.example:happy').licenses, ['BSD-3-Clause']);
  });

  it('a SNAPSHOT resolves to the newest timestamped POM in the repository', async () => {
    const r = await parseInTree(parsePomXml, root, 'snapshot/with-maven-metadata/pom.xml', ['snapshot', 'repository']);
    const api = byName(r, 'org.example:example-api');
    const snap = byName(r, 'org.example:example-dependency');
    assert.ok(r.relationships?.some((x) => x.from === snap.purl && x.to === api.purl));
  });

  it('without the repository, versions from an unavailable BOM stay unresolved with a warning', async () => {
    const r = await parseInTree(parsePomXml, root, 'import-dependency-management/pom.xml', ['import-dependency-management']);
    const api = byName(r, 'org.example:example-api');
    assert.equal(api.version, '');
    assert.ok(r.warnings?.some((w) => w.message.includes('org.example:example-api') && w.message.includes('offline')));
  });
});

describe('pom.xml: syft fixtures (maven-resolver parent POMs and BOMs)', () => {
  const root = join(JAVA, 'syft');
  it('commons-text: junit-jupiter is "" offline, 5.9.1 once commons-parent 54 and junit-bom 5.9.1 are in a local repository', async () => {
    const alone = await parseInTree(parsePomXml, root, 'pom/commons-text-1.10.0/pom.xml', ['pom/commons-text-1.10.0']);
    assert.equal(byName(alone, 'org.junit.jupiter:junit-jupiter').version, '');
    const resolved = await parseInTree(parsePomXml, root, 'pom/commons-text-1.10.0/pom.xml', ['pom/commons-text-1.10.0', 'maven-resolver/maven-repo']);
    const expected = loadExpected('java', 'syft').files['pom/commons-text-1.10.0/'];
    const want = (expected?.[0]?.packages ?? []).map((p) => String(p['name']));
    // syft names maven packages by artifactId; we use groupId:artifactId.
    assert.deepEqual(resolved.packages.map((p) => p.name.split(':')[1]).sort(), [...want].sort());
    assert.equal(byName(resolved, 'org.junit.jupiter:junit-jupiter').version, '5.9.1');
    assert.equal(byName(resolved, 'org.junit.jupiter:junit-jupiter').scope, 'dev');
  });

  it('example-java-app-maven: purls as syft states them', async () => {
    const r = await parseFixture(parsePomXml, join(root, 'pom/example-java-app-maven/pom.xml'));
    const want = (loadExpected('java', 'syft').files['pom/example-java-app-maven/']?.[0]?.packages ?? []).map((p) => String(p['purl']));
    assert.deepEqual(r.packages.map((p) => p.purl).sort(), want.sort());
  });

  it('child-1 resolves like `mvn dependency:tree` in its comment (parents via relativePath)', async () => {
    const r = await parseInTree(parsePomXml, root, 'maven-resolver/local/child-1/pom.xml', ['maven-resolver/local']);
    assert.deepEqual(
      r.packages.map((p) => `${id(p)}/${p.scope ?? 'root'}`).sort(),
      [
        'junit:junit@4.12/dev',
        'my.org:child-one@1.3.6/root',
        'org.apache.commons:commons-collections4@4.2/required',
        'org.apache.commons:commons-lang3@3.12.0/required',
        'org.apache.commons:commons-text@1.12.0/required',
      ],
    );
  });

  it('transitive-top-level: dependencies of a test dependency are dev; nearest wins', async () => {
    const r = await parseInTree(parsePomXml, root, 'pom/transitive-top-level/pom.xml', ['pom/transitive-top-level', 'maven-resolver/maven-repo']);
    assert.equal(byName(r, 'my.org:child-two').scope, 'dev');
    assert.equal(byName(r, 'org.apache.commons:commons-exec').scope, 'dev');
    // reachable through child-one (compile) as well: required wins
    assert.equal(byName(r, 'org.apache.commons:commons-lang3').scope, 'required');
    assert.equal(byName(r, 'org.apache.commons:commons-lang3').version, '3.12.0');
  });

  it('a POM whose coordinates refer to themselves ends without a package', async () => {
    const r = await parseInTree(parsePomXml, root, 'maven-resolver/local/circular-1/pom.xml', ['maven-resolver']);
    assert.equal(r.packages.length, 0);
  });
});

describe('pom.xml: cdxgen real-world POM', () => {
  it('pom-quarkus.xml: 46 dependencies, BOM-managed ones unresolved offline with bounded warnings', async () => {
    const r = await parseFixture(parsePomXml, join(JAVA, 'cdxgen/pom-quarkus.xml'));
    const c = loadExpected('java', 'cdxgen').files['pom-quarkus.xml']?.[0]?.['cdxgenAssertions'] as { dependencies: number };
    assert.equal(deps(r).length, c.dependencies);
    assert.ok((r.warnings?.length ?? 0) <= 6);
  });
  it('pom-quarkus-modules.xml: an aggregator has no dependencies of its own', async () => {
    const r = await parseFixture(parsePomXml, join(JAVA, 'cdxgen/pom-quarkus-modules.xml'));
    assert.equal(deps(r).length, 0);
    assert.equal(r.packages.filter((p) => p.isRoot === true).length, 1);
  });
});

describe('pom.xml: Maven semantics', () => {
  it('interpolates project.*, parent properties and a parent’s ${project.version} in the child’s context', async () => {
    const r = await run({
      'parent/pom.xml': pom(
        `<properties><lib.version>2.0</lib.version></properties><dependencies>${dep('x', 'own', '${project.version}')}</dependencies>`,
        '<groupId>g</groupId><artifactId>parent</artifactId><version>9</version>',
      ),
      'parent/child/pom.xml': pom(
        `<dependencies>${dep('x', 'lib', '${lib.version}')}${dep('${project.groupId}', 'sib', '${project.parent.version}')}</dependencies>`,
        '<parent><groupId>g</groupId><artifactId>parent</artifactId><version>9</version></parent><artifactId>child</artifactId><version>3</version>',
      ),
    }, 'parent/child/pom.xml');
    assert.deepEqual(r.packages.map(id).sort(), ['g:child@3', 'g:sib@9', 'x:lib@2.0', 'x:own@3']);
  });

  it('dependencyManagement: explicit entries win over imported BOMs; the first BOM wins among BOMs', async () => {
    const bom = (a: string, v: string): string =>
      pom(`<dependencyManagement><dependencies>${dep('x', 'lib', v)}</dependencies></dependencyManagement>`, `<groupId>b</groupId><artifactId>${a}</artifactId><version>1</version>`);
    const files = {
      'repo/b/bom1/1/bom1-1.pom': bom('bom1', '1.1'),
      'repo/b/bom2/1/bom2-1.pom': bom('bom2', '2.2'),
      'pom.xml': pom(
        `<dependencyManagement><dependencies>${dep('b', 'bom1', '1', '<type>pom</type><scope>import</scope>')}${dep('b', 'bom2', '1', '<type>pom</type><scope>import</scope>')}${dep('x', 'pinned', '7')}</dependencies></dependencyManagement>` +
          `<dependencies>${dep('x', 'lib')}${dep('x', 'pinned')}</dependencies>`,
      ),
    };
    const r = await run(files);
    assert.equal(byName(r, 'x:lib').version, '1.1');
    assert.equal(byName(r, 'x:pinned').version, '7');
  });

  it('a local repository may sit anywhere in the source (e.g. a home directory in an image)', async () => {
    const r = await run({
      'home/u/.m2/repository/org/acme/a/1.0/a-1.0.pom': pom(`<dependencies>${dep('org.acme', 'b', '2.0')}</dependencies>`, '<groupId>org.acme</groupId><artifactId>a</artifactId><version>1.0</version>'),
      'srv/app/pom.xml': pom(`<dependencies>${dep('org.acme', 'a', '1.0')}</dependencies>`),
    }, 'srv/app/pom.xml');
    const a = byName(r, 'org.acme:a');
    const b = byName(r, 'org.acme:b');
    assert.ok(r.relationships?.some((x) => x.from === a.purl && x.to === b.purl));
    assert.equal(b.locations, undefined); // found by parsing srv/app/pom.xml: the default location
  });

  it('sibling modules are found by coordinates among the source’s pom.xml files', async () => {
    const r = await run({
      'lib/pom.xml': pom(`<dependencies>${dep('x', 'y', '1')}</dependencies>`, '<groupId>g</groupId><artifactId>lib</artifactId><version>1</version>'),
      'app/pom.xml': pom(`<dependencies>${dep('g', 'lib', '1')}</dependencies>`),
    }, 'app/pom.xml');
    assert.ok(r.relationships?.some((x) => x.from === byName(r, 'g:lib').purl && x.to === byName(r, 'x:y').purl));
  });

  it('optional and scopes: optional=true → optional; test → dev; a test dep’s dependencies are dev; optional deps of deps are not followed', async () => {
    const r = await run({
      'repo/t/t/1/t-1.pom': pom(`<dependencies>${dep('t', 'tt', '1')}${dep('t', 'opt', '1', '<optional>true</optional>')}</dependencies>`, '<groupId>t</groupId><artifactId>t</artifactId><version>1</version>'),
      'pom.xml': pom(`<dependencies>${dep('o', 'o', '1', '<optional>true</optional>')}${dep('t', 't', '1', '<scope>test</scope>')}${dep('s', 's', '1', '<scope>system</scope>')}</dependencies>`),
    });
    assert.equal(byName(r, 'o:o').scope, 'optional');
    assert.equal(byName(r, 't:t').scope, 'dev');
    assert.equal(byName(r, 't:tt').scope, 'dev');
    assert.equal(byName(r, 's:s').scope, 'optional');
    assert.equal(r.packages.find((p) => p.name === 't:opt'), undefined);
  });

  it('hard requirement [1.2] pins, a range is unresolved', () => {
    assert.deepEqual(pinVersion('[1.2]'), { version: '1.2' });
    assert.deepEqual(pinVersion('[1.0,2.0)'), { version: '', range: '[1.0,2.0)' });
    assert.deepEqual(pinVersion(' 1.0 '), { version: '1.0' });
    assert.deepEqual(pinVersion('${x}'), { version: '' });
  });

  it('activeByDefault profiles count; others and plugin dependencies do not', async () => {
    const r = await run({
      'pom.xml': pom(
        `<profiles><profile><activation><activeByDefault>true</activeByDefault></activation><dependencies>${dep('p', 'on', '1')}</dependencies></profile>` +
          `<profile><id>off</id><dependencies>${dep('p', 'off', '1')}</dependencies></profile></profiles>` +
          `<build><plugins><plugin><dependencies>${dep('p', 'plugin', '1')}</dependencies></plugin></plugins></build>`,
      ),
    });
    assert.deepEqual(deps(r).map(id), ['p:on@1']);
  });
});

describe('pom.xml: hostile and malformed input', () => {
  it('truncated XML is a FileParseError with a line', async () => {
    const text = pom(`<dependencies>${dep('a', 'b', '1')}</dependencies>`).slice(0, 120);
    await assert.rejects(run({ 'pom.xml': text }), (e: unknown) => e instanceof FileParseError && typeof e.line === 'number');
  });

  it('a document that is not a <project> is rejected', async () => {
    await assert.rejects(run({ 'pom.xml': '<settings><x>1</x></settings>' }), FileParseError);
  });

  it('an external entity (XXE) is refused; internal entities are never expanded (no billion laughs)', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<project><groupId>g</groupId><artifactId>app</artifactId><version>&x;</version></project>';
    await assert.rejects(run({ 'pom.xml': xxe }), FileParseError);
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      `<project><groupId>a&amp;b</groupId><artifactId>app</artifactId><version>1</version><dependencies>${dep('g', 'b', '&b;')}</dependencies></project>`;
    const r = await run({ 'pom.xml': laughs });
    assert.ok(!JSON.stringify(r).includes('aaaaaaaaaa'));
    assert.equal(byName(r, 'g:b').version, '&b;');
    // the predefined entities are decoded
    assert.equal(byName(r, 'a&b:app').version, '1');
  });

  it('parent cycles, BOM import cycles and property cycles terminate', async () => {
    const r = await run({
      'a/pom.xml': pom('', '<parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>../b/pom.xml</relativePath></parent><artifactId>a</artifactId>'),
      'b/pom.xml': pom('', '<parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version><relativePath>../a/pom.xml</relativePath></parent><artifactId>b</artifactId>'),
      'repo/g/bom/1/bom-1.pom': pom(`<dependencyManagement><dependencies>${dep('g', 'bom', '1', '<type>pom</type><scope>import</scope>')}</dependencies></dependencyManagement>`, '<groupId>g</groupId><artifactId>bom</artifactId><version>1</version>'),
      'pom.xml': pom(
        `<properties><p>\${q}</p><q>\${p}</q></properties><dependencyManagement><dependencies>${dep('g', 'bom', '1', '<type>pom</type><scope>import</scope>')}</dependencies></dependencyManagement>` +
          `<dependencies>${dep('x', 'y', '${p}')}${dep('g', 'a', '1')}</dependencies>`,
      ),
    });
    assert.equal(byName(r, 'x:y').version, '');
    const cyc = await run({
      'a/pom.xml': pom('', '<parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>../b/pom.xml</relativePath></parent><artifactId>a</artifactId>'),
      'b/pom.xml': pom('', '<parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version><relativePath>../a/pom.xml</relativePath></parent><artifactId>b</artifactId>'),
    }, 'a/pom.xml');
    assert.deepEqual(cyc.packages.map(id), ['g:a@1']);
  });

  it('exponential property growth is cut off', async () => {
    let props = '<p0>xxxxxxxxxxxxxxxx</p0>';
    for (let i = 1; i < 40; i++) props += `<p${i}>\${p${i - 1}}\${p${i - 1}}</p${i}>`;
    const r = await run({ 'pom.xml': pom(`<properties>${props}</properties><dependencies>${dep('x', 'y', '${p39}')}</dependencies>`) });
    assert.equal(byName(r, 'x:y').version, '');
  });

  it('a relativePath leaving the source is not followed', async () => {
    const r = await run({
      'pom.xml': pom(`<dependencies>${dep('x', 'y')}</dependencies>`, '<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version><relativePath>../../../etc/pom.xml</relativePath></parent><artifactId>app</artifactId>'),
    });
    assert.equal(byName(r, 'x:y').version, '');
  });

  it(`a parent chain longer than ${MAX_PARENT_DEPTH} stops`, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < MAX_PARENT_DEPTH + 10; i++) {
      files[`repo/g/p${i}/1/p${i}-1.pom`] = pom(
        `<properties><d${i}>${i}</d${i}></properties>`,
        `<parent><groupId>g</groupId><artifactId>p${i + 1}</artifactId><version>1</version></parent><groupId>g</groupId><artifactId>p${i}</artifactId><version>1</version>`,
      );
    }
    const last = MAX_PARENT_DEPTH - 1;
    files['pom.xml'] = pom(
      `<dependencies>${dep('x', 'y', `\${d${last}}`)}${dep('x', 'z', `\${d${last + 1}}`)}</dependencies>`,
      '<parent><groupId>g</groupId><artifactId>p0</artifactId><version>1</version></parent><artifactId>app</artifactId>',
    );
    const r = await run(files);
    assert.equal(byName(r, 'x:y').version, String(last));
    assert.equal(byName(r, 'x:z').version, '');
  });

  it('a license named by a URL does not fail the file', async () => {
    const r = await run({ 'pom.xml': pom('<licenses><license><name>https://www.apache.org/licenses/LICENSE-2.0</name></license></licenses>') });
    assert.deepEqual(byName(r, 'g:app').licenses, ['https://www.apache.org/licenses/LICENSE-2.0']);
  });

  it('wrong shapes inside valid XML do not crash (text where elements are expected)', async () => {
    const r = await run({ 'pom.xml': pom('<dependencies>oops</dependencies><properties>text</properties><licenses><license>MIT</license></licenses>') });
    assert.deepEqual(r.packages.map(id), ['g:app@1']);
  });

  it('the cataloger turns a malformed pom.xml into a warning and goes on', async () => {
    const resolver = new MemoryResolver({ 'bad/pom.xml': '<project><dependencies>', 'good/pom.xml': pom('') });
    const r = await pomCataloger.catalog({ resolver, limits: contextFor(resolver).limits, logger: contextFor(resolver).logger });
    assert.equal(r.packages.length, 1);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.location.path, 'bad/pom.xml');
  });
});
