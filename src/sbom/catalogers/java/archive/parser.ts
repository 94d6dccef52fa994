/**
 * JAR-family archives (.jar, .war, .ear, and Jenkins plugins .jpi/.hpi): what Maven built
 * into them, read from memory.
 *
 *  - every `META-INF/maven/<groupId>/<artifactId>/pom.properties` is one package (a shaded
 *    or fat JAR carries several); the `pom.xml` beside it gives licenses;
 *  - without any pom.properties, `META-INF/MANIFEST.MF` (Implementation-*, Bundle-*) and the
 *    file name identify the archive;
 *  - nested archives (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, EAR modules, any `*.jar`
 *    inside) are read recursively up to `limits.maxArchiveDepth`, located as
 *    `outer.war!/WEB-INF/lib/inner.jar`;
 *  - the archive's own package carries the SHA-1 of the archive bytes, the digest Maven
 *    Central publishes and indexes (`.jar.sha1`), so it can be looked up there.
 *
 * The archive's own package depends-on what it embeds (the packages of other pom.properties
 * and of nested archives).
 */
import { createHash } from 'node:crypto';
import type { Relationship, Warning } from '../../../../formats/model/index.ts';
import { FileParseError, isSpdxExpression, type PackageInput, type ParseContext, type ParseResult } from '../../../generic/index.ts';
import { isCoordinate, licensesOf, mavenPackage } from '../maven.ts';
import { parsePom } from '../pom/model.ts';
import { Manifest, parseJavaProperties } from './meta.ts';
import { openZip, type OpenedZip, type ZipEntry, type ZipLimits } from './zip.ts';

/** Metadata files are small; anything bigger is not what we are looking for. */
const MAX_META_BYTES = 1024 * 1024;
/** Inflated bytes read per top-level archive, over all nested levels, as a multiple of maxArchiveEntryBytes. */
const TOTAL_BUDGET_FACTOR = 4;

const NESTED = /\.(jar|war|ear|jpi|hpi|sar|rar|par|kar|nar)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/([^/]+)\/([^/]+)\/pom\.properties$/;

interface State {
  readonly ctx: ParseContext;
  readonly packages: PackageInput[];
  readonly relationships: Relationship[];
  readonly warnings: Warning[];
  budget: number;
}

export async function parseJavaArchive(path: string, ctx: ParseContext): Promise<ParseResult> {
  const buf = await ctx.resolver.read(path);
  const state: State = { ctx, packages: [], relationships: [], warnings: [], budget: ctx.limits.maxArchiveEntryBytes * TOTAL_BUDGET_FACTOR };
  await catalogArchive(buf, path, 0, state, await siblingPom(path, ctx));
  return { packages: state.packages, relationships: state.relationships, warnings: state.warnings };
}

interface Identity {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  readonly licenses: readonly string[];
  readonly metadata: Record<string, string>;
}

/**
 * In a Maven repository layout (`~/.m2/repository/<g>/<a>/<v>/<a>-<v>.jar`) the `.pom` next
 * to the JAR names it exactly: used when the JAR itself carries no pom.properties.
 */
async function siblingPom(path: string, ctx: ParseContext): Promise<Identity | undefined> {
  const pomPath = path.replace(NESTED, '.pom');
  if (pomPath === path || !ctx.resolver.get(pomPath)) return undefined;
  try {
    const pom = parsePom(await ctx.readText(pomPath), pomPath);
    const groupId = pom.groupId ?? pom.parent?.groupId;
    const version = pom.version ?? pom.parent?.version ?? '';
    if (!isCoordinate(groupId) || !isCoordinate(pom.artifactId) || version.includes('${')) return undefined;
    return { groupId, artifactId: pom.artifactId, version, licenses: pom.licenses, metadata: { source: 'sibling .pom' } };
  } catch {
    return undefined;
  }
}

/** Catalog one archive; returns the purl of its own package, if it has one. */
async function catalogArchive(buf: Buffer, location: string, depth: number, state: State, hint?: Identity): Promise<string | undefined> {
  let zip: OpenedZip;
  try {
    zip = await openZip(buf);
  } catch (err) {
    const msg = `not a readable ZIP archive: ${(err as Error).message}`;
    if (depth === 0) throw new FileParseError(msg, undefined, err);
    state.warnings.push({ location: { path: location }, message: msg });
    return undefined;
  }
  try {
    return await catalogOpened(zip, buf, location, depth, state, hint);
  } finally {
    zip.close();
  }
}

