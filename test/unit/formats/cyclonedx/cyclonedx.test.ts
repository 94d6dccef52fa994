import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { cycloneDxJson, cycloneDxXml, sourceBomRef, toCycloneDx, uuidFromContent } from '../../../../src/formats/cyclonedx/index.ts';
import type { Inventory } from '../../../../src/formats/model/index.ts';
import { APP, EMPTY_INVENTORY, GENERIC, GOLANG, LEFTPAD, MAVEN, PYPI, SCOPED, hostileInventory, localeSensitiveInventory, rootlessInventory, sampleInventory } from '../inventory-fixture.ts';
import { cdxExamples, cycloneDxSchema, xmllintAvailable, xsdErrors } from '../schemas.ts';

const VERSIONS = ['1.5', '1.6'] as const;

interface CdxComponent {
  'bom-ref': string;
  type: string;
  name: string;
  group?: string;
  version?: string;
  purl: string;
  scope?: string;
  hashes?: { alg: string; content: string }[];
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  properties?: { name: string; value: string }[];
  externalReferences?: { url: string; type: string }[];
  evidence?: { occurrences?: { location: string; line?: number }[] };
}
interface CdxBom {
  specVersion: string;
  serialNumber: string;
  metadata: {
    timestamp: string;
    tools: { components: { name: string; version: string }[] };
    component: { 'bom-ref': string; type: string; name: string };
    properties?: { name: string; value: string }[];
  };
  components?: CdxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

function parse(json: string): CdxBom {
  return JSON.parse(json) as CdxBom;
}

function component(bom: CdxBom, purl: string): CdxComponent {
  const c = bom.components?.find((x) => x.purl === purl);
  assert.ok(c, `no component ${purl}`);
  return c;
}

function prop(c: CdxComponent, name: string): string | undefined {
  return c.properties?.find((p) => p.name === name)?.value;
}

function deps(bom: CdxBom): Map<string, string[]> {
  return new Map((bom.dependencies ?? []).map((d) => [d.ref, [...(d.dependsOn ?? [])].sort()]));
}

describe('the schema validator itself', () => {
  // Proves the harness can fail: the spec's own valid-*/invalid-* documents must split as named.
  for (const v of VERSIONS) {
    it(`accepts every valid-* and rejects every invalid-* example of CycloneDX ${v}`, () => {
      const check = cycloneDxSchema(v);
      const wrong = cdxExamples(v)
        .filter((e) => (check(e.doc).length === 0) !== e.valid)
        .map((e) => e.name);
      assert.deepEqual(wrong, []);
    });
  }
});

describe('CycloneDX JSON', () => {
  for (const v of VERSIONS) {
    for (const [label, inv] of [
      ['sample', sampleInventory()],
      ['rootless', rootlessInventory()],
      ['empty', EMPTY_INVENTORY],
      ['non-deterministic', sampleInventory({ deterministic: false })],
      ['hostile', hostileInventory()],
    ] as const) {
      it(`${v} ${label} inventory validates against the official bom-${v} schema`, () => {
        const doc = parse(cycloneDxJson(inv, v));
        assert.equal(doc.specVersion, v);
        assert.deepEqual(cycloneDxSchema(v)(doc), []);
      });
    }
  }

  it('defaults to 1.6', () => {
    assert.equal(parse(cycloneDxJson(sampleInventory())).specVersion, '1.6');
    assert.equal(parse(toCycloneDx(sampleInventory())).specVersion, '1.6');
  });

  it('writes metadata: timestamp, tool, the source with a bom-ref, cdx:reproducible', () => {
    const inv = sampleInventory();
    const bom = parse(cycloneDxJson(inv));
    assert.equal(new Date(bom.metadata.timestamp).toISOString(), new Date(inv.timestamp).toISOString());
    assert.deepEqual(
      bom.metadata.tools.components.map((t) => [t.name, t.version]),
      [['vouch', inv.tool.version]],
    );
    assert.deepEqual(bom.metadata.component, { type: 'application', name: 'my-app', 'bom-ref': sourceBomRef(inv) });
    assert.deepEqual(bom.metadata.properties, [{ name: 'cdx:reproducible', value: 'true' }]);
    assert.equal(parse(cycloneDxJson(sampleInventory({ deterministic: false }))).metadata.properties, undefined);
    assert.equal(parse(cycloneDxJson(EMPTY_INVENTORY)).metadata.component.type, 'file');
  });

  it('splits group and name per ecosystem', () => {
    const bom = parse(cycloneDxJson(sampleInventory()));
    const gn = (purl: string): [string | undefined, string, string | undefined] => {
      const c = component(bom, purl);
      return [c.group, c.name, c.version];
    };
    assert.deepEqual(gn(SCOPED.purl), ['@babel', 'core', '7.24.0']);
    assert.deepEqual(gn(MAVEN.purl), ['org.apache.commons', 'commons-lang3', '3.14.0']);
    assert.deepEqual(gn(GOLANG.purl), [undefined, 'github.com/pkg/errors', 'v0.9.1']);
    assert.deepEqual(gn(PYPI.purl), [undefined, 'Requests_OAuthlib', '1.3.1+local.2']);
    assert.deepEqual(gn(GENERIC.purl), [undefined, 'weird name/π', undefined]);
    assert.equal(component(bom, APP.purl).type, 'application');
    assert.equal(component(bom, LEFTPAD.purl).type, 'library');
  });

  it('marks scope as ADR 0002 says: dev → optional + development properties', () => {
    const bom = parse(cycloneDxJson(sampleInventory()));
    const dev = component(bom, SCOPED.purl);
    assert.equal(dev.scope, 'optional');
    assert.equal(prop(dev, 'cdx:npm:package:development'), 'true');
    assert.equal(prop(dev, 'vouch:package:development'), 'true');
    const optional = component(bom, LEFTPAD.purl);
    assert.equal(optional.scope, 'optional');
    assert.equal(prop(optional, 'cdx:npm:package:development'), undefined);
    assert.equal(prop(optional, 'vouch:package:development'), undefined);
    assert.equal(component(bom, MAVEN.purl).scope, 'required');
  });

  it('writes each kind of license as the schema wants it', () => {
    const bom = parse(cycloneDxJson(sampleInventory()));
    assert.deepEqual(component(bom, MAVEN.purl).licenses, [{ license: { id: 'Apache-2.0' } }]);
    assert.deepEqual(component(bom, GOLANG.purl).licenses, [{ expression: '(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT)' }]);
    assert.deepEqual(component(bom, GENERIC.purl).licenses, [{ license: { name: 'Proprietary – see LICENSE.txt' } }]);
    // a name and an id stay a list of license objects
    assert.deepEqual(component(bom, PYPI.purl).licenses, [{ license: { name: 'BSD License' } }, { license: { id: 'ISC' } }]);
    // an expression with another license: one expression joining both (never a mixed list)
    assert.deepEqual(component(bom, LEFTPAD.purl).licenses, [{ expression: 'WTFPL AND (MIT OR Apache-2.0)' }]);
  });

  it('joins an expression with a non-SPDX name through a LicenseRef', () => {
    const inv = sampleInventory();
    const mixed: Inventory = {
      ...inv,
      packages: inv.packages.map((p) => (p.purl === GOLANG.purl ? { ...p, licenses: ['MIT OR ISC', 'My Corp License v2'] } : p)),
    };
    for (const v of VERSIONS) {
      const bom = parse(cycloneDxJson(mixed, v));
      assert.deepEqual(component(bom, GOLANG.purl).licenses, [{ expression: '(MIT OR ISC) AND LicenseRef-My-Corp-License-v2' }]);
      assert.deepEqual(cycloneDxSchema(v)(bom), []);
    }
  });

  it('writes hashes, the download URL and metadata properties', () => {
    const bom = parse(cycloneDxJson(sampleInventory()));
    assert.deepEqual(component(bom, SCOPED.purl).hashes, [{ alg: 'SHA-512', content: SCOPED.hashes[0]!.value }]);
    assert.deepEqual(component(bom, LEFTPAD.purl).hashes, [{ alg: 'SHA-1', content: LEFTPAD.hashes[0]!.value }]);
    assert.deepEqual(component(bom, SCOPED.purl).externalReferences, [
      { url: SCOPED.metadata!.resolved!, type: 'distribution' },
    ]);
    assert.equal(prop(component(bom, SCOPED.purl), 'vouch:package:metadata:integrity'), 'sha512-q80=');
    assert.equal(prop(component(bom, MAVEN.purl), 'vouch:package:foundBy'), 'java-pom-cataloger');
  });

  it('writes locations as evidence.occurrences, with lines only from 1.6 on', () => {
    const b16 = parse(cycloneDxJson(sampleInventory(), '1.6'));
    assert.deepEqual(component(b16, GOLANG.purl).evidence, {
      occurrences: [{ location: 'go.mod', line: 5 }, { location: 'go.sum' }],
    });
    const b15 = parse(cycloneDxJson(sampleInventory(), '1.5'));
    assert.deepEqual(component(b15, GOLANG.purl).evidence, { occurrences: [{ location: 'go.mod' }, { location: 'go.sum' }] });
    assert.equal(component(b16, GENERIC.purl).evidence, undefined);
  });

  it('writes the dependency graph: source → roots, then each package', () => {
    const inv = sampleInventory();
    const d = deps(parse(cycloneDxJson(inv)));
    assert.deepEqual(d.get(sourceBomRef(inv)), [APP.purl]);
    assert.deepEqual(d.get(APP.purl), [LEFTPAD.purl, MAVEN.purl, SCOPED.purl].sort());
    assert.deepEqual(d.get(SCOPED.purl), [LEFTPAD.purl]);
    assert.deepEqual(d.get(MAVEN.purl), [PYPI.purl]);
    assert.deepEqual(d.get(PYPI.purl), []);
    assert.equal(d.size, inv.packages.length + 1);
  });

  it('without a root, the source depends on every package nothing depends on', () => {
    const inv = rootlessInventory();
    const d = deps(parse(cycloneDxJson(inv)));
    assert.deepEqual(d.get(sourceBomRef(inv)), [GENERIC.purl, GOLANG.purl, MAVEN.purl, SCOPED.purl].sort());
  });

  it('round-trips: components, purls and dependencies are the inventory', () => {
    for (const inv of [sampleInventory(), rootlessInventory()]) {
      const bom = parse(cycloneDxJson(inv));
      assert.deepEqual(
        (bom.components ?? []).map((c) => c.purl).sort(),
        inv.packages.map((p) => p.purl).sort(),
      );
      for (const c of bom.components ?? []) assert.equal(c['bom-ref'], c.purl);
      const edges = (bom.dependencies ?? [])
        .filter((d) => d.ref !== bom.metadata.component['bom-ref'])
        .flatMap((d) => (d.dependsOn ?? []).map((to) => `${d.ref} -> ${to}`))
        .sort();
      assert.deepEqual(edges, inv.relationships.map((r) => `${r.from} -> ${r.to}`).sort());
    }
  });

  it('is byte-identical for the same deterministic input, and the serial follows the content', () => {
    const a = cycloneDxJson(sampleInventory());
    assert.equal(cycloneDxJson(sampleInventory()), a);
    const serial = parse(a).serialNumber;
    assert.match(serial, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // another timestamp is other content: another serial
    assert.notEqual(parse(cycloneDxJson(sampleInventory({ timestamp: '2024-01-02T03:04:06Z' }))).serialNumber, serial);
    // the same inventory in another order is the same BOM
    const inv = sampleInventory();
    const shuffled = { ...inv, packages: [...inv.packages].reverse(), relationships: [...inv.relationships].reverse() };
    assert.equal(cycloneDxJson(shuffled), a);
  });

  it('sorts by code unit, so the bytes do not depend on the locale (LC_ALL=da_DK sorts `aa` after `z`)', () => {
    const src = new URL('../../../../src/formats/cyclonedx/index.ts', import.meta.url).href;
    const fixture = new URL('../inventory-fixture.ts', import.meta.url).href;
    const script =
      `import { toCycloneDx } from ${JSON.stringify(src)}; import { localeSensitiveInventory } from ${JSON.stringify(fixture)};` +
      `for (const encoding of ['json', 'xml']) process.stdout.write(toCycloneDx(localeSensitiveInventory(), { encoding }));`;
    const outputs = ['da_DK.UTF-8', 'en_US.UTF-8', 'C'].map((locale) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: locale, LANG: locale },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    });
    assert.equal(outputs[0], outputs[1]);
    assert.equal(outputs[0], outputs[2]);
    const inv = localeSensitiveInventory();
    assert.equal(outputs[0], toCycloneDx(inv, { encoding: 'json' }) + toCycloneDx(inv, { encoding: 'xml' }));
    const bom = parse(toCycloneDx(inv));
    const purls = (bom.components ?? []).map((c) => c.purl);
    assert.deepEqual(purls, [...purls].sort());
    assert.deepEqual(deps(bom).get(APP.purl), deps(bom).get(APP.purl)?.slice().sort());
  });

  it('draws a random serial when not deterministic', () => {
    const inv = sampleInventory({ deterministic: false });
    const s1 = parse(cycloneDxJson(inv)).serialNumber;
    const s2 = parse(cycloneDxJson(inv)).serialNumber;
    assert.notEqual(s1, s2);
    assert.match(s1, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('uuidFromContent is a UUIDv8 that depends on every byte', () => {
    assert.match(uuidFromContent('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(uuidFromContent('a'), uuidFromContent('a'));
    assert.notEqual(uuidFromContent('a'), uuidFromContent('b'));
  });

  it('refuses a bad timestamp or a duplicated purl with SERIALIZE_ERROR', () => {
    assert.throws(() => cycloneDxJson(sampleInventory({ timestamp: 'yesterday' })), { code: 'SERIALIZE_ERROR' });
    const inv = sampleInventory();
    assert.throws(() => cycloneDxJson({ ...inv, packages: [...inv.packages, APP] }), { code: 'SERIALIZE_ERROR' });
  });
});

describe('CycloneDX XML', () => {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['component', 'dependency', 'occurrence', 'license', 'property'].includes(n) });

  it('is byte-identical for the same deterministic input and shares the JSON serial', () => {
    const a = cycloneDxXml(sampleInventory());
    assert.equal(cycloneDxXml(sampleInventory()), a);
    const serial = parse(cycloneDxJson(sampleInventory())).serialNumber;
    assert.ok(a.includes(`serialNumber="${serial}"`));
    assert.notEqual(
      /serialNumber="([^"]+)"/.exec(cycloneDxXml(sampleInventory({ deterministic: false })))?.[1],
      /serialNumber="([^"]+)"/.exec(cycloneDxXml(sampleInventory({ deterministic: false })))?.[1],
    );
  });

