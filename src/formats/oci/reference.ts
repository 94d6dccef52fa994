/**
 * Image references with Docker's grammar (github.com/distribution/reference, regexp.go and
 * normalize.go), hand-written because no maintained npm package implements the normalisation
 * Docker and containerd apply:
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] remote-name
 *   domain           := host [':' port-number]
 *   host             := domain-name | IPv4address | \[ IPv6address \]
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]*\/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex   (Vouch accepts sha256 and sha512 only)
 *
 * Normalisation (ParseNormalizedNamed + TagNameOnly): the part before the first `/` is a
 * registry domain only when it contains `.` or `:`, is `localhost`, or has an upper-case letter;
 * otherwise the domain is `docker.io`. `index.docker.io` becomes `docker.io`; a one-component
 * Docker Hub path gets `library/`; with neither tag nor digest the tag is `latest`. A reference
 * with both a tag and a digest keeps both; the digest is what is pulled.
 */
import { VouchError, tryParseDigest, parseDigest } from '../../core/index.ts';

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** The host that serves Docker Hub's registry API. */
export const DOCKER_HUB_REGISTRY_HOST = 'registry-1.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** distribution/reference NameTotalLengthMax: domain + '/' + path. */
export const NAME_TOTAL_LENGTH_MAX = 255;
/** Longer input is rejected before any regular expression runs. */
const INPUT_LENGTH_MAX = 1024;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const DOMAIN_RE = new RegExp(`^${DOMAIN_AND_PORT}$`);
const PATH_RE = new RegExp(`^${PATH}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_GRAMMAR_RE = new RegExp(`^${DIGEST}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;

export interface ImageReferenceParts {
  /** Registry domain as written (after normalisation): `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/nginx`, `a/b`. */
  readonly path: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

export class ImageReference {
  readonly domain: string;
  readonly path: string;
  /** The tag: `latest` when the reference named neither tag nor digest. */
  readonly tag: string | undefined;
  /** `sha256:<hex>` or `sha512:<hex>`, when the reference pins one. */
  readonly digest: string | undefined;

  constructor(parts: ImageReferenceParts) {
    this.domain = parts.domain;
    this.path = parts.path;
    this.tag = parts.tag;
    this.digest = parts.digest;
    Object.freeze(this);
  }

  /** `domain/path`: the fully-qualified repository name (`docker.io/library/nginx`). */
  get name(): string {
    return `${this.domain}/${this.path}`;
  }

  /** What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
  get identifier(): string {
    return this.digest ?? this.tag ?? DEFAULT_TAG;
  }

  /** Host (and port) to speak the registry API to: Docker Hub's is `registry-1.docker.io`. */
  get registryHost(): string {
    return this.domain === DEFAULT_DOMAIN ? DOCKER_HUB_REGISTRY_HOST : this.domain;
  }

  /** Docker's short form: `nginx:latest`, `user/app:1`, `localhost:5000/a/b@sha256:…`. */
  get familiar(): string {
    let name = this.name;
    if (this.domain === DEFAULT_DOMAIN) {
      name = this.path.startsWith(OFFICIAL_REPO_PREFIX) && !this.path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')
        ? this.path.slice(OFFICIAL_REPO_PREFIX.length)
        : this.path;
    }
    return ImageReference.#suffix(name, this.tag, this.digest);
  }

  withDigest(digest: string): ImageReference {
    return new ImageReference({ domain: this.domain, path: this.path, tag: this.tag, digest: parseDigest(digest, 'BAD_TARGET').digest });
  }

  withTag(tag: string): ImageReference {
    if (!TAG_RE.test(tag)) throw new VouchError('BAD_TARGET', `invalid tag ${JSON.stringify(tag)}`);
    return new ImageReference({ domain: this.domain, path: this.path, tag, digest: this.digest });
  }

  /** Canonical form: `docker.io/library/nginx:latest`, `host/ns/name:tag@sha256:…`. */
  toString(): string {
    return ImageReference.#suffix(this.name, this.tag, this.digest);
  }

  toJSON(): string {
    return this.toString();
  }

  static #suffix(name: string, tag: string | undefined, digest: string | undefined): string {
    return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  }
}

function bad(input: string, reason: string): VouchError {
  const shown = input.length > 120 ? `${input.slice(0, 120)}…` : input;
  return new VouchError('BAD_TARGET', `invalid image reference ${JSON.stringify(shown)}: ${reason}`, {
    hint: 'write [registry[:port]/]repository[:tag][@sha256:digest], e.g. nginx:1.27 or localhost:5000/team/app@sha256:…',
  });
}

/**
 * Parse and normalise an image reference the way `docker pull` does. Throws BAD_TARGET with the
 * reason on anything the grammar rejects, on an upper-case repository, a 64-hex "name" (an image
 * id), a name over 255 characters, or a digest that is not sha256/sha512.
 */
export function parseImageReference(input: string): ImageReference {
  if (typeof input !== 'string' || input.length === 0) throw bad(String(input), 'empty');
  if (input.length > INPUT_LENGTH_MAX) throw bad(input, `longer than ${INPUT_LENGTH_MAX} characters`);
  if (IDENTIFIER_RE.test(input)) throw bad(input, 'a 64-character hex string is an image id, not a repository name');

  // Split off the digest, then the tag (a ':' after the last '/' of what remains).
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_GRAMMAR_RE.test(d)) throw bad(input, `malformed digest ${JSON.stringify(d)}`);
    const parsed = tryParseDigest(d);
    if (parsed === undefined) {
      const algorithm = d.slice(0, d.indexOf(':'));
      if (algorithm === 'sha256' || algorithm === 'sha512') {
        throw bad(input, `a ${algorithm} digest is ${algorithm === 'sha256' ? 64 : 128} lower-case hex characters`);
      }
      throw bad(input, `unsupported digest algorithm ${JSON.stringify(algorithm)} (sha256 and sha512 are supported)`);
    }
    digest = parsed.digest;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw bad(input, `invalid tag ${JSON.stringify(tag)} (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`);
  }
  if (rest === '') throw bad(input, 'no repository name');

  // splitDockerDomain (normalize.go).
  let domain: string;
  let path: string;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = rest;
  } else {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;

  if (!DOMAIN_RE.test(domain)) throw bad(input, `invalid registry domain ${JSON.stringify(domain)}`);
  if (path.toLowerCase() !== path) throw bad(input, `repository name ${JSON.stringify(path)} must be lowercase`);
  if (!PATH_RE.test(path)) {
    throw bad(
      input,
      `invalid repository name ${JSON.stringify(path)} (lower-case letters and digits separated by '.', '_', '__' or '-', components joined by '/')`,
    );
  }
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    throw bad(input, `repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return new ImageReference({ domain, path, tag, digest });
}

/** Whether `input` parses as an image reference. */
export function isImageReference(input: string): boolean {
  try {
    parseImageReference(input);
    return true;
  } catch {
    return false;
  }
}
