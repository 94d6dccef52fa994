/**
 * The CA's settings from `vouch serve` flags and the config file's `ca:` section, validated once
 * at start-up (flags win over the file; issuers from both are merged).
 */
import { VouchError } from '../../core/index.ts';
import { DEFAULT_CERT_VALIDITY_MS } from './issue.ts';
import { DEFAULT_AUDIENCE, parseIssuerSpec, type IssuerSpec } from './oidc.ts';

export interface CaSettings {
  readonly issuers: IssuerSpec[];
  readonly audience: string;
  readonly certValidityMs: number;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly logUrl: string | undefined;
  readonly devOidc: boolean;
}

const MIN_VALIDITY_MS = 60_000;
const MAX_VALIDITY_MS = 24 * 3600_000;
const MAX_ISSUERS = 64;

type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

const KNOWN_KEYS = new Set(['oidcIssuers', 'audience', 'certValidity', 'caCert', 'caKey', 'logUrl', 'devOidc']);

export function caSettings(flags: Flags, config: Readonly<Record<string, unknown>>): CaSettings {
  for (const k of Object.keys(config)) {
    if (!KNOWN_KEYS.has(k)) throw new VouchError('CA_CONFIG', `unknown key ca.${k} in the config file`, { hint: `known: ${[...KNOWN_KEYS].join(', ')}` });
  }
  for (const k of ['audience', 'certValidity', 'caCert', 'caKey', 'logUrl'] as const) {
    if (config[k] !== undefined && typeof config[k] !== 'string') throw new VouchError('CA_CONFIG', `ca.${k} must be a string`);
  }
  if (config.devOidc !== undefined && typeof config.devOidc !== 'boolean') throw new VouchError('CA_CONFIG', 'ca.devOidc must be true or false');
  const raw: unknown[] = [];
  const fromFlags = flags['oidc-issuer'];
  if (Array.isArray(fromFlags)) raw.push(...fromFlags);
  else if (typeof fromFlags === 'string') raw.push(fromFlags);
  if (config.oidcIssuers !== undefined) {
    if (!Array.isArray(config.oidcIssuers)) throw new VouchError('CA_CONFIG', 'config ca.oidcIssuers: expected a list');
    raw.push(...(config.oidcIssuers as unknown[]));
  }
  if (raw.length > MAX_ISSUERS) throw new VouchError('CA_CONFIG', `at most ${MAX_ISSUERS} OIDC issuers`);
  const issuers = raw.map((v): IssuerSpec => {
    if (typeof v === 'string') return parseIssuerSpec(v);
    const o = v as { url?: unknown; jwks?: unknown } | null;
    if (typeof o?.url !== 'string' || (o.jwks !== undefined && typeof o.jwks !== 'string')) {
      throw new VouchError('CA_CONFIG', 'config ca.oidcIssuers: each entry is "URL", "URL=JWKS_FILE" or {url, jwks}');
    }
    return parseIssuerSpec(o.jwks === undefined ? o.url : `${o.url}=${o.jwks}`);
  });
  const seen = new Set<string>();
  for (const i of issuers) {
    if (seen.has(i.url)) throw new VouchError('CA_CONFIG', `OIDC issuer ${i.url} is configured twice`);
    seen.add(i.url);
  }
  const validity = str(flags['cert-validity']) ?? str(config.certValidity);
  const logUrl = str(flags['log-url']) ?? str(config.logUrl);
  if (logUrl !== undefined && !/^https?:\/\//.test(logUrl)) throw new VouchError('CA_CONFIG', `log URL ${logUrl}: expected an http(s) URL`);
  return {
    issuers,
    audience: str(config.audience) ?? DEFAULT_AUDIENCE,
    certValidityMs: validity === undefined ? DEFAULT_CERT_VALIDITY_MS : parseDuration(validity),
    certFile: str(flags['ca-cert']) ?? str(config.caCert),
    keyFile: str(flags['ca-key']) ?? str(config.caKey),
    logUrl,
    devOidc: flags['dev-oidc'] === true || config.devOidc === true,
  };
}

/** `90s`, `10m`, `2h`: between one minute and a day. */
export function parseDuration(value: string): number {
  const m = /^(\d{1,6})(s|m|h)$/.exec(value.trim());
  const ms = m === null ? NaN : Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  if (!(ms >= MIN_VALIDITY_MS && ms <= MAX_VALIDITY_MS)) throw new VouchError('CA_CONFIG', `certificate validity ${value}: expected 1m to 24h, e.g. 10m`);
  return ms;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
