/**
 * The command table. Each entry names a command and loads its module only when it runs, so
 * `vouch sbom` never pays for the servers', signing or scanning libraries. One line per command:
 * add yours here.
 */
import type { Command } from '../command.ts';

export interface CommandEntry {
  readonly name: string;
  /** One line for `vouch --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'sbom', summary: 'Generate an SBOM (CycloneDX, SPDX, JSON) of a directory, file or container image', load: async () => (await import('./sbom.ts')).sbomCommand },
  { name: 'serve', summary: 'Run the Vouch services (registry, transparency log, CA) on one port', load: async () => (await import('./serve.ts')).serveCommand },
  { name: 'db', summary: 'Build and inspect the local OSV advisory database (offline)', load: async () => (await import('./db.ts')).dbCommand },
  { name: 'sign', summary: 'Sign a container image in a registry (cosign-compatible; by digest only)', load: async () => (await import('./sign.ts')).signCommand },
  { name: 'verify', summary: 'Verify the signatures of a container image (cosign layouts: referrers and .sig tags)', load: async () => (await import('./verify.ts')).verifyCommand },
  { name: 'attest', summary: 'Attest an image or file: an in-toto statement in DSSE, stored as cosign does', load: async () => (await import('./attest.ts')).attestCommand },
  { name: 'verify-attestation', summary: 'Verify the attestations of an image or file and print their predicates', load: async () => (await import('./verify-attestation.ts')).verifyAttestationCommand },
  { name: 'registry', summary: 'Maintain and administer a Vouch registry (gc, users, projects, robots, audit)', load: async () => (await import('./registry.ts')).registryCommand },
  { name: 'trust-root', summary: 'Write the trusted_root.json and signing_config.json of a Vouch CA and log', load: async () => (await import('./trust-root.ts')).trustRootCommand },
];
