import { compareDigits, compareStrings, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * NuGet: NuGet.Versioning's `VersionComparer.Default`
 * (https://learn.microsoft.com/en-us/nuget/concepts/package-versioning#normalized-version-numbers).
 *
 * Hand-written because no npm library agrees with NuGet (FIELD-NOTES: @snyk/nuget-semver gets
 * 12 of the 35 oracle lines wrong). Rules: up to four numeric parts, missing parts are 0 and
 * leading zeros are ignored (`1.0.01` = `1.0.1.0`); a release sorts after its prereleases;
 * prerelease labels compare as SemVer 2.0.0 §11 but case-insensitively; `+metadata` is ignored.
 * Numbers are unbounded here (NuGet caps them at int32; the oracle has wider ones).
 */
interface NuGetVersion {
  readonly parts: readonly string[];
  readonly pre: readonly string[];
}

const GRAMMAR = /^(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function parse(version: string): NuGetVersion | undefined {
  const m = GRAMMAR.exec(version.trim());
  if (!m?.[1]) return undefined;
  return { parts: m[1].split('.'), pre: m[2] === undefined ? [] : m[2].toLowerCase().split('.') };
}

const isNumeric = (s: string): boolean => /^\d+$/.test(s);

function comparePre(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // release > prerelease
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const nx = isNumeric(x);
    const ny = isNumeric(y);
    const d = nx && ny ? compareDigits(x, y) : nx ? -1 : ny ? 1 : compareStrings(x, y);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function compareParsed(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const d = compareDigits(a.parts[i] ?? '0', b.parts[i] ?? '0');
    if (d !== 0) return d;
  }
  return comparePre(a.pre, b.pre);
}

export const nugetScheme: VersionScheme = schemeFromParser('NuGet', parse, compareParsed);
