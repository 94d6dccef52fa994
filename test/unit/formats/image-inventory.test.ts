/**
 * An image inventory (source kind image, distro, packages with layer locations) through every
 * writer: valid against the official schemas, with the image's digests, platform, layers and
 * distro where each format puts them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { Inventory, Package } from '../../../src/formats/model/index.ts';
import { NATIVE_JSON_SCHEMA } from '../../../src/formats/native/index.ts';
import { SBOM_FORMATS } from '../../../src/formats/sbom-writers/all.ts';
import { sampleInventory } from './inventory-fixture.ts';
import { cycloneDxSchema, spdxSchema, xmllintAvailable, xsdErrors } from './schemas.ts';

const LAYER0 = `sha256:${'1'.repeat(64)}`;
const LAYER1 = `sha256:${'2'.repeat(64)}`;
const DEB: Package = {
  name: 'libc6',
  version: '2.36-9+deb12u4',
  type: 'deb',
  purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc',
  licenses: [],
  hashes: [],
  locations: [{ path: 'var/lib/dpkg/status', layer: LAYER0 }],
  scope: 'required',
  foundBy: 'dpkg-db-cataloger',
};

function imageInventory(): Inventory {
  const base = sampleInventory();
  return {
    ...base,
    source: {
      kind: 'image',
      target: 'oci-dir:./layout',
      name: './layout',
      image: {
        reference: './layout',
        manifestDigest: `sha256:${'a'.repeat(64)}`,
        manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        configDigest: `sha256:${'c'.repeat(64)}`,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        layers: [
          { digest: LAYER0, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1234, diffId: `sha256:${'d'.repeat(64)}` },
          { digest: LAYER1, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: 99 },
        ],
        tags: ['minbase'],
      },
      distro: { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', idLike: [] },
    },
    packages: [...base.packages.map((p) => ({ ...p, locations: p.locations.map((l) => ({ ...l, layer: LAYER1 })) })), DEB].sort((a, b) =>
      a.purl < b.purl ? -1 : 1,
    ),
  };
}

describe('image inventories', () => {
  const inv = imageInventory();

  it('CycloneDX: metadata.component is the container with its digests, platform and layers; the distro is an operating-system component', () => {
    for (const [format, version] of [
      ['cyclonedx-json', '1.6'],
      ['cyclonedx-json@1.5', '1.5'],
    ] as const) {
      const doc = JSON.parse(SBOM_FORMATS[format]!(inv)) as {
        metadata: { component: { type: string; version: string; properties: { name: string; value: string }[] } };
        components: { type: string; name: string; version?: string; purl?: string; properties?: { name: string; value: string }[] }[];
      };
      assert.deepEqual(cycloneDxSchema(version)(doc), [], format);
      const c = doc.metadata.component;
      assert.equal(c.type, 'container');
      assert.equal(c.version, `sha256:${'a'.repeat(64)}`);
      const props = new Map(c.properties.map((p) => [p.name, p.value]));
      assert.equal(props.get('vouch:image:platform'), 'linux/arm64/v8');
      assert.equal(props.get('vouch:image:configDigest'), `sha256:${'c'.repeat(64)}`);
      assert.equal(props.get('vouch:image:layer:1'), `${LAYER1} application/vnd.oci.image.layer.v1.tar+zstd 99`);
      const os = doc.components.find((x) => x.type === 'operating-system');
      assert.deepEqual([os?.name, os?.version], ['debian', '12']);
      const deb = doc.components.find((x) => x.purl === DEB.purl);
      assert.ok(deb?.properties?.some((p) => p.name === 'vouch:location:0:layer' && p.value === LAYER0));
    }
  });

  it('CycloneDX XML is valid against the XSD', { skip: xmllintAvailable() ? false : 'xmllint not installed' }, () => {
    assert.equal(xsdErrors(SBOM_FORMATS['cyclonedx-xml']!(inv), '1.6'), '');
  });

  it('SPDX: a CONTAINER package with the manifest checksum, an OPERATING_SYSTEM package, layers in sourceInfo', () => {
    const doc = JSON.parse(SBOM_FORMATS['spdx-json']!(inv)) as {
      packages: { SPDXID: string; name: string; primaryPackagePurpose: string; checksums?: { checksumValue: string }[]; sourceInfo?: string }[];
    };
    assert.deepEqual(spdxSchema()(doc), []);
    const container = doc.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER');
    assert.equal(container?.checksums?.[0]?.checksumValue, 'a'.repeat(64));
    assert.ok(doc.packages.some((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM' && p.name === 'debian'));
    const libc = doc.packages.find((p) => p.name === 'libc6');
    assert.equal(libc?.sourceInfo, `found in var/lib/dpkg/status (layer ${LAYER0})`);
  });

  it('native JSON keeps the image and distro and validates against its schema', () => {
    const doc = JSON.parse(SBOM_FORMATS.json!(inv)) as { source: { image: { layers: unknown[] }; distro: { id: string } } };
    const validate = new Ajv({ strict: false }).compile(NATIVE_JSON_SCHEMA);
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.equal(doc.source.image.layers.length, 2);
    assert.equal(doc.source.distro.id, 'debian');
  });
});
