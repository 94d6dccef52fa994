/**
 * Gradle dependency locking (https://docs.gradle.org/current/userguide/dependency_locking.html)
 * and dependency verification metadata
 * (https://docs.gradle.org/current/userguide/dependency_verification.html).
 *
 * Lockfiles are line-oriented text (hand-parsed: there is no grammar beyond the doc):
 *   gradle.lockfile                  `group:artifact:version=conf1,conf2`, plus `empty=conf,...`
 *   buildscript-gradle.lockfile      the same, for the build script's own classpath
 *   settings-gradle.lockfile         the same, for settings plugins
 *   gradle/dependency-locks/<conf>.lockfile   (Gradle < 7) `group:artifact:version`, one
 *                                    configuration per file, named by the file
 *
 * Scope: a dependency locked only in test configurations (`test…`, `…Test…`, e.g.
 * testRuntimeClasspath, integrationTestCompileClasspath, androidTestImplementation) is dev,
 * as trivy does. Everything in a buildscript/settings lockfile is build tooling, so dev too
 * (trivy has no such file; `classpath` inside gradle.lockfile stays required as in trivy).
 */
import type { Hash, HashAlgorithm, Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { isCoordinate, mavenPackage } from './maven.ts';
import { attr, child, children, parseXml } from './xml.ts';

/** Lines warned about one by one before the rest are only counted. */
const MAX_LINE_WARNINGS = 10;

/** testCompileClasspath, debugUnitTestRuntimeClasspath, testFixturesApi, androidTestImplementation... */
export function isTestConfiguration(conf: string): boolean {
  return /^test(?![a-z])|Test(?![a-z])/.test(conf);
}

export async function parseGradleLockfile(path: string, ctx: ParseContext): Promise<ParseResult> {
  const text = await ctx.readText(path);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const buildTooling = base !== 'gradle.lockfile' && base.endsWith('-gradle.lockfile');
  // Legacy per-configuration file: the configuration is the file name.
  const legacyConf = base.endsWith('.lockfile') && !base.endsWith('gradle.lockfile') ? base.slice(0, -'.lockfile'.length) : undefined;

  const packages = new Map<string, PackageInput>();
  const warnings: Warning[] = [];
  let bad = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const coords = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (coords === 'empty') continue; // `empty=conf,...`: configurations that resolved nothing
    const confs =
      eq < 0
        ? legacyConf !== undefined
          ? [legacyConf]
          : []
        : line
            .slice(eq + 1)
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== '');
    const parts = coords.split(':');
    const [group, artifact, version] = parts;
    if (parts.length !== 3 || !isCoordinate(group) || !isCoordinate(artifact) || !version || /\s/.test(version)) {
      if (++bad <= MAX_LINE_WARNINGS) warnings.push({ location: { path, line: i + 1 }, message: `not a group:artifact:version line, skipped: ${line.slice(0, 80)}` });
      continue;
    }
    const dev = buildTooling || (confs.length > 0 && confs.every(isTestConfiguration));
    const scope: Scope = dev ? 'dev' : 'required';
    const key = coords;
    const prev = packages.get(key);
    const allConfs = [...new Set([...(prev?.metadata?.['configurations']?.split(',') ?? []), ...confs])];
    const mergedScope: Scope = prev?.scope === 'required' ? 'required' : scope;
    packages.set(
      key,
      mavenPackage(group, artifact, version, {
        scope: mergedScope,
        locations: [{ path, line: prev?.locations?.[0]?.line ?? i + 1 }],
        metadata: allConfs.length > 0 ? { configurations: allConfs.join(',') } : {},
      }),
    );
  }
  if (bad > MAX_LINE_WARNINGS) warnings.push({ location: { path }, message: `${bad - MAX_LINE_WARNINGS} more malformed lines skipped` });
  return { packages: [...packages.values()], warnings };
}

const CHECKSUMS: readonly [string, HashAlgorithm, number][] = [
  ['sha512', 'SHA-512', 128],
  ['sha256', 'SHA-256', 64],
  ['sha1', 'SHA-1', 40],
  ['md5', 'MD5', 32],
];

/**
 * gradle/verification-metadata.xml: every component Gradle verified, with checksums of its
 * files. The checksums of `<name>-<version>.jar` are the package's own; those of the .pom or
 * .module files are not, and are left out.
 */
export async function parseGradleVerificationMetadata(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseXml(await ctx.readText(path), new Set(['component', 'artifact', 'sha1', 'sha256', 'sha512', 'md5']), true);
  const root = doc.root['verification-metadata'];
  if (root === undefined) throw new FileParseError('not a Gradle verification-metadata document');
  const packages = new Map<string, PackageInput>();
  const warnings: Warning[] = [];
  for (const c of children(child(root, 'components'), 'component')) {
    const group = attr(c, 'group')?.trim();
    const name = attr(c, 'name')?.trim();
    const version = attr(c, 'version')?.trim() ?? '';
    const line = doc.lineOf(c);
    if (!isCoordinate(group) || !isCoordinate(name)) {
      warnings.push({ location: line === undefined ? { path } : { path, line }, message: 'component without group or name, skipped' });
      continue;
    }
    const hashes: Hash[] = [];
    const jar = children(c, 'artifact').find((a) => attr(a, 'name') === `${name}-${version}.jar`);
    for (const [tag, alg, len] of CHECKSUMS) {
      for (const h of children(jar, tag)) {
        const value = attr(h, 'value')?.trim().toLowerCase();
        if (value !== undefined && value.length === len && /^[0-9a-f]+$/.test(value)) hashes.push({ alg, value });
      }
    }
    const key = `${group}:${name}:${version}`;
    if (packages.has(key)) continue;
    packages.set(key, mavenPackage(group, name, version, { hashes, locations: [line === undefined ? { path } : { path, line }] }));
  }
  return { packages: [...packages.values()], warnings };
}
