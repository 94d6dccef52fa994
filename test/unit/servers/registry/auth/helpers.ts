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
