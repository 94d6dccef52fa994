import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { catalogers } from '../../../../../src/sbom/catalogers/dotnet/index.ts';
import { parseDepsJson } from '../../../../../src/sbom/catalogers/dotnet/deps-json.ts';
import { parsePackagesConfig } from '../../../../../src/sbom/catalogers/dotnet/packages-config.ts';
import { parsePackagesLock } from '../../../../../src/sbom/catalogers/dotnet/packages-lock.ts';
import { sha512Hash } from '../../../../../src/sbom/catalogers/dotnet/nuget.ts';
import { FileParseError, type Parser, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { catalogDir, LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';
import { contextFor, MemoryResolver } from '../java/helpers.ts';

const DOTNET = join(LOCKFILES, 'dotnet');
const ids = (r: ParseResult): string[] => r.packages.map((p) => `${p.name}@${p.version}`).sort();
const want = (packages: readonly Record<string, unknown>[] | undefined): string[] => (packages ?? []).map((p) => `${String(p['name'])}@${String(p['version'])}`).sort();
const run = (parser: Parser, files: Record<string, string>, path: string): Promise<ParseResult> => Promise.resolve(parser(path, contextFor(new MemoryResolver(files))));
const rootOf = (r: ParseResult): string[] => r.packages.filter((p) => p.isRoot === true).map((p) => p.name).sort();
const edgesFrom = (r: ParseResult, name: string): string[] => {
  const purl = r.packages.find((p) => p.name === name)?.purl;
  return (r.relationships ?? []).filter((x) => x.from === purl).map((x) => x.to).sort();
};

/** The parser for a fixture, by what it is (scalibr's fixtures have no telling names). */
function parserFor(file: string): Parser {
  if (file.includes('deps')) return parseDepsJson;
  if (file.endsWith('.config')) return parsePackagesConfig;
  return parsePackagesLock;
}

describe('.NET fixtures (every expected.json case)', () => {
  // Where Vouch differs from the source tool on purpose, name@version added to its list:
  const differences: Record<string, string[]> = {
    // reference-only libraries (no runtime assets) are kept as optional, not dropped (trivy)
    'trivy/core-deps/without-runtime.deps.json': ['Microsoft.NETCore.App@1.1.2', 'Microsoft.NETCore.Platforms@1.1.0', 'NETStandard.Library@1.6.0', 'System.Net.Http@4.1.0'],
    // development dependencies are kept as dev, not dropped (trivy)
    'trivy/packages-config/dev_dependency.config': ['Microsoft.Net.Compilers@1.0.0'],
  };
  for (const repo of ['osv-scalibr', 'trivy', 'syft', 'cdxgen']) {
    const expected = loadExpected('dotnet', repo);
    for (const [file, cases] of Object.entries(expected.files)) {
      for (const c of cases) {
        it(`${repo}/${file} (${c.testCase ?? c.testFunction ?? ''})`, async () => {
          if (file.endsWith('/')) {
            // syft's directory case: the whole cataloger over the folder
            const results = await Promise.all(catalogers.map((k) => catalogDir(k, join(DOTNET, repo, file))));
            const got = new Set(results.flatMap((r) => r.packages.map((p) => p.purl)));
            assert.deepEqual([...got].sort(), (c.packages ?? []).map((p) => String(p['purl'])).sort());
            return;
          }
          const path = join(DOTNET, repo, file);
          if (c.expectError) {
            await assert.rejects(parseFixture(parserFor(file), path), FileParseError);
            return;
          }
          const r = await parseFixture(parserFor(file), path);
          const cdx = c['cdxgenAssertions'] as { pkgList?: number } | undefined;
          if (cdx?.pkgList !== undefined) {
            assert.equal(r.packages.length, cdx.pkgList);
            return;
          }
          assert.deepEqual([...new Set(ids(r))], [...new Set([...want(c.packages), ...(differences[`${repo}/${file}`] ?? [])])].sort());
          for (const p of c.packages ?? []) {
            const purl = p['purl'];
            if (typeof purl === 'string') assert.ok(r.packages.some((x) => x.purl === purl), purl);
          }
        });
      }
    }
  }
});

describe('packages.lock.json', () => {
  it('Direct/Transitive as trivy states them; contentHash → SHA-512 hex; graph from "dependencies"', async () => {
    const c = loadExpected('dotnet', 'trivy').files['nuget-lock/packages_lock_subdependencies.json']![0]!;
    const r = await parseFixture(parsePackagesLock, join(DOTNET, 'trivy/nuget-lock/packages_lock_subdependencies.json'));
    for (const p of c.packages ?? []) {
      const mine = r.packages.find((x) => x.name === p['name'])!;
      assert.equal(mine.metadata?.['dependencyType'] === 'Direct', p['relationship'] === 'direct', String(p['name']));
    }
    const swag = r.packages.find((p) => p.name === 'Swashbuckle.AspNetCore')!;
    assert.equal(swag.hashes?.[0]?.alg, 'SHA-512');
    assert.match(swag.hashes[0].value, /^[0-9a-f]{128}$/);
    assert.deepEqual(edgesFrom(r, 'Swashbuckle.AspNetCore'), [
      'pkg:nuget/Microsoft.Extensions.ApiDescription.Server@3.0.0',
      'pkg:nuget/Swashbuckle.AspNetCore.Swagger@5.5.1',
      'pkg:nuget/Swashbuckle.AspNetCore.SwaggerGen@5.5.1',
      'pkg:nuget/Swashbuckle.AspNetCore.SwaggerUI@5.5.1',
    ]);
  });

  it('multi-target: one package per id@version; edges resolve within each framework', async () => {
    const r = await parseFixture(parsePackagesLock, join(DOTNET, 'syft/packages.lock.json'));
    assert.equal(r.packages.filter((p) => p.name === 'log4net').length, 2);
    // AutoMapper asks for Options 6.0.0; net8.0 resolved 9.0.0, and the edge points there
    assert.deepEqual(edgesFrom(r, 'AutoMapper'), ['pkg:nuget/Microsoft.Extensions.Options@9.0.0']);
  });

  it('Project entries are project references, not packages; a sibling .csproj is the root', async () => {
    const lock = JSON.stringify({
      version: 2,
      dependencies: { 'net8.0': { A: { type: 'Direct', requested: '[1.0.0, )', resolved: '1.0.0', dependencies: { B: '2.0.0' } }, B: { type: 'Transitive', resolved: '2.0.0' }, Other: { type: 'Project' } } },
    });
    const r = await run(parsePackagesLock, { 'src/App/packages.lock.json': lock, 'src/App/App.csproj': '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><Version>3.1.0</Version></PropertyGroup></Project>' }, 'src/App/packages.lock.json');
    assert.deepEqual(ids(r), ['A@1.0.0', 'App@3.1.0', 'B@2.0.0']);
    assert.deepEqual(rootOf(r), ['App']);
    assert.deepEqual(edgesFrom(r, 'App'), ['pkg:nuget/A@1.0.0']);
    assert.deepEqual(edgesFrom(r, 'A'), ['pkg:nuget/B@2.0.0']);
    // two project files: which one is ambiguous, so no root
    const two = await run(parsePackagesLock, { 'p/packages.lock.json': lock, 'p/A.csproj': '<Project/>', 'p/B.fsproj': '<Project/>' }, 'p/packages.lock.json');
    assert.deepEqual(rootOf(two), []);
  });

  it('wrong types and versions are errors or skipped entries, never crashes', async () => {
    await assert.rejects(run(parsePackagesLock, { 'packages.lock.json': '[]' }, 'packages.lock.json'), FileParseError);
    await assert.rejects(run(parsePackagesLock, { 'packages.lock.json': '{"version":3,"dependencies":{}}' }, 'packages.lock.json'), FileParseError);
    await assert.rejects(run(parsePackagesLock, { 'packages.lock.json': '{"version":1,"dependencies":{"net8.0":{"A":' }, 'packages.lock.json'), FileParseError);
    const r = await run(
      parsePackagesLock,
      { 'packages.lock.json': JSON.stringify({ version: 1, dependencies: { x: 5, 'net8.0': { A: 'nope', B: { type: 'Direct', resolved: 7 }, 'C/../..': { resolved: '1.0' }, D: { type: 'Direct', resolved: '1.0', contentHash: 'short', dependencies: ['E'] } } } }) },
      'packages.lock.json',
    );
    assert.deepEqual(ids(r), ['D@1.0']);
    assert.deepEqual(r.packages[0]!.hashes, undefined);
    assert.equal(r.warnings?.length, 3);
  });
});

describe('.deps.json', () => {
  it('trivy: roots, workspaces (projects), runtime packs, direct/indirect', async () => {
    const multi = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/multi-project.deps.json'));
    assert.deepEqual(rootOf(multi), ['Web']);
    assert.deepEqual(edgesFrom(multi, 'Web'), ['pkg:nuget/Api@1.0.0', 'pkg:nuget/Newtonsoft.Json@13.0.3']);
    assert.deepEqual(edgesFrom(multi, 'Api'), ['pkg:nuget/Data@1.0.0']);
    const sc = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/self-contained.deps.json'));
    assert.deepEqual(edgesFrom(sc, 'ExampleApp1'), [
      'pkg:nuget/Microsoft.AspNetCore.App.Runtime.linux-x64@8.0.0',
      'pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.0',
      'pkg:nuget/Newtonsoft.Json@13.0.1',
    ]);
    const happy = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/happy.deps.json'));
    assert.deepEqual(happy.packages.find((p) => p.name === 'Newtonsoft.Json')?.hashes, [sha512Hash('sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==')]);
  });

  it('ambiguous roots: every unreferenced project is a root, edges are kept (trivy drops them)', async () => {
    const r = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/ambiguous-root.deps.json'));
    assert.deepEqual(rootOf(r), ['Web', 'Worker']);
    assert.deepEqual(edgesFrom(r, 'Web'), ['pkg:nuget/Newtonsoft.Json@13.0.3']);
  });

  it('missing runtime target: packages without a graph', async () => {
    const r = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/missing-target.deps.json'));
    assert.deepEqual(rootOf(r), ['ExampleApp1']);
    assert.deepEqual(r.relationships, []);
  });

  it('reference-only libraries are optional with runtimeAssets none; reference assemblies are not packages', async () => {
    const r = await parseFixture(parseDepsJson, join(DOTNET, 'trivy/core-deps/without-runtime.deps.json'));
    const meta = r.packages.find((p) => p.name === 'Microsoft.NETCore.App')!;
    assert.equal(meta.scope, 'optional');
    assert.equal(meta.metadata?.['runtimeAssets'], 'none');
    assert.equal(r.packages.find((p) => p.name === 'Libuv')?.scope, 'required'); // runtimeTargets only
    assert.equal(r.packages.find((p) => p.name === 'System.Collections.Immutable')?.scope, 'required'); // not in the target: kept as runtime
    const ra = await parseFixture(parseDepsJson, join(DOTNET, 'syft/deps-with-referenceassembly/MyApp.deps.json'));
    assert.deepEqual(ids(ra), ['MyApp@1.0.0', 'Newtonsoft.Json@13.0.3']);
  });

  it('wrong shapes', async () => {
    await assert.rejects(run(parseDepsJson, { 'a.deps.json': '{"libraries":[]}' }, 'a.deps.json'), FileParseError);
    await assert.rejects(run(parseDepsJson, { 'a.deps.json': '"x"' }, 'a.deps.json'), FileParseError);
    const r = await run(parseDepsJson, { 'a.deps.json': JSON.stringify({ runtimeTarget: 5, targets: { t: 1 }, libraries: { 'A/1.0': { type: 'package', sha512: 12 }, 'B/1.0': 'x', '/': { type: 'package' } } }) }, 'a.deps.json');
    assert.deepEqual(ids(r), ['A@1.0']);
    assert.equal(r.warnings?.length, 1);
  });
});

describe('packages.config', () => {
  it('developmentDependency="true" → dev; targetFramework kept', async () => {
    const r = await parseFixture(parsePackagesConfig, join(DOTNET, 'trivy/packages-config/dev_dependency.config'));
    assert.equal(r.packages.find((p) => p.name === 'Microsoft.Net.Compilers')?.scope, 'dev');
    assert.equal(r.packages.find((p) => p.name === 'Newtonsoft.Json')?.scope, 'required');
    assert.equal(r.packages.find((p) => p.name === 'Newtonsoft.Json')?.metadata?.['targetFramework'], 'net46');
  });

  it('malformed XML has a line; XXE is refused; missing attributes are warnings', async () => {
    await assert.rejects(parseFixture(parsePackagesConfig, join(DOTNET, 'trivy/packages-config/malformed_xml.config')), (e: unknown) => e instanceof FileParseError && typeof e.line === 'number');
    const xxe = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><packages><package id="&x;" version="1"/></packages>';
    await assert.rejects(run(parsePackagesConfig, { 'packages.config': xxe }, 'packages.config'), FileParseError);
    const r = await run(parsePackagesConfig, { 'packages.config': '<packages><package id="A"/><package version="1"/><package id="B" version="2"/></packages>' }, 'packages.config');
    assert.deepEqual(ids(r), ['B@2']);
    assert.equal(r.warnings?.length, 2);
    await assert.rejects(run(parsePackagesConfig, { 'packages.config': '<configuration/>' }, 'packages.config'), FileParseError);
  });
});
