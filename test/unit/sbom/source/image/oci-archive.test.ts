import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { computeDigest, isVouchError } from '../../../../../src/core/index.ts';
import { indexTar } from '../../../../../src/sbom/source/image/local.ts';
import { openOciArchive } from '../../../../../src/sbom/source/image/oci-archive.ts';
import { openOciLayout } from '../../../../../src/sbom/source/image/oci-layout.ts';
import {
  LAYOUTS,
  buildImage,
  hasSkopeo,
  layoutEntries,
  manifestDescriptor,
  ociIndex,
  openOptions,
  readLayer,
  SKIP_NO_SKOPEO,
  skopeo,
  tarOf,
  writeLayout,
  type TarEntrySpec,
} from '../../../formats/oci/image-fixtures.ts';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vouch-oci-archive-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function file(bytes: Buffer): string {
  const path = join(tmp, `a${n++}.tar`);
  writeFileSync(path, bytes);
  return path;
}

const VALID_DIGEST = 'sha256:c1ed04a3da941a5dd09b58b16c37f065557863d382ef97995ddac885a8452ebb';

test('valid-oci.tar reads as the same image as valid_oci_dir', async () => {
  const fromTar = await openOciArchive(join(LAYOUTS, 'valid-oci.tar'), openOptions());
  const fromDir = await openOciLayout(join(LAYOUTS, 'valid_oci_dir'), openOptions());
  assert.equal(fromTar.description.manifestDigest, VALID_DIGEST);
  assert.equal(fromTar.description.reference, join(LAYOUTS, 'valid-oci.tar'));
  const { reference: _a, tags: _ta, ...tarRest } = fromTar.description;
  const { reference: _b, tags: _tb, ...dirRest } = fromDir.description;
  assert.deepEqual(tarRest, dirRest);
  assert.deepEqual(await readLayer(fromTar, 0), await readLayer(fromDir, 0));
  await fromTar.close();
  await fromDir.close();
  await assert.rejects(fromTar.openLayer(0), (e) => isVouchError(e));
});

test('archives made by skopeo copy oci:DIR oci-archive:FILE', { skip: !hasSkopeo() && SKIP_NO_SKOPEO }, async () => {
  const single = join(tmp, 'skopeo-single.tar');
  skopeo('copy', `oci:${join(LAYOUTS, 'valid_oci_dir')}:latest`, `oci-archive:${single}:v1`);
  const s = await openOciArchive(single, openOptions());
  assert.equal(s.description.manifestDigest, VALID_DIGEST);
  assert.deepEqual(s.description.tags, ['v1']);
  assert.equal(computeDigest(await readLayer(s, 0)), s.description.layers[0]!.digest);
  await s.close();

  const multi = join(tmp, 'skopeo-multi.tar');
  skopeo('copy', '--all', `oci:${join(LAYOUTS, 'multiplatform_oci_dir')}:latest`, `oci-archive:${multi}:multi`);
  for (const [platform, digest] of [
    ['linux/amd64', 'sha256:e7c26a4b4d156fd9947ee82295b7b78acf7aa54b93b8f3e4b9f608179ffb20e8'],
    ['linux/arm64', 'sha256:5ed07065bcbc6c52e3ad28526557d7b6833613fc79257b1a786de85e37c03b05'],
  ] as const) {
    const m = await openOciArchive(multi, openOptions(platform));
    assert.equal(m.description.manifestDigest, digest);
    assert.deepEqual(m.description.tags, ['multi']);
    await readLayer(m, 0);
    await m.close();
  }
  await assert.rejects(openOciArchive(multi, openOptions('linux/ppc64le')), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND');
});

test('GNU and pax tar formats with long names, written by GNU tar', async (t) => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('GNU tar is not installed');
    return;
  }
  const image = await buildImage({});
  const dir = join(tmp, 'gnu-layout');
  writeLayout(dir, ociIndex([manifestDescriptor(image)]), image.blobs);
  // A long path in a sub-folder makes both formats use their long-name headers.
  const deep = `${'d'.repeat(120)}/${'e'.repeat(120)}`;
  execFileSync('mkdir', ['-p', join(dir, deep)]);
  writeFileSync(join(dir, deep, 'f'), 'x');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const path = join(tmp, `layout-${format}.tar`);
    const args = ['-C', dir, `--format=${format}`, '-cf', path, 'oci-layout', 'index.json', 'blobs'];
    execFileSync('tar', format === 'ustar' ? args : [...args, deep]);
    const s = await openOciArchive(path, openOptions());
    assert.equal(s.description.manifestDigest, image.manifestDigest, format);
    assert.deepEqual(await readLayer(s, 0), image.layers[0]!.blob);
    await s.close();
    if (format !== 'ustar') {
      const fh = await open(path);
      const entries = await indexTar(fh, (await fh.stat()).size, 'x');
      await fh.close();
      assert.ok(entries.has(`${deep}/f`), `${format}: long name read`);
      assert.equal(entries.get(`${deep}/f`)!.size, 1);
    }
  }
});

