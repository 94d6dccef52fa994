/**
 * Package URLs (package-url/purl-spec, ECMA-427) through packageurl-js, the spec's reference
 * implementation for JavaScript, with what it lacks added around it so that the spec's own test
 * suite (purl-spec `tests/`) passes:
 *
 * - Canonical encoding (purl-spec `docs/standard/characters-and-encoding.md`): only
 *   alphanumerics, `.-_~` and `:` stay as they are; everything else in a component is
 *   percent-encoded. packageurl-js encodes `:` in qualifier values and subpaths (`https%3A`) and
 *   leaves `+` in versions, so the string is written here from its parsed components.
 * - Type rules from the type definitions (purl-spec `types/<type>-definition.json`): namespace
 *   required or prohibited, case-insensitive parts lowercased, permitted characters, required
 *   qualifiers (`PURL_TYPE_RULES` below; a test checks it against the definition files).
 * - `git`: the namespace is the host alone and the name is the repository path, slashes kept.
 * - Qualifier keys in a purl string must be lowercase already (the suite's required parse cases);
 *   keys given to buildPurl are lowercased (they are case-insensitive, lowercase canonical).
 *
 * One deliberate exception to the type definitions: `golang` names its namespace required, yet
 * Go module paths may be one element (`module example` in go.mod, syft's `pkg:golang/stdlib`),
 * so a golang purl without namespace is accepted. No test of the suite depends on it.
 */
import { PackageURL } from 'packageurl-js';
import { VouchError } from '../../core/index.ts';

export interface PurlParts {
  readonly type: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly version?: string | undefined;
  readonly qualifiers?: Readonly<Record<string, string | undefined>> | undefined;
  readonly subpath?: string | undefined;
}

export interface PurlTypeRule {
  readonly namespace?: 'required' | 'prohibited';
  readonly namespaceLower?: boolean;
  readonly nameLower?: boolean;
  /** `permitted_characters` of the name (a regular expression, as the definition spells it). */
  readonly name?: string;
  readonly version?: string;
  readonly versionLower?: boolean;
  /** Qualifiers whose `requirement` is `required`. */
  readonly qualifiers?: readonly string[];
}

/** From purl-spec `types/*-definition.json` (snapshot 16f3d0e). */
export const PURL_TYPE_RULES: Readonly<Record<string, PurlTypeRule>> = {
  alpm: { namespace: 'required', namespaceLower: true, nameLower: true },
  apk: { namespace: 'required', namespaceLower: true, nameLower: true },
  bazel: { namespace: 'prohibited' },
  bitbucket: { namespace: 'required', namespaceLower: true, nameLower: true },
  bitnami: { namespace: 'prohibited', nameLower: true },
  brew: { namespaceLower: true, nameLower: true },
  cargo: { namespace: 'prohibited' },
  'chrome-extension': { namespace: 'prohibited', nameLower: true, name: '^[a-p]{32}$', version: '^\\d+(\\.\\d+){0,3}$' },
  cocoapods: { namespace: 'prohibited' },
  composer: { namespace: 'required', namespaceLower: true, nameLower: true },
  conan: {},
  conda: { namespace: 'prohibited' },
  cpan: {},
  cran: { namespace: 'prohibited' },
  deb: { namespace: 'required', namespaceLower: true, nameLower: true },
  docker: {},
  gem: { namespace: 'prohibited' },
  generic: {},
  git: { namespace: 'required' },
  github: { namespace: 'required', namespaceLower: true, nameLower: true },
  golang: { namespace: 'required' },
  hackage: { namespace: 'prohibited' },
  hex: { namespaceLower: true, nameLower: true },
  huggingface: { namespace: 'required', versionLower: true },
  julia: { namespace: 'prohibited', qualifiers: ['uuid'] },
  luarocks: { namespaceLower: true, nameLower: true },
  maven: { namespace: 'required' },
  mlflow: { namespace: 'prohibited' },
  npm: {},
  nuget: { namespace: 'prohibited' },
  oci: { namespace: 'prohibited', nameLower: true, versionLower: true },
  opam: { namespace: 'prohibited' },
  otp: { namespace: 'prohibited', nameLower: true },
  pub: { namespace: 'prohibited', nameLower: true, name: '^[a-z0-9_]' },
  pypi: { namespace: 'prohibited', nameLower: true, versionLower: true },
  qpkg: { namespace: 'required', namespaceLower: true },
  rpm: { namespace: 'required', namespaceLower: true },
  swid: { qualifiers: ['tag_id'] },
  swift: { namespace: 'required' },
  vcpkg: { namespace: 'prohibited' },
  'vscode-extension': { namespace: 'required', namespaceLower: true, nameLower: true, versionLower: true },
  yocto: { namespaceLower: true },
};

