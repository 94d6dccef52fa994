/**
 * Registry credentials: `--creds USER:PASSWORD`, then the auth files podman/skopeo and Docker
 * write, first match wins:
 *
 *  1. `$REGISTRY_AUTH_FILE` if set, else `$XDG_RUNTIME_DIR/containers/auth.json`
 *     (containers-auth.json(5));
 *  2. `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config/containers/auth.json`);
 *  3. `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
 *
 * Each file's `auths` maps a key to `{auth: base64("user:password")}` or `{username, password}`.
 * Keys are matched the way containers/image does: a key with a scheme (`https://index.docker.io/v1/`,
 * Docker's own form) names a host only; a key without one is `host[/namespace...]`, and the
 * longest key that is the repository or one of its parent namespaces wins. Docker Hub's aliases
 * (`docker.io`, `index.docker.io`, `registry-1.docker.io`) are one registry.
 *
 * Credential helpers (`credsStore`, `credHelpers`) are NOT executed: running a program named in a
 * config file is not something an offline scanner should do behind the user's back, and the
 * helpers (`docker-credential-desktop`, `-ecr-login`, ...) are mostly not installed where Vouch
 * runs (CI, air-gapped hosts). When a helper would have answered for the registry, a warning
 * says so and names the alternatives; the lookup then goes on with the other entries and files,
 * and ends anonymous. `identitytoken` (OAuth refresh tokens) is likewise reported, not used.
 *
 * Bad files are warnings, never fatal (the pull may not need credentials). No warning, error or
 * log line ever holds a password, token or `auth` value.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VouchError } from '../../core/index.ts';
import { canonicalRegistryDomain } from './endpoint.ts';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface CredentialLookup {
  /** Undefined: go anonymous. */
  readonly credentials: RegistryCredentials | undefined;
  /** Where they came from: `--creds` or the file path and key (never the secret). */
  readonly source: string | undefined;
  readonly warnings: readonly string[];
}

export interface CredentialLookupOptions {
  /** `USER:PASSWORD` from `--creds`: wins over every file. */
  readonly creds?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Auth files are small; a bigger one is reported and skipped. */
export const MAX_AUTH_FILE_BYTES = 1024 * 1024;

/** Parse `--creds USER:PASSWORD` (split at the first colon; the password may hold colons). */
export function parseCreds(value: string): RegistryCredentials {
  const colon = value.indexOf(':');
  if (colon <= 0) {
    throw new VouchError('USAGE', '--creds must be USER:PASSWORD', { hint: 'e.g. --creds alice:s3cret (or use REGISTRY_AUTH_FILE)' });
  }
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The auth files to look in, in order (see the module comment). */
export function authFilePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  const out: string[] = [];
  if (env.REGISTRY_AUTH_FILE !== undefined && env.REGISTRY_AUTH_FILE !== '') out.push(env.REGISTRY_AUTH_FILE);
  else if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') out.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  // containers-auth.json(5): without XDG_RUNTIME_DIR, podman/skopeo login write /run/containers/$UID/auth.json.
  else if (process.getuid !== undefined) out.push(join('/run', 'containers', String(process.getuid()), 'auth.json'));
  const configHome = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(home, '.config');
  out.push(join(configHome, 'containers', 'auth.json'));
  const dockerDir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(home, '.docker');
  out.push(join(dockerDir, 'config.json'));
  return out;
}

/**
 * A key of `auths`/`credHelpers` as `host[/path]`: a URL form (`https://host/v1/`) keeps only
 * the host; Docker Hub aliases become `docker.io`; lower case host, path as written.
 */
export function normalizeAuthKey(key: string): string {
  let k = key.trim();
  let hostOnly = false;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(k);
  if (scheme !== null) {
    k = k.slice(scheme[0].length);
    hostOnly = true;
  }
  const slash = k.indexOf('/');
  const host = canonicalRegistryDomain(slash === -1 ? k : k.slice(0, slash));
  if (hostOnly || slash === -1) return host;
  const path = k.slice(slash + 1).replace(/\/+$/, '');
  return path === '' ? host : `${host}/${path}`;
}

/**
 * How well `key` (normalised) matches `domain/repository`: the key's length when it is the
 * registry, the repository or a parent namespace of it, else -1.
 */
function matchLength(key: string, domain: string, repository: string): number {
  const full = `${domain}/${repository}`;
  if (key === domain || key === full || full.startsWith(`${key}/`)) return key.length;
  return -1;
}

interface FileResult {
  readonly credentials?: RegistryCredentials;
  readonly source?: string;
  readonly warnings: string[];
}

function decodeAuth(value: string): RegistryCredentials | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.trim())) return undefined;
  const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Look up one file's `auths`/`credHelpers`/`credsStore` for the registry and repository. */
