/**
 * NuGet packages → Vouch packages. purl-spec `types/nuget`: no namespace, the package ID as
 * written (NuGet IDs are case-insensitive; the spec keeps the case, and so do syft and trivy),
 * version as written.
 */
import type { Hash } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import type { PackageInput } from '../../generic/index.ts';

export function nugetPurl(name: string, version: string): string {
  return buildPurl({ type: 'nuget', name, version });
}

export function nugetPackage(name: string, version: string, extra: Partial<Omit<PackageInput, 'name' | 'version' | 'type' | 'purl'>> = {}): PackageInput {
  const { metadata, ...rest } = extra;
  return {
    name,
    version,
    type: 'nuget',
    purl: nugetPurl(name, version),
    ...rest,
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

/** A NuGet package ID: letters, digits, `.`, `_`, `-` (NuGet's PackageIdValidator), at most 100 characters. */
export function isNugetId(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= 100 && /^\w+(?:[.-]\w+)*$/.test(s);
}

/** A version as a lockfile writes it: no whitespace, no path characters. */
export function isNugetVersion(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= 128 && /^[0-9A-Za-z.+_-]+$/.test(s);
}

/**
 * A base64 SHA-512 (`contentHash` in packages.lock.json; `sha512-<base64>` in .deps.json, the
 * SRI form) as lower-case hex; undefined unless it decodes to exactly 64 bytes.
 */
export function sha512Hash(value: unknown): Hash | undefined {
  if (typeof value !== 'string') return undefined;
  const b64 = value.startsWith('sha512-') ? value.slice('sha512-'.length) : value;
  if (!/^[A-Za-z0-9+/]{86}==$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length === 64 ? { alg: 'SHA-512', value: bytes.toString('hex') } : undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