/** Types whose namespace requirement Vouch relaxes (see the module comment). */
const NAMESPACE_OPTIONAL_ANYWAY = new Set(['golang']);

function fail(message: string, cause?: unknown): never {
  throw new VouchError('INVALID_PURL', message, cause === undefined ? {} : { cause });
}

/** Percent-encode one component per ECMA-427: keep alphanumerics, `.-_~` and `:`. */
function encode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ':');
}

function encodeSegments(s: string): string {
  return s
    .split('/')
    .filter((seg) => seg !== '')
    .map(encode)
    .join('/');
}

function nonEmpty(s: string | null | undefined): string | undefined {
  return s === undefined || s === null || s === '' ? undefined : s;
}

/** Apply the type rules to decoded parts; returns normalised parts or throws INVALID_PURL. */
function applyTypeRules(p: PurlParts): PurlParts {
  const rule = PURL_TYPE_RULES[p.type] ?? {};
  const namespace = rule.namespaceLower ? p.namespace?.toLowerCase() : p.namespace;
  const name = rule.nameLower ? p.name.toLowerCase() : p.name;
  const version = rule.versionLower ? p.version?.toLowerCase() : p.version;
  if (rule.namespace === 'required' && namespace === undefined && !NAMESPACE_OPTIONAL_ANYWAY.has(p.type)) {
    fail(`a ${p.type} purl needs a namespace`);
  }
  if (rule.namespace === 'prohibited' && namespace !== undefined) fail(`a ${p.type} purl has no namespace`);
  if (rule.name !== undefined && !new RegExp(rule.name).test(name)) fail(`${JSON.stringify(name)} is not a valid ${p.type} name`);
  if (rule.version !== undefined && version !== undefined && !new RegExp(rule.version).test(version)) {
    fail(`${JSON.stringify(version)} is not a valid ${p.type} version`);
  }
  for (const q of rule.qualifiers ?? []) {
    if (p.qualifiers?.[q] === undefined) fail(`a ${p.type} purl needs the qualifier ${q}`);
  }
  // cpan: "A distribution name shall not contain the string '::'" (a module name is not a distribution).
  if (p.type === 'cpan' && name.includes('::')) fail(`${JSON.stringify(name)} is a Perl module name, not a CPAN distribution name`);
  return { ...p, namespace, name, version };
}

