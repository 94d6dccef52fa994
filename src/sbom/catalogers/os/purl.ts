/**
 * Distro-qualified package URLs for OS packages (purl-spec `types/deb-definition.json`,
 * `apk-definition.json`, `rpm-definition.json`):
 *
 *   pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12&upstream=glibc
 *   pkg:apk/alpine/busybox-binsh@1.36.0-r9?arch=x86_64&distro=alpine-3.18.0&upstream=busybox
 *   pkg:rpm/redhat/vim-minimal@8.0.1763-19.el8_6.4?arch=x86_64&distro=rhel-8.6&epoch=2&upstream=vim-8.0.1763-19.el8_6.4.src.rpm
 *
 * The namespace is the vendor: the distribution's os-release ID (`rhel` is written `redhat`,
 * the vendor name purl-spec's rpm examples and syft use). `distro` is `ID-VERSION_ID` (syft's
 * form); `upstream` names the source package where it differs from the binary one (syft's
 * qualifier, which grype matches on). Purl-spec requires a namespace for these types; when the
 * root filesystem names no distribution, the package manager's home distribution is used
 * (Debian for dpkg, Alpine for apk, Red Hat for rpm) and no `distro` qualifier is written.
 */
import type { Distro, PackageType } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';

const HOME: Readonly<Record<'deb' | 'apk' | 'rpm', string>> = { deb: 'debian', apk: 'alpine', rpm: 'redhat' };
const VENDOR_NAMES: Readonly<Record<string, string>> = { rhel: 'redhat' };

export type OsPackageType = Extract<PackageType, 'deb' | 'apk' | 'rpm'>;

/**
 * The distro a package database's purls are qualified with: the one identified, unless it
 * was only guessed from a busybox binary (a dpkg, apk or rpm database names its own family
 * better than that).
 */
export function usableDistro(distro: Distro | undefined): Distro | undefined {
  return distro === undefined || distro.id === 'busybox' ? undefined : distro;
}

export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro) return undefined;
  return distro.versionId === undefined ? distro.id : `${distro.id}-${distro.versionId}`;
}

export function osPurl(
  type: OsPackageType,
  distro: Distro | undefined,
  name: string,
  version: string,
  qualifiers: Readonly<Record<string, string | undefined>>,
): string {
  const d = usableDistro(distro);
  const namespace = d === undefined ? HOME[type] : (VENDOR_NAMES[d.id] ?? d.id);
  return buildPurl({ type, namespace, name, version, qualifiers: { ...qualifiers, distro: distroQualifier(d) } });
}