async function catalogOpened(zip: OpenedZip, buf: Buffer, location: string, depth: number, state: State, hint: Identity | undefined): Promise<string | undefined> {
  const { ctx, warnings } = state;
  const limits: ZipLimits = { maxEntryBytes: ctx.limits.maxArchiveEntryBytes, maxRatio: ctx.limits.maxCompressionRatio };
  const metaLimits: ZipLimits = { ...limits, maxEntryBytes: Math.min(MAX_META_BYTES, limits.maxEntryBytes) };
  if (zip.truncated) warnings.push({ location: { path: location }, message: 'too many entries: the rest were not read' });
  const unsafe = zip.entries.filter((e) => e.unsafe).length;
  if (unsafe > 0) warnings.push({ location: { path: location }, message: `${unsafe} entries with unsafe names (absolute or '..') ignored` });

  const byName = new Map<string, ZipEntry>();
  for (const e of zip.entries) if (!e.unsafe && !byName.has(e.name)) byName.set(e.name, e);

  const readText = async (e: ZipEntry): Promise<string | undefined> => {
    try {
      return (await zip.read(e, metaLimits)).toString('utf8');
    } catch (err) {
      warnings.push({ location: { path: `${location}!/${e.name}` }, message: (err as Error).message });
      return undefined;
    }
  };

  // 1. pom.properties, each one package
  const found: Identity[] = [];
  for (const e of byName.values()) {
    const m = POM_PROPERTIES.exec(e.name);
    if (!m) continue;
    const text = await readText(e);
    if (text === undefined) continue;
    const props = parseJavaProperties(text);
    const groupId = props.get('groupId') ?? m[1]!;
    const artifactId = props.get('artifactId') ?? m[2]!;
    const version = props.get('version') ?? '';
    if (!isCoordinate(groupId) || !isCoordinate(artifactId)) {
      warnings.push({ location: { path: `${location}!/${e.name}` }, message: 'pom.properties without a usable groupId/artifactId, skipped' });
      continue;
    }
    let licenses: readonly string[] = [];
    const pomEntry = byName.get(e.name.replace(/pom\.properties$/, 'pom.xml'));
    const pomText = pomEntry ? await readText(pomEntry) : undefined;
    if (pomText !== undefined) {
      try {
        licenses = parsePom(pomText, pomEntry!.name).licenses;
      } catch {
        // a broken embedded pom.xml only costs us its licenses
      }
    }
    found.push({ groupId, artifactId, version: /\s/.test(version) ? '' : version, licenses, metadata: { source: 'pom.properties' } });
  }

  // 2. the archive's own identity
  const fileName = location.slice(Math.max(location.lastIndexOf('/'), location.lastIndexOf('!')) + 1);
  let own: Identity | undefined = found.length === 1 ? found[0] : found.find((f) => matchesFileName(f, fileName));
  if (!own && found.length === 0 && hint) own = hint;
  if (!own && found.length === 0) {
    const mf = byName.get('META-INF/MANIFEST.MF');
    const text = mf ? await readText(mf) : undefined;
    own = fromManifest(text === undefined ? undefined : new Manifest(text), fileName);
  }

  const sha1 = createHash('sha1').update(buf).digest('hex');
  const add = (id: Identity, isOwn: boolean): string => {
    const pkg = mavenPackage(id.groupId, id.artifactId, id.version, {
      licenses: licensesOf(id.licenses),
      locations: [{ path: location }],
      ...(isOwn ? { hashes: [{ alg: 'SHA-1' as const, value: sha1 }] } : {}),
      metadata: id.metadata,
    });
    state.packages.push(pkg);
    return pkg.purl;
  };
  const ownPurl = own ? add(own, true) : undefined;
  for (const f of found) {
    if (f === own) continue;
    const purl = add(f, false);
    if (ownPurl !== undefined && purl !== ownPurl) state.relationships.push({ from: ownPurl, to: purl, type: 'depends-on' });
  }

  // 3. nested archives
  for (const e of byName.values()) {
    if (e.name.endsWith('/') || !NESTED.test(e.name)) continue;
    const nestedLocation = `${location}!/${e.name}`;
    if (depth + 1 > ctx.limits.maxArchiveDepth) {
      warnings.push({ location: { path: nestedLocation }, message: `nested deeper than ${ctx.limits.maxArchiveDepth} archives: not read` });
      continue;
    }
    if (e.uncompressedSize <= limits.maxEntryBytes && e.uncompressedSize > state.budget) {
      warnings.push({ location: { path: nestedLocation }, message: 'over the bytes budget for one archive: not read' });
      continue;
    }
    let inner: Buffer;
    try {
      inner = await zip.read(e, limits);
    } catch (err) {
      warnings.push({ location: { path: nestedLocation }, message: (err as Error).message });
      continue;
    }
    state.budget -= inner.length;
    const purl = await catalogArchive(inner, nestedLocation, depth + 1, state);
    if (ownPurl !== undefined && purl !== undefined && purl !== ownPurl) state.relationships.push({ from: ownPurl, to: purl, type: 'depends-on' });
  }
  return ownPurl;
}