export function lookupInAuthDocument(doc: unknown, path: string, domain: string, repository: string): FileResult {
  const warnings: string[] = [];
  if (!isRecord(doc)) return { warnings: [`${path}: not a JSON object; ignored`] };
  const want = canonicalRegistryDomain(domain);

  // credHelpers: { "<host>": "<helper suffix>" }, credsStore: "<helper suffix>" (Docker's config.json).
  const helpers = doc.credHelpers;
  let helperName: string | undefined;
  if (isRecord(helpers)) {
    for (const [key, value] of Object.entries(helpers)) {
      if (normalizeAuthKey(key) === want && typeof value === 'string') helperName = value;
    }
  }

  const auths = doc.auths;
  let best: { key: string; len: number; entry: unknown } | undefined;
  if (auths !== undefined && !isRecord(auths)) warnings.push(`${path}: "auths" is not an object; ignored`);
  if (isRecord(auths)) {
    for (const [key, entry] of Object.entries(auths)) {
      const len = matchLength(normalizeAuthKey(key), want, repository);
      if (len > (best?.len ?? -1)) best = { key, len, entry };
    }
  }

  let credentials: RegistryCredentials | undefined;
  if (best !== undefined) {
    const entry = best.entry;
    const where = `${path} (auths["${best.key}"])`;
    if (!isRecord(entry)) warnings.push(`${where}: not an object; ignored`);
    else {
      if (typeof entry.auth === 'string' && entry.auth !== '') {
        credentials = decodeAuth(entry.auth);
        if (credentials === undefined) warnings.push(`${where}: "auth" is not base64 of USER:PASSWORD; ignored`);
      } else if (typeof entry.username === 'string' && entry.username !== '' && typeof entry.password === 'string') {
        credentials = { username: entry.username, password: entry.password };
      }
      if (credentials === undefined && typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
        warnings.push(`${where}: identity tokens (OAuth refresh tokens) are not supported; use --creds USER:PASSWORD`);
      }
      if (credentials !== undefined) return { credentials, source: where, warnings };
    }
  }

  const store = typeof doc.credsStore === 'string' && doc.credsStore !== '' ? doc.credsStore : undefined;
  const helper = helperName ?? store;
  if (helper !== undefined && (helperName !== undefined || best !== undefined)) {
    // With credsStore, Docker leaves an empty `auths` entry for each registry it logged in to.
    warnings.push(
      `${path}: credentials for ${want} are kept by the credential helper "docker-credential-${helper}", which Vouch does not run; ` +
        'pass --creds USER:PASSWORD or point REGISTRY_AUTH_FILE at an auth.json with the credentials',
    );
  }
  return { warnings };
}

/**
 * Credentials for `domain/repository`: `--creds`, else the first auth file that has them, else
 * none (anonymous). Missing files are not mentioned; unreadable or malformed ones are warnings.
 */
export function findCredentials(domain: string, repository: string, options: CredentialLookupOptions = {}): CredentialLookup {
  if (options.creds !== undefined) return { credentials: parseCreds(options.creds), source: '--creds', warnings: [] };
  const warnings: string[] = [];
  for (const path of authFilePaths(options.env ?? process.env)) {
    let text: string;
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (!st.isFile()) {
        warnings.push(`${path}: not a file; ignored`);
        continue;
      }
      if (st.size > MAX_AUTH_FILE_BYTES) {
        warnings.push(`${path}: over ${MAX_AUTH_FILE_BYTES} bytes; ignored`);
        continue;
      }
      text = readFileSync(path, 'utf8');
    } catch (err) {
      warnings.push(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); ignored`);
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      // The parser's message may quote the file's text (a secret): say only that it is malformed.
      warnings.push(`${path}: malformed JSON; ignored`);
      continue;
    }
    const r = lookupInAuthDocument(doc, path, domain, repository);
    warnings.push(...r.warnings);
    if (r.credentials !== undefined) return { credentials: r.credentials, source: r.source, warnings };
  }
  return { credentials: undefined, source: undefined, warnings };
}
