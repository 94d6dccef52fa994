/**
 * Builders for the image-source tests: real OCI layouts with gzipped layer tars (every digest
 * computed, nothing hand-edited), tars made with tar-stream, and the options object.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { computeDigest, resolveLimits, type Logger } from '../../../../src/core/index.ts';
import type { ImageOpenOptions, ImageSource } from '../../../../src/sbom/source/image/types.ts';

export const OCI_DATA = resolve(import.meta.dirname, '../../../../../shared/data/oci');
export const STEREOSCOPE = join(OCI_DATA, 'stereoscope');
export const LAYOUTS = join(STEREOSCOPE, 'oci-layouts');

export interface Captured extends Logger {
  readonly warnings: string[];
}

export function captureLogger(): Captured {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m: string) => void warnings.push(m) };
}

export function openOptions(platform?: string, logger: Logger = captureLogger()): ImageOpenOptions {
  return { limits: resolveLimits(), logger, ...(platform !== undefined && { platform }) };
}

/** Every byte of layer `i`, through the source's verifying stream. */
export async function readLayer(source: ImageSource, i: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await source.openLayer(i)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export type TarEntrySpec = Partial<Header> & { readonly name: string; readonly data?: Buffer | string };

/** A tar made with tar-stream (ustar, pax for long names). */
export async function tarOf(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const p = pack();
  const out: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as AsyncIterable<Buffer>) out.push(c);
  })();
  for (const { data, ...header } of entries) {
    await new Promise<void>((res, rej) => {
      p.entry({ mtime: new Date(0), mode: 0o644, ...header }, data ?? '', (err) => (err ? rej(err) : res()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(out);
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export interface BuiltImage {
  readonly manifest: Buffer;
  readonly manifestDigest: string;
  readonly config: Buffer;
  readonly configDigest: string;
  readonly layers: readonly { blob: Buffer; digest: string; diffId: string; tar: Buffer }[];
  /** Every blob by digest. */
  readonly blobs: Map<string, Buffer>;
}

/** An image whose layers each hold one file, gzipped: manifest, config and blobs, all digests real. */
export async function buildImage(options: {
  platform?: { os: string; architecture: string; variant?: string };
  files?: readonly string[];
  configMediaType?: string;
  layerMediaType?: string;
  configExtra?: Record<string, unknown>;
}): Promise<BuiltImage> {
  const blobs = new Map<string, Buffer>();
  const layers = [];
  for (const [i, f] of (options.files ?? ['etc/hello']).entries()) {
    const tar = await tarOf([{ name: f, data: `layer ${i}: ${f}\n` }]);
    const blob = gzipSync(tar);
    const digest = computeDigest(blob);
    blobs.set(digest, blob);
    layers.push({ blob, digest, diffId: computeDigest(tar), tar });
  }
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = json({
    ...platform,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    config: { Env: ['PATH=/usr/bin'] },
    ...options.configExtra,
  });
  const configDigest = computeDigest(config);
  blobs.set(configDigest, config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: options.configMediaType ?? 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: options.layerMediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.blob.length })),
  });
  const manifestDigest = computeDigest(manifest);
  blobs.set(manifestDigest, manifest);
  return { manifest, manifestDigest, config, configDigest, layers, blobs };
}

export function manifestDescriptor(image: BuiltImage, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, ...extra };
}

/** Write an OCI layout: oci-layout, index.json (as given) and every blob. */
export function writeLayout(dir: string, index: unknown, blobs: Iterable<[string, Buffer]>, header: unknown = { imageLayoutVersion: '1.0.0' }): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  if (header !== undefined) writeFileSync(join(dir, 'oci-layout'), typeof header === 'string' ? header : JSON.stringify(header));
  writeFileSync(join(dir, 'index.json'), typeof index === 'string' ? index : JSON.stringify(index));
  for (const [digest, bytes] of blobs) writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
}

export function ociIndex(manifests: unknown[]): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
}

/** The layout files as tar entries (for oci-archive and the Docker 25 docker-archive). */
export function layoutEntries(index: unknown, blobs: Iterable<[string, Buffer]>): TarEntrySpec[] {
  const entries: TarEntrySpec[] = [
    { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', data: JSON.stringify(index) },
    { name: 'blobs/', type: 'directory', mode: 0o755 },
    { name: 'blobs/sha256/', type: 'directory', mode: 0o755 },
  ];
  for (const [digest, bytes] of blobs) entries.push({ name: `blobs/sha256/${digest.slice('sha256:'.length)}`, data: bytes });
  return entries;
}

let skopeoPresent: boolean | undefined;
/** Whether skopeo can be run (Debian package `skopeo`; CI installs it). */
export function hasSkopeo(): boolean {
  if (skopeoPresent === undefined) {
    try {
      execFileSync('skopeo', ['--version'], { stdio: 'ignore' });
      skopeoPresent = true;
    } catch {
      skopeoPresent = false;
    }
  }
  return skopeoPresent;
}

export const SKIP_NO_SKOPEO = 'skopeo is not installed (apt-get install skopeo): archives made by skopeo are not tested';

export function skopeo(...args: string[]): void {
  execFileSync('skopeo', ['--insecure-policy', ...args], { stdio: 'pipe' });
}
