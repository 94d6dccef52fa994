/**
 * A tiny HTTP client for the distribution conformance suite: fetch against a base URL, plus
 * the few pushes every requirement needs (a blob, an image manifest). Written from the spec
 * text; it relies on nothing of Vouch's, so the suite runs against any registry.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Res {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  json(): unknown;
}

export interface Target {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function sha512(data: Uint8Array | string): string {
  return `sha512:${createHash('sha512').update(data).digest('hex')}`;
}

/** A fresh repository name per requirement, so requirements never see each other's content. */
export function repoName(id: string): string {
  return `conformance/${id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${randomBytes(3).toString('hex')}`;
}

export async function http(
  t: Target,
  method: string,
  path: string,
  options: { body?: Uint8Array | string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const url = /^https?:/.test(path) ? path : `${t.base}${path}`;
  const res = await fetch(url, { method, headers: options.headers ?? {}, body: options.body === undefined ? null : options.body, redirect: 'follow' });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    body,
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

/** A Location header made absolute against the base (it MAY be relative). */
export function location(t: Target, res: Res): string {
  const loc = res.headers.get('location');
  if (loc === null) throw new Error(`no Location header (status ${res.status})`);
  return new URL(loc, t.base).toString();
}

export function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/** Push a blob with POST + PUT (end-4a + end-6); returns its digest. */
export async function pushBlob(t: Target, repo: string, data: Uint8Array | string): Promise<string> {
  const digest = sha256(data);
  const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
  if (post.status !== 202) throw new Error(`POST upload: ${post.status} ${post.body.toString()}`);
  const put = await http(t, 'PUT', withQuery(location(t, post), { digest }), {
    body: data,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${put.body.toString()}`);
  return digest;
}

export interface PushedImage {
  readonly manifest: Buffer;
  readonly digest: string;
  readonly config: { digest: string; size: number };
  readonly layer: { digest: string; size: number; data: Buffer };
}

/** Push a config, one layer and an OCI image manifest (tagged when `tag` is given). */
export async function pushImage(
  t: Target,
  repo: string,
  tag?: string,
  extra: Record<string, unknown> = {},
  mediaTypes: { manifest: string; config: string; layer: string } = { manifest: OCI_MANIFEST, config: OCI_CONFIG, layer: OCI_LAYER },
): Promise<PushedImage> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }));
  const layer = randomBytes(1024 + Math.floor(Math.random() * 512));
  const configDigest = await pushBlob(t, repo, config);
  const layerDigest = await pushBlob(t, repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: { mediaType: mediaTypes.config, digest: configDigest, size: config.length },
      layers: [{ mediaType: mediaTypes.layer, digest: layerDigest, size: layer.length }],
      ...extra,
    }),
  );
  const digest = sha256(manifest);
  const put = await http(t, 'PUT', `/v2/${repo}/manifests/${tag ?? digest}`, { body: manifest, headers: { 'content-type': mediaTypes.manifest } });
  if (put.status !== 201) throw new Error(`PUT manifest: ${put.status} ${put.body.toString()}`);
  return { manifest, digest, config: { digest: configDigest, size: config.length }, layer: { digest: layerDigest, size: layer.length, data: layer } };
}

/** The `errors[].code` values of an error body (spec: "Error Codes"). */
export function errorCodes(res: Res): string[] {
  try {
    const doc = res.json() as { errors?: { code?: unknown }[] };
    return (doc.errors ?? []).map((e) => String(e.code));
  } catch {
    return [];
  }
}