async function archive(extra: TarEntrySpec[] = [], drop: (name: string) => boolean = () => false): Promise<{ bytes: Buffer; image: Awaited<ReturnType<typeof buildImage>> }> {
  const image = await buildImage({ files: ['a', 'b'] });
  const entries = layoutEntries(ociIndex([manifestDescriptor(image)]), image.blobs).filter((e) => !drop(e.name));
  return { bytes: await tarOf([...entries, ...extra]), image };
}

test('an archive cut anywhere fails with a VouchError, never a crash or a hang', async () => {
  const { bytes } = await archive();
  let refused = 0;
  for (let cut = 0; cut < bytes.length; cut += 97) {
    const path = file(bytes.subarray(0, cut));
    try {
      const s = await openOciArchive(path, openOptions());
      for (let i = 0; i < s.description.layers.length; i++) await readLayer(s, i);
      await s.close();
    } catch (e) {
      assert.ok(isVouchError(e), `cut at ${cut}: ${String(e)}`);
      assert.ok(['IMAGE_INVALID', 'IMAGE_NOT_FOUND', 'DIGEST_MISMATCH', 'UNSAFE_ARCHIVE'].includes(e.code), `cut at ${cut}: ${e.code} ${e.message}`);
      refused++;
    }
  }
  assert.ok(refused > bytes.length / 97 - 25, `${refused} cuts refused`);
  const mid = file(bytes.subarray(0, 2048 + 100));
  await assert.rejects(openOciArchive(mid, openOptions()), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /truncated/.test(e.message));
});

function setChecksum(buf: Buffer, at: number): void {
  buf.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += buf[i]!;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
}

test('hostile and malformed archives are refused with clear errors', async () => {
  const { bytes } = await archive();
  const cases: [string, Buffer | Promise<Buffer>, string, RegExp, string?][] = [
    ['gzipped archive', gzipSync(bytes), 'IMAGE_INVALID', /not a tar archive \(it is gzip-compressed\)/, 'decompress'],
    ['not a tar at all', Buffer.from('{"hello": "world"}'.repeat(40)), 'IMAGE_INVALID', /not a tar archive$/],
    ['empty file', Buffer.alloc(0), 'IMAGE_INVALID', /truncated/],
    ['only the end marker', Buffer.alloc(1024), 'IMAGE_INVALID', /no index\.json/],
    ['entry climbing out with ..', archive([{ name: '../evil', data: 'x' }]).then((a) => a.bytes), 'UNSAFE_ARCHIVE', /"\.\.\/evil" climbs out with \.\./],
    ['absolute entry name', archive([{ name: '/etc/passwd', data: 'x' }]).then((a) => a.bytes), 'UNSAFE_ARCHIVE', /absolute entry name "\/etc\/passwd"/],
    ['corrupt header checksum', (() => {
      const b = Buffer.from(bytes);
      b[512 * 2 + 5]! ^= 0x01; // a name byte of the second member's header
      return b;
    })(), 'IMAGE_INVALID', /corrupt tar header at byte 1024 \(bad checksum\)/],
    ['absurd size (base-256) in a header', (() => {
      const b = Buffer.from(bytes);
      b.fill(0, 124, 136);
      b[124] = 0x80;
      b.fill(0xff, 130, 136); // ~2^48 bytes
      setChecksum(b, 0);
      return b;
    })(), 'IMAGE_INVALID', /truncated .* needs \d+ bytes/],
    ['pax header over 1 MiB', (() => {
      const h = Buffer.alloc(512);
      h.write('PaxHeaders/x', 0);
      h.write('0000644\0', 100);
      h.write('0000000\0', 108);
      h.write('0000000\0', 116);
      h.write(`${(2 * 1024 * 1024).toString(8).padStart(11, '0')}\0`, 124);
      h.write('00000000000\0', 136);
      h.write('x', 156);
      h.write('ustar\u000000', 257, 'latin1');
      setChecksum(h, 0);
      return Buffer.concat([h, Buffer.alloc(2 * 1024 * 1024), Buffer.alloc(1024)]);
    })(), 'UNSAFE_ARCHIVE', /pax header of 2097152 bytes, over the 1048576-byte limit/],
  ];
  for (const [name, input, code, message, hint] of cases) {
    const path = file(await input);
    await assert.rejects(
      openOciArchive(path, openOptions()),
      (e) => isVouchError(e) && e.code === code && message.test(e.message) && (hint === undefined || (e.hint ?? '').includes(hint)),
      name,
    );
  }
  await assert.rejects(openOciArchive(tmp, openOptions()), (e) => isVouchError(e) && e.code === 'BAD_TARGET' && /is a directory/.test(e.message));
  await assert.rejects(openOciArchive(join(tmp, 'missing.tar'), openOptions()), (e) => isVouchError(e) && e.code === 'TARGET_NOT_FOUND');
});

