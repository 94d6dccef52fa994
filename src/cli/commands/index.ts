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
  { name: 'scan', summary: 'Find known vulnerabilities in a directory, file, image or SBOM (offline)', load: async () => (await import('./scan.ts')).scanCommand },
  { name: 'sign', summary: 'Sign a container image in a registry (cosign-compatible; by digest only)', load: async () => (await import('./sign.ts')).signCommand },
  { name: 'verify', summary: 'Verify the signatures of a container image (cosign layouts: referrers and .sig tags)', load: async () => (await import('./verify.ts')).verifyCommand },
  { name: 'attest', summary: 'Attest an image or file: an in-toto statement in DSSE, stored as cosign does', load: async () => (await import('./attest.ts')).attestCommand },
  { name: 'verify-attestation', summary: 'Verify the attestations of an image or file and print their predicates', load: async () => (await import('./verify-attestation.ts')).verifyAttestationCommand },
  { name: 'registry', summary: 'Maintain and administer a Vouch registry (gc, users, projects, robots, audit)', load: async () => (await import('./registry.ts')).registryCommand },
  { name: 'trust-root', summary: 'Write the trusted_root.json and signing_config.json of a Vouch CA and log', load: async () => (await import('./trust-root.ts')).trustRootCommand },
  { name: 'generate-key-pair', summary: 'Generate a cosign-compatible signing key pair (encrypted private key + public key)', load: async () => (await import('./generate-key-pair.ts')).generateKeyPairCommand },
  { name: 'import-key-pair', summary: 'Import a PEM private key (ECDSA, Ed25519, RSA) as a cosign-compatible key pair', load: async () => (await import('./import-key-pair.ts')).importKeyPairCommand },
  { name: 'sign-blob', summary: 'Sign a file with a key into a Sigstore bundle (cosign sign-blob)', load: async () => (await import('./sign-blob.ts')).signBlobCommand },
  { name: 'verify-blob', summary: 'Verify a file (or its sha256) against a Sigstore bundle (cosign verify-blob)', load: async () => (await import('./verify-blob.ts')).verifyBlobCommand },
  { name: 'attest-blob', summary: 'Attest a file: sign an in-toto statement (SBOM, provenance, VEX...) into a DSSE bundle', load: async () => (await import('./attest-blob.ts')).attestBlobCommand },
  { name: 'verify-blob-attestation', summary: 'Verify an in-toto attestation bundle for a file, optionally against a policy', load: async () => (await import('./verify-blob-attestation.ts')).verifyBlobAttestationCommand },
  { name: 'log', summary: 'Upload to, read from, verify and monitor a Rekor-compatible transparency log', load: async () => (await import('./log.ts')).logCommand },
];