/** Validate and normalise through packageurl-js, then the type rules. */
function normalise(parts: PurlParts): PurlParts {
  // PurlParts may come from untrusted data (a parsed SBOM): check the types, not just the shape.
  if (typeof parts.type !== 'string' || parts.type === '') fail('a purl needs a type');
  if (typeof parts.name !== 'string' || parts.name === '') fail(`a ${parts.type} purl needs a name`);
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.qualifiers ?? {})) {
    if (v !== undefined && v !== '') qualifiers[k.toLowerCase()] = v;
  }
  const type = parts.type.toLowerCase();
  // git: packageurl-js would refuse or split a name with slashes; it is one repository path.
  const gitName = type === 'git' ? parts.name.split('/').filter((s) => s !== '') : undefined;
  let p: PackageURL;
  try {
    p = new PackageURL(
      type,
      nonEmpty(parts.namespace),
      gitName === undefined ? parts.name : gitName.join('-'),
      nonEmpty(parts.version),
      Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
      nonEmpty(parts.subpath),
    );
  } catch (err) {
    fail(`cannot build purl for ${parts.type}/${parts.name}: ${(err as Error).message}`, err);
  }
  const q = p.qualifiers ?? undefined;
  return applyTypeRules({
    type: p.type,
    namespace: nonEmpty(p.namespace),
    name: gitName === undefined ? p.name : gitName.join('/'),
    version: nonEmpty(p.version),
    qualifiers: q === undefined || Object.keys(q).length === 0 ? undefined : { ...q },
    subpath: nonEmpty(p.subpath),
  });
}

/** The canonical string of normalised parts (ECMA-427 "Rules for each purl component"). */
function format(p: PurlParts): string {
  let s = `pkg:${p.type}/`;
  if (p.namespace !== undefined) s += `${encodeSegments(p.namespace)}/`;
  s += p.type === 'git' ? encodeSegments(p.name) : encode(p.name);
  if (p.version !== undefined) s += `@${encode(p.version)}`;
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length > 0) s += `?${q.map(([k, v]) => `${k}=${encode(v)}`).join('&')}`;
  if (p.subpath !== undefined) {
    const sub = p.subpath
      .split('/')
      .filter((seg) => seg !== '' && seg !== '.' && seg !== '..')
      .map(encode)
      .join('/');
    if (sub !== '') s += `#${sub}`;
  }
  return s;
}

/** Build the canonical purl string; empty parts are left out. Throws INVALID_PURL on rule violations. */
export function buildPurl(parts: PurlParts): string {
  return format(normalise(parts));
}

/** Parse and normalise a purl string. Throws INVALID_PURL. */
export function parsePurl(purl: string): PurlParts {
  // Checks on the raw string that packageurl-js does not make (ECMA-427 "Rules for each purl component").
  const beforeSubpath = purl.split('#', 1)[0]!;
  const query = beforeSubpath.includes('?') ? beforeSubpath.slice(beforeSubpath.indexOf('?') + 1) : '';
  for (const pair of query === '' ? [] : query.split('&')) {
    const key = pair.split('=', 1)[0]!;
    if (/[A-Z]/.test(key)) fail(`invalid purl ${JSON.stringify(purl)}: qualifier key ${JSON.stringify(key)} is not lowercase`);
  }
  const path = beforeSubpath.split('?', 1)[0]!.replace(/^pkg:\/*/i, '');
  if (/^[^/]+\/@[^/]*$/.test(path)) fail(`invalid purl ${JSON.stringify(purl)}: no name before the version`);

  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch (err) {
    fail(`invalid purl ${JSON.stringify(purl)}: ${(err as Error).message}`, err);
  }
  let namespace = nonEmpty(p.namespace);
  let name = p.name;
  if (p.type === 'git' && namespace !== undefined) {
    // git: the host is the namespace, the rest of the path is the (repository) name.
    const segments = [...namespace.split('/'), name];
    namespace = segments[0];
    name = segments.slice(1).join('/');
  }
  const q = p.qualifiers ?? undefined;
  const decoded: PurlParts = {
    type: p.type,
    namespace,
    name,
    version: nonEmpty(p.version),
    qualifiers: q === undefined || Object.keys(q).length === 0 ? undefined : { ...q },
    subpath: nonEmpty(p.subpath),
  };
  try {
    return normalise(decoded);
  } catch (err) {
    if (err instanceof VouchError) fail(`invalid purl ${JSON.stringify(purl)}: ${err.message}`, err);
    throw err;
  }
}

/** Normalise a purl string to its canonical form. */
export function canonicalPurl(purl: string): string {
  return format(parsePurl(purl));
}