test('symlinks and hard links inside the archive: followed inside, refused when they leave it', async () => {
  const image = await buildImage({ files: ['a'] });
  const hex = image.layers[0]!.digest.slice(7);
  const linked = async (link: TarEntrySpec): Promise<string> => {
    const entries = layoutEntries(ociIndex([manifestDescriptor(image)]), image.blobs).filter((e) => !e.name.endsWith(hex));
    return file(await tarOf([...entries, { name: 'store/layer', data: image.layers[0]!.blob }, { ...link, name: `blobs/sha256/${hex}` }]));
  };
  const good: TarEntrySpec[] = [
    { name: '', type: 'symlink', linkname: '../../store/layer' },
    { name: '', type: 'link', linkname: 'store/layer' },
  ];
  for (const link of good) {
    const s = await openOciArchive(await linked(link), openOptions());
    assert.deepEqual(await readLayer(s, 0), image.layers[0]!.blob, String(link.type));
    await s.close();
  }
  const bad: [TarEntrySpec, RegExp][] = [
    [{ name: '', type: 'symlink', linkname: '../../../../etc/passwd' }, /outside the archive/],
    [{ name: '', type: 'symlink', linkname: '/etc/passwd' }, /links to the absolute path "\/etc\/passwd"/],
    [{ name: '', type: 'symlink', linkname: hex }, /more than 16 links to follow/],
  ];
  for (const [link, message] of bad) {
    await assert.rejects(openOciArchive(await linked(link), openOptions()), (e) => isVouchError(e) && e.code === 'UNSAFE_ARCHIVE' && message.test(e.message), message.source);
  }
});

test('blobs in the archive are verified: a wrong layer fails its stream, a missing one the open', async () => {
  const image = await buildImage({ files: ['a'] });
  const hex = image.layers[0]!.digest.slice(7);
  const wrong = Buffer.from(image.layers[0]!.blob);
  wrong[20]! ^= 0xff;
  const entries = layoutEntries(ociIndex([manifestDescriptor(image)]), image.blobs).map((e) => (e.name.endsWith(hex) ? { ...e, data: wrong } : e));
  const s = await openOciArchive(file(await tarOf(entries)), openOptions());
  await assert.rejects(readLayer(s, 0), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
  await s.close();
  const missing = layoutEntries(ociIndex([manifestDescriptor(image)]), image.blobs).filter((e) => !e.name.endsWith(hex));
  await assert.rejects(openOciArchive(file(await tarOf(missing)), openOptions()), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /layer 0 .* is missing from oci-archive/.test(e.message));
  // A later member of the same name replaces the earlier one, as extraction would.
  const replaced = await tarOf([...entries, { name: `blobs/sha256/${hex}`, data: image.layers[0]!.blob }]);
  const r = await openOciArchive(file(replaced), openOptions());
  assert.deepEqual(await readLayer(r, 0), image.layers[0]!.blob);
  await r.close();
});

test('indexTar bounds the number of headers and reads only headers', async () => {
  const many = await tarOf(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: 'x'.repeat(i) })));
  const path = file(many);
  const fh = await open(path);
  const size = (await fh.stat()).size;
  const all = await indexTar(fh, size, 'many');
  assert.equal(all.size, 50);
  assert.deepEqual(all.get('f7'), { path: 'f7', type: 'file', offset: all.get('f7')!.offset, size: 7 });
  assert.equal(readFileSync(path).toString('latin1', all.get('f7')!.offset, all.get('f7')!.offset + 7), 'xxxxxxx');
  await assert.rejects(indexTar(fh, size, 'many', 10), (e) => isVouchError(e) && e.code === 'UNSAFE_ARCHIVE' && /more than 10 tar headers/.test(e.message));
  await fh.close();
});
