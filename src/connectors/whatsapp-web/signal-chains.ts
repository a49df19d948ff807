/**
 * Old receiving chains of Signal sessions, pruned. libsignal-node (the `libsignal` package Baileys
 * uses) closes a receiving chain at every DH ratchet step — about once per round trip of messages —
 * but never deletes it, so a busy session's record grows without bound, and with it the work of
 * every encrypt and decrypt, which load, re-serialize and store the whole record (bench/soak: the
 * event-loop delay p99 climbed from about 25 ms to over 100 ms within 30 minutes). The reference
 * implementation keeps at most 5 receiver chains per session state (libsignal's
 * `SessionState.MAX_RECEIVER_CHAINS`); this does the same for the serialized record Baileys stores:
 *
 * - a closed receiving chain (no chain key) with no message keys left can decrypt nothing: dropped;
 * - of the closed receiving chains that still hold skipped message keys (for messages that may arrive
 *   late), the newest {@link KEPT_CLOSED_CHAINS} are kept;
 * - open chains (the current sending and receiving ones) are never touched.
 *
 * A message older than that still arrives: it fails to decrypt and is asked for again with a retry
 * receipt, as with any client that forgot the chain.
 */

/** Closed receiving chains with skipped message keys kept per session entry. */
export const KEPT_CLOSED_CHAINS = 5;

const RECEIVING = 2;

interface ChainLike {
  chainKey?: { key?: unknown };
  chainType?: number;
  messageKeys?: Record<string, unknown>;
}

/**
 * Prunes, in place, the closed receiving chains of every session entry of a serialized
 * `SessionRecord` (`{_sessions: {<base key>: {_chains: {…}}}}`); anything else is left as it is.
 * @returns how many chains were dropped. Never throws.
 */
export function pruneClosedChains(record: unknown): number {
  const sessions = (record as { _sessions?: unknown } | null)?._sessions;
  if (!sessions || typeof sessions !== "object") return 0;
  let dropped = 0;
  for (const entry of Object.values(sessions as Record<string, unknown>)) {
    const chains = (entry as { _chains?: unknown } | null)?._chains;
    if (!chains || typeof chains !== "object") continue;
    const closed: string[] = [];
    for (const [id, c] of Object.entries(chains as Record<string, ChainLike>)) {
      if (c?.chainType !== RECEIVING || c.chainKey?.key) continue;
      if (Object.keys(c.messageKeys ?? {}).length === 0) {
        delete (chains as Record<string, unknown>)[id];
        dropped++;
      } else {
        closed.push(id);
      }
    }
    // Chains are added in ratchet order: the first ones are the oldest.
    for (const id of closed.slice(0, Math.max(0, closed.length - KEPT_CLOSED_CHAINS))) {
      delete (chains as Record<string, unknown>)[id];
      dropped++;
    }
  }
  return dropped;
}
