/** Worker thread: check and canonicalize proposed entries off the event loop (see verify-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { canonicalizeProposedEntry, EntryError } from '../../formats/tlog/index.ts';

parentPort?.on('message', (msg: { id: number; proposed: unknown }) => {
  try {
    const e = canonicalizeProposedEntry(msg.proposed);
    parentPort!.postMessage({ id: msg.id, ok: { kind: e.kind, apiVersion: e.apiVersion, body: e.body, indexKeys: e.indexKeys } });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err), entryError: err instanceof EntryError });
  }
});