/** `commons-lang3-3.12.0.jar` is commons-lang3 3.12.0; a file named after the artifact alone also counts. */
function matchesFileName(id: Identity, fileName: string): boolean {
  const stem = fileName.replace(NESTED, '');
  return stem === `${id.artifactId}-${id.version}` || stem === id.artifactId || stem.startsWith(`${id.artifactId}-${id.version}-`);
}

/** `guava-31.1-jre.jar` → guava, 31.1-jre: the version starts at the first `-` followed by a digit. */
export function splitFileName(fileName: string): { name: string; version: string } {
  const stem = fileName.replace(NESTED, '');
  const m = /^(.+?)-(\d[^/]*)$/.exec(stem);
  return m ? { name: m[1]!, version: m[2]! } : { name: stem, version: '' };
}

/**
 * An archive without pom.properties. The artifactId comes from the file name (what Maven
 * names its output), the version from the manifest or the file name. The groupId is the
 * weak point: Implementation-Vendor-Id when set, else the OSGi Bundle-SymbolicName when it
 * reads `<groupId>.<artifactId>`, else the artifactId itself (syft's convention; metadata
 * says it was guessed).
 */
function fromManifest(mf: Manifest | undefined, fileName: string): Identity | undefined {
  const fromFile = splitFileName(fileName);
  const bsn = mf?.get('Bundle-SymbolicName')?.split(';')[0]?.trim();
  const artifactId = isCoordinate(fromFile.name) ? fromFile.name : (bsn?.split('.').pop() ?? '');
  if (!isCoordinate(artifactId)) return undefined;
  const version = mf?.get('Implementation-Version') ?? mf?.get('Bundle-Version') ?? mf?.get('Specification-Version') ?? fromFile.version;
  const metadata: Record<string, string> = { source: mf ? 'MANIFEST.MF' : 'file name' };
  let groupId = mf?.get('Implementation-Vendor-Id');
  if (!isCoordinate(groupId) && bsn !== undefined && bsn.endsWith(`.${artifactId}`)) groupId = bsn.slice(0, -artifactId.length - 1);
  if (!isCoordinate(groupId)) {
    groupId = artifactId;
    metadata['groupIdGuessed'] = 'true';
  }
  const title = mf?.get('Implementation-Title') ?? mf?.get('Bundle-Name');
  if (title !== undefined) metadata['title'] = title.slice(0, 256);
  return { groupId, artifactId, version: /\s/.test(version) ? '' : version, licenses: bundleLicenses(mf?.get('Bundle-License')), metadata };
}

/**
 * OSGi core §3.2.1.10: Bundle-License ::= '<<EXTERNAL>>' | license (',' license)*, license ::=
 * name (';' attr)*. Real manifests also write "Apache License, Version 2.0" there, so the
 * comma splits only when every piece is an SPDX id or a URL. URLs are not license names.
 */
function bundleLicenses(header: string | undefined): string[] {
  if (header === undefined) return [];
  const name = (l: string): string => l.split(';')[0]!.trim();
  const pieces = header.split(',').map(name);
  const list = pieces.every((p) => isSpdxExpression(p) || /^https?:/i.test(p)) ? pieces : [name(header)];
  return list.filter((l) => l !== '' && l !== '<<EXTERNAL>>' && !/^https?:/i.test(l));
}
