/**
 * Rekor entry UUIDs: the hex Merkle leaf hash (64 digits); the "entry UUID" the API hands out
 * prefixes it with the 16-hex-digit tree ID (Rekor's sharding, `pkg/sharding`).
 */
export function entryUuid(treeId: string, leafHashHex: string): string {
  return `${treeId}${leafHashHex}`;
}

/** The leaf-hash part of a 64- or 80-hex-digit UUID, or undefined. */
export function uuidLeafHash(uuid: string): string | undefined {
  if (/^[0-9a-f]{64}$/.test(uuid)) return uuid;
  if (/^[0-9a-f]{80}$/.test(uuid)) return uuid.slice(16);
  return undefined;
}

/** A tree ID as Rekor writes it: 16 hex digits. */
export function treeIdHex(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}