  for (const v of VERSIONS) {
    it(`${v}: namespace, components, occurrences and dependencies`, () => {
      const doc = xml.parse(cycloneDxXml(sampleInventory(), v)) as {
        bom: {
          '@xmlns': string;
          components: { component: { '@bom-ref': string; purl: string; evidence?: { occurrences: { occurrence: { location: string; line?: number }[] } } }[] };
          dependencies: { dependency: { '@ref': string; dependency?: { '@ref': string }[] }[] };
        };
      };
      assert.equal(doc.bom['@xmlns'], `http://cyclonedx.org/schema/bom/${v}`);
      const comps = doc.bom.components.component;
      assert.deepEqual(comps.map((c) => c.purl).sort(), sampleInventory().packages.map((p) => p.purl).sort());
      const go = comps.find((c) => c.purl === GOLANG.purl)!;
      assert.deepEqual(
        go.evidence?.occurrences.occurrence,
        v === '1.6' ? [{ location: 'go.mod', line: 5 }, { location: 'go.sum' }] : [{ location: 'go.mod' }, { location: 'go.sum' }],
      );
      const root = doc.bom.dependencies.dependency.find((d) => d['@ref'] === sourceBomRef(sampleInventory()));
      assert.deepEqual(
        [root?.dependency ?? []].flat().map((d) => d['@ref']),
        [APP.purl],
      );
    });
  }

