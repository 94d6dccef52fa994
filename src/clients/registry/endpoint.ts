/**
 * Where a registry's API lives and whether we may speak plain HTTP to it.
 *
 * HTTPS is the default for every registry. Plain HTTP (and, with `insecure`, TLS without
 * certificate checks) is allowed only for loopback hosts — `localhost`, 127.0.0.0/8, `::1` —
 * which is what Docker treats as insecure-by-default too, or when the user asks with
 * `--insecure`. Anything else is INSECURE_REGISTRY before a byte is sent. The same rule applies
 * to every URL we follow: token realms and blob redirects.
 */
import { VouchError } from '../../core/index.ts';

/** Docker Hub's reference domains and the host that serves its registry API. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
export const DOCKER_HUB_DOMAIN = 'docker.io';

/** `docker.io`/`index.docker.io` → `registry-1.docker.io`; any other domain is its own API host. */
export function registryApiHost(domain: string): string {
  return DOCKER_HUB_ALIASES.has(domain.toLowerCase()) ? DOCKER_HUB_API_HOST : domain;
}

/** The domain credentials are filed under: Docker Hub's aliases → `docker.io`; others lower case. */
export function canonicalRegistryDomain(domain: string): string {
  const d = domain.toLowerCase();
  return DOCKER_HUB_ALIASES.has(d) ? DOCKER_HUB_DOMAIN : d;
}

/** The host part of `host[:port]` / `[v6]:port`, without brackets, lower case. */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return (end === -1 ? hostPort.slice(1) : hostPort.slice(1, end)).toLowerCase();
  }
  const colon = hostPort.lastIndexOf(':');
  return (colon === -1 || hostPort.indexOf(':') !== colon ? hostPort : hostPort.slice(0, colon)).toLowerCase();
}

/** `localhost`, an IPv4 address in 127.0.0.0/8, or `::1` (with or without brackets/port). */
export function isLoopbackHost(hostPort: string): boolean {
  const host = hostnameOf(hostPort);
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/**
 * Throw INSECURE_REGISTRY unless `url` may be used: `https:` always; `http:` only to a loopback
 * host or when `insecure`. Other schemes are never followed.
 */
export function checkTransport(url: URL, insecure: boolean, what = 'registry'): void {
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') {
    throw new VouchError('REGISTRY_ERROR', `${what} URL ${url.origin} uses ${url.protocol}; only https: and http: are followed`);
  }
  if (insecure || isLoopbackHost(url.host)) return;
  throw new VouchError('INSECURE_REGISTRY', `refusing plain HTTP to ${what} ${url.host}: only localhost may be reached without TLS`, {
    hint: 'pass --insecure if you trust the network path to this registry',
  });
}

/** The schemes to try, in order: HTTPS, then plain HTTP where that is allowed (Docker's order). */
export function candidateSchemes(apiHost: string, insecure: boolean): readonly ('https' | 'http')[] {
  return insecure || isLoopbackHost(apiHost) ? ['https', 'http'] : ['https'];
}
