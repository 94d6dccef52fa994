/**
 * Transparency-log formats (L1): RFC 6962 Merkle hashing and proofs, C2SP signed notes and
 * checkpoints, Rekor v1 entry kinds (canonical bodies, UUIDs), the log key (log ID, SET).
 */
export * from './merkle.ts';
export * from './note.ts';
export * from './logkey.ts';
export * from './entries.ts';
export * from './uuid.ts';