  it('replaces characters XML 1.0 cannot carry instead of writing a broken document', () => {
    for (const v of VERSIONS) {
      const out = cycloneDxXml(hostileInventory(), v);
      const forbidden = [...out].filter((ch) => (ch < ' ' && !'\t\n\r'.includes(ch)) || ch === '\uffff');
      assert.deepEqual(forbidden, []);
      assert.ok(out.includes('<name>ctl\uFFFD\uFFFDx\uFFFD</name>'));
      const doc = xml.parse(out) as { bom: { components: { component: { name: string }[] } } };
      assert.ok(doc.bom.components.component.some((c) => c.name === 'ctl\uFFFD\uFFFDx\uFFFD'));
      if (xmllintAvailable()) assert.equal(xsdErrors(out, v), '');
    }
  });

  const skip = xmllintAvailable() ? false : 'xmllint is not installed (apt-get install libxml2-utils): XSD validation skipped';
  for (const v of VERSIONS) {
    for (const [label, inv] of [
      ['sample', sampleInventory()],
      ['rootless', rootlessInventory()],
      ['empty', EMPTY_INVENTORY],
    ] as const) {
      it(`${v} ${label} inventory validates against the official bom-${v} XSD`, { skip }, () => {
        assert.equal(xsdErrors(cycloneDxXml(inv, v), v), '');
      });
    }
    it(`${v} XSD check can fail (a scope outside the enumeration)`, { skip }, () => {
      const bad = cycloneDxXml(sampleInventory(), v).replace('<scope>required</scope>', '<scope>sometimes</scope>');
      assert.notEqual(xsdErrors(bad, v), '');
    });
  }
});
