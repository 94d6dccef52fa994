import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gradleCataloger } from '../../../../../src/sbom/catalogers/java/index.ts';
import { isTestConfiguration, parseGradleLockfile, parseGradleVerificationMetadata } from '../../../../../src/sbom/catalogers/java/gradle.ts';
import { FileParseError, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { LOCKFILES, catalogDir, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';
import { contextFor, MemoryResolver } from './helpers.ts';

const JAVA = join(LOCKFILES, 'java');
const ids = (r: ParseResult): string[] => r.packages.map((p) => `${p.name}@${p.version}`).sort();
const run = (parser: typeof parseGradleLockfile, path: string, text: string): Promise<ParseResult> =>
  Promise.resolve(parser(path, contextFor(new MemoryResolver({ [path]: text }))));

describe('gradle lockfiles: fixtures', () => {
  it('trivy happy.lockfile: names, versions and dev exactly as trivy states them', async () => {
    const c = loadExpected('java', 'trivy').files['gradle-lockfile/happy.lockfile']![0]!;
    const r = await parseFixture(parseGradleLockfile, join(JAVA, 'trivy/gradle-lockfile/happy.lockfile'));
    assert.deepEqual(
      r.packages.map((p) => `${p.name}@${p.version}/${p.scope}`).sort(),
      (c.packages ?? []).map((p) => `${String(p['name'])}@${String(p['version'])}/${p['dev'] === true ? 'dev' : 'required'}`).sort(),
    );
    assert.equal(r.packages.find((p) => p.name === 'org.springframework:spring-beans')?.metadata?.['configurations'], 'compileClasspath,runtimeClasspath');
  });

  it('trivy empty.lockfile: nothing', async () => {
    const r = await parseFixture(parseGradleLockfile, join(JAVA, 'trivy/gradle-lockfile/empty.lockfile'));
    assert.deepEqual(r.packages, []);
  });

  // scalibr's fixtures have no .lockfile name; the parser is called on them directly.
  const scalibr = loadExpected('java', 'osv-scalibr');
  for (const [file, cases] of Object.entries(scalibr.files)) {
    if (!file.startsWith('gradlelockfile/')) continue;
    for (const c of cases) {
      it(`osv-scalibr ${file} (${c.testCase ?? ''})`, async () => {
        const r = await parseFixture(parseGradleLockfile, join(JAVA, 'osv-scalibr', file));
        assert.deepEqual(ids(r), (c.packages ?? []).map((p) => `${String(p['name'])}@${String(p['version'])}`).sort());
        assert.equal(r.packages.length, c.expectedPackageCount);
      });
    }
  }

  it('osv-scalibr with-bad-pkg: bad lines are warnings with their line numbers', async () => {
    const r = await parseFixture(parseGradleLockfile, join(JAVA, 'osv-scalibr/gradlelockfile/with-bad-pkg'));
    assert.deepEqual(r.warnings?.map((w) => w.location.line), [3, 4, 9, 10]);
  });

  it('syft gradle.lockfile: purls as syft states them; test-only ones are dev', async () => {
    const c = loadExpected('java', 'syft').files['gradle/gradle.lockfile']![0]!;
    const r = await parseFixture(parseGradleLockfile, join(JAVA, 'syft/gradle/gradle.lockfile'));
    assert.deepEqual(r.packages.map((p) => p.purl).sort(), (c.packages ?? []).map((p) => String(p['purl'])).sort());
    assert.equal(r.packages.find((p) => p.name === 'junit:junit')?.scope, 'dev');
    assert.equal(r.packages.find((p) => p.name === 'joda-time:joda-time')?.scope, 'required');
  });

  it('goatrodeo: gradle.lockfile, buildscript-gradle.lockfile and legacy dependency-locks through the cataloger', async () => {
    const exp = loadExpected('java', 'goatrodeo').files;
    const r = await catalogDir(gradleCataloger, join(JAVA, 'goatrodeo'));
    const at = (path: string): string[] => r.packages.filter((p) => p.locations[0]!.path === path).map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(at('gradle.lockfile'), (exp['gradle.lockfile']![0]!.packages ?? []).map((p) => `${String(p['name'])}@${String(p['version'])}`).sort());
    assert.deepEqual(at('dependency-locks/compileClasspath.lockfile'), ['org.apache.commons:commons-text@1.8', 'org.slf4j:slf4j-api@2.0.7']);
    assert.deepEqual(at('dependency-locks/runtimeClasspath.lockfile'), ['org.apache.commons:commons-text@1.8', 'org.postgresql:postgresql@42.5.0']);
    const buildscript = r.packages.filter((p) => p.locations[0]!.path === 'buildscript-gradle.lockfile');
    assert.equal(buildscript.length, exp['buildscript-gradle.lockfile']![0]!['entriesInFile_countedByCurator']);
    // build tooling is dev in Vouch (goatrodeo asserts only the purls' type)
    assert.ok(buildscript.every((p) => p.scope === 'dev' && p.purl.startsWith('pkg:maven/')));
    assert.equal(r.packages.find((p) => p.locations[0]!.path === 'gradle.lockfile' && p.name === 'com.google.guava:guava')?.metadata?.['configurations'], 'compileClasspath');
    assert.deepEqual(r.warnings, []);
  });
});

describe('gradle lockfiles: semantics and bad input', () => {
  it('test configurations', () => {
    for (const c of ['testCompileClasspath', 'testRuntimeClasspath', 'integrationTestRuntimeClasspath', 'debugUnitTestRuntimeClasspath', 'androidTestImplementation', 'testFixturesApi']) {
      assert.ok(isTestConfiguration(c), c);
    }
    for (const c of ['compileClasspath', 'runtimeClasspath', 'classpath', 'latestRuntime', 'contestClasspath', 'testing']) assert.ok(!isTestConfiguration(c), c);
  });

  it('legacy per-configuration file: the configuration is the file name', async () => {
    const r = await run(parseGradleLockfile, 'gradle/dependency-locks/testRuntimeClasspath.lockfile', 'junit:junit:4.13\n');
    assert.equal(r.packages[0]?.scope, 'dev');
    assert.equal(r.packages[0]?.metadata?.['configurations'], 'testRuntimeClasspath');
  });

  it('a package in test and main configurations is required; duplicates merge', async () => {
    const r = await run(parseGradleLockfile, 'gradle.lockfile', 'a:b:1=testCompileClasspath\na:b:1=runtimeClasspath\n');
    assert.equal(r.packages.length, 1);
    assert.equal(r.packages[0]?.scope, 'required');
    assert.equal(r.packages[0]?.metadata?.['configurations'], 'testCompileClasspath,runtimeClasspath');
  });

  it('hostile lines: too many colons, whitespace, path characters, CRLF, huge garbage', async () => {
    const text = ['a:b:c:d=x', 'a b:c:1=x', '../x:y:1=x', 'g:a:1 2=x', 'ok:pkg:1.0=runtimeClasspath\r', 'x'.repeat(100_000)].join('\n');
    const r = await run(parseGradleLockfile, 'gradle.lockfile', text);
    assert.deepEqual(ids(r), ['ok:pkg@1.0']);
    assert.ok((r.warnings?.length ?? 0) === 5 && r.warnings!.every((w) => w.message.length < 200));
  });
});

describe('gradle verification-metadata.xml', () => {
  const scalibr = loadExpected('java', 'osv-scalibr');
  /** Vouch: a component without group or name cannot have a maven purl, so it is a warning, not a package. */
  for (const [file, cases] of Object.entries(scalibr.files)) {
    if (!file.startsWith('gradle-verification-metadata/')) continue;
    for (const c of cases) {
      it(`osv-scalibr ${file} (${c.testCase ?? ''})`, async () => {
        const path = join(JAVA, 'osv-scalibr', file);
        if (c.expectError) {
          await assert.rejects(parseFixture(parseGradleVerificationMetadata, path), FileParseError);
          return;
        }
        const r = await parseFixture(parseGradleVerificationMetadata, path);
        const want = new Set(
          (c.packages ?? [])
            .map((p) => `${String(p['name'])}@${typeof p['version'] === 'string' ? p['version'] : ''}`)
            .filter((s) => !s.startsWith(':') && !s.includes(':@')),
        );
        assert.deepEqual(ids(r), [...want].sort()); // duplicates collapse: one package per purl
      });
    }
  }

  it('the .jar checksums become the package hashes (lower-case hex); .pom ones do not', async () => {
    const r = await parseFixture(parseGradleVerificationMetadata, join(JAVA, 'osv-scalibr/gradle-verification-metadata/one-package.xml'));
    const hashes = r.packages[0]?.hashes ?? [];
    assert.ok(hashes.length >= 1 && hashes.every((h) => /^[0-9a-f]+$/.test(h.value)));
    const xml = `<verification-metadata><components><component group="g" name="a" version="1">
      <artifact name="a-1.pom"><sha256 value="${'b'.repeat(64)}"/></artifact>
      <artifact name="a-1.jar"><sha256 value="${'A'.repeat(64)}"/><sha1 value="nothex"/></artifact>
    </component></components></verification-metadata>`;
    const m = await run(parseGradleVerificationMetadata, 'gradle/verification-metadata.xml', xml);
    assert.deepEqual(m.packages[0]?.hashes, [{ alg: 'SHA-256', value: 'a'.repeat(64) }]);
    assert.equal(m.packages[0]?.locations?.[0]?.line, 1);
  });

  it('a document of another kind is an error', async () => {
    await assert.rejects(run(parseGradleVerificationMetadata, 'gradle/verification-metadata.xml', '<project/>'), FileParseError);
  });
});
