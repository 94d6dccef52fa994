/**
 * A registry with accounts on 127.0.0.1:0, in-process: the registry service with
 * `createRegistryAuth`'s controller and routes, as `vouch serve registry` mounts them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../../../../src/servers/http/index.ts';
import { createRegistryService } from '../../../../../src/servers/registry/index.ts';
import { createRegistryAuth, type RegistryAuth } from '../../../../../src/servers/registry/auth/index.ts';

export const ADMIN_PASSWORD = 'admin-Passw0rd-for-tests';

export interface AuthRegistry {
  readonly url: string;
  readonly auth: RegistryAuth;
  readonly dataDir: string;
  /** Milliseconds added to the real clock (robot expiry tests move time forward). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startAuthRegistry(options: { dbUrl?: string; tokenTtlSeconds?: number } = {}): Promise<AuthRegistry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vouch-auth-'));
  let url = 'http://127.0.0.1';
  let offset = 0;
  const auth = await createRegistryAuth({
    dataDir: join(dataDir, 'registry'),
    ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
    publicUrl: () => url,
    env: { VOUCH_ADMIN_PASSWORD: ADMIN_PASSWORD },
    now: () => Date.now() + offset,
    ...(options.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: options.tokenTtlSeconds }),
  });
  const registry = await createRegistryService({ dataDir: join(dataDir, 'registry'), ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }), access: auth.access, extraRoutes: auth.extraRoutes });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [{ ...registry, close: async () => (await registry.close(), await auth.close()) }] });
  url = server.url;
  return {
    url,
    auth,
    dataDir,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** JSON request to the server; returns status, headers and the parsed body. */
export async function call(base: string, method: string, path: string, options: { auth?: string; body?: unknown; form?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.auth !== undefined) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export const LAYOUT = '/work/shared/data/oci/stereoscope/oci-layouts/valid_oci_dir';

/** Push the real single-platform layout from the shared data as `repo:tag` over the HTTP API. */
export async function pushLayout(base: string, repo: string, tag: string, auth: string): Promise<{ status: number; digest: string }> {
  const { readFileSync } = await import('node:fs');
  const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8')) as { manifests: { digest: string; mediaType: string }[] };
  const desc = index.manifests[0]!;
  const blob = (d: string): Buffer => readFileSync(join(LAYOUT, 'blobs', ...d.split(':')));
  const manifestBytes = blob(desc.digest);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${d}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/octet-stream' }, body: blob(d) });
    await res.arrayBuffer();
    if (res.status !== 201) return { status: res.status, digest: desc.digest };
  }
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { authorization: auth, 'content-type': desc.mediaType }, body: manifestBytes });
  await res.arrayBuffer();
  return { status: res.status, digest: desc.digest };
}
