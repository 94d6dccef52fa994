/**
 * CBL-Mariner / Azure Linux distroless images carry no rpmdb, only
 * `var/lib/rpmmanifest/container-manifest-2`: one line per installed package, tab-separated,
 * as written by `rpm -qa --qf` in the image build (microsoft/azurelinux toolkit;
 * syft/pkg/cataloger/redhat/parse_rpm_manifest.go reads the same):
 *
 *   name  version-release  installtime  buildtime  vendor  epoch|(none)  size  arch  checksum  sourcerpm
 */
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../../generic/index.ts';
import { detectDistroAt, rootOf } from '../distro.ts';
import { rpmPackage } from './index.ts';

import { RPM_MANIFEST_DIR } from './globs.ts';

export { RPM_MANIFEST_DIR, RPM_MANIFEST_GLOBS } from './globs.ts';

export async function parseRpmManifest(path: string, ctx: ParseContext): Promise<ParseResult> {
  const text = await ctx.readText(path);
  if (text.includes('\0')) throw new FileParseError('binary data (NUL bytes) in an rpm manifest');
  const distro = await detectDistroAt(ctx.resolver, rootOf(path, RPM_MANIFEST_DIR));
  const packages: PackageInput[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.split('\t');
    if (f.length < 10) throw new FileParseError(`expected 10 tab-separated fields, found ${f.length}`, i + 1);
    const [name, vr, , , vendor, epochField, size, arch, , sourceRpm] = f as [string, string, string, string, string, string, string, string, string, string];
    const dash = vr.lastIndexOf('-');
    if (name === '' || dash <= 0 || dash === vr.length - 1) throw new FileParseError(`not a version-release: ${JSON.stringify(vr)}`, i + 1);
    if (epochField !== '(none)' && !/^\d+$/.test(epochField)) throw new FileParseError(`not an epoch: ${JSON.stringify(epochField)}`, i + 1);
    if (packages.length >= ctx.limits.maxPackagesPerFile) throw new FileParseError(`more than ${ctx.limits.maxPackagesPerFile} packages`, i + 1);
    const pkg = rpmPackage(
      {
        name,
        version: vr.slice(0, dash),
        release: vr.slice(dash + 1),
        epoch: epochField === '(none)' ? undefined : Number(epochField),
        arch: arch || undefined,
        vendor: vendor || undefined,
        sourceRpm: sourceRpm || undefined,
        size: /^\d+$/.test(size) ? Number(size) : undefined,
      },
      distro,
      path,
    );
    packages.push({ ...pkg, locations: [{ path, line: i + 1 }] });
  }
  return { packages };
}
