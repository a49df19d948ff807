/**
 * Old receiving chains of a Signal session are pruned when the record is stored (libsignal-node
 * closes them at each ratchet step and keeps them forever), on the serialized form Baileys stores.
 * That messages still flow both ways with pruned records is shown by the WhatsApp e2e tests and
 * bench/soak (72 000 messages each way, none lost).
 */
import { describe, expect, it } from "vitest";
import { KEPT_CLOSED_CHAINS, pruneClosedChains } from "../../../src/connectors/whatsapp-web/signal-chains.js";

const chain = (type: number, open: boolean, keys: number): Record<string, unknown> => ({
  chainKey: { counter: 1, ...(open ? { key: "a2V5" } : {}) },
  chainType: type,
  messageKeys: Object.fromEntries(Array.from({ length: keys }, (_, i) => [String(i), "bWs="])),
});

describe("pruneClosedChains", () => {
  it("drops closed receiving chains without keys, keeps the newest 5 with keys, never touches open or sending chains", () => {
    const _chains: Record<string, unknown> = { send: chain(1, true, 0), oldSend: chain(1, false, 0) };
    for (let i = 0; i < 10; i++) _chains[`empty-${i}`] = chain(2, false, 0);
    for (let i = 0; i < 8; i++) _chains[`skipped-${i}`] = chain(2, false, 2);
    _chains["current"] = chain(2, true, 0);
    const record = { _sessions: { base: { _chains } }, version: "v1" };
    expect(pruneClosedChains(record)).toBe(10 + 3);
    expect(Object.keys(_chains)).toEqual(["send", "oldSend", "skipped-3", "skipped-4", "skipped-5", "skipped-6", "skipped-7", "current"]);
    expect(Object.keys(_chains).filter((k) => k.startsWith("skipped"))).toHaveLength(KEPT_CLOSED_CHAINS);
    expect(pruneClosedChains(record)).toBe(0);
    expect(pruneClosedChains(null)).toBe(0);
    expect(pruneClosedChains({ _sessions: { x: null } })).toBe(0);
  });
});
