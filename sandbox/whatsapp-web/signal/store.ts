/**
 * The in-memory key and session store one sandbox Signal device hands to libsignal (its
 * `SignalStorage` interface, node_modules/libsignal/index.d.ts; how Baileys fills the same role:
 * rc14 lib/Signal/libsignal.js `signalStorage`).
 *
 * Contracts libsignal relies on:
 * - sessions are keyed by the address string `name.deviceId` (see ./address.ts) and stored as a
 *   serialized copy: a failed decrypt mutates the loaded record but never stores it, so a corrupt
 *   message leaves the session as it was;
 * - `loadPreKey(id)` returns undefined for an unknown or already used one-time prekey (libsignal
 *   then fails with PreKeyError), `removePreKey(id)` is called once a pkmsg used it;
 * - `loadSignedPreKey(id)` returns the signed prekey with that id (Baileys ignores the id and
 *   returns its only one; the sandbox keeps every signed prekey it generated, so a pkmsg built
 *   from a bundle fetched before a rotation still decrypts);
 * - `isTrustedIdentity` always answers true: trust on first use and accept changes, as WhatsApp
 *   Web and Baileys do (libsignal calls it with inconsistent identifiers: `user` for
 *   encrypt/decrypt, `user.device` for incoming sessions).
 */
import { SessionRecord, type SignalStorage } from "libsignal";
import { type KeyPair, type PreKey, type SignedPreKey, toBuffer, toSignalKey } from "./keys.js";

type LibKeyPair = { privKey: Buffer; pubKey: Buffer };

function libKeyPair(pair: KeyPair): LibKeyPair {
  return { privKey: Buffer.from(pair.private), pubKey: toSignalKey(pair.public) };
}

export class MemorySignalStore implements SignalStorage {
  /** address ("name.device") → JSON of SessionRecord.serialize(). */
  private readonly sessions = new Map<string, string>();
  private readonly preKeys = new Map<number, PreKey>();
  private readonly signedPreKeys = new Map<number, SignedPreKey>();

  constructor(
    private readonly identity: KeyPair,
    private readonly registrationId: number,
  ) {}

  // ------------------------------------------------------------------ our keys (sandbox API)

  addPreKey(preKey: PreKey): void {
    this.preKeys.set(preKey.keyId, preKey);
  }

  hasPreKey(id: number): boolean {
    return this.preKeys.has(id);
  }

  addSignedPreKey(key: SignedPreKey): void {
    this.signedPreKeys.set(key.keyId, key);
  }

  hasSession(address: string): boolean {
    const json = this.sessions.get(address);
    return json !== undefined && SessionRecord.deserialize(JSON.parse(json)).haveOpenSession();
  }

  deleteSession(address: string): void {
    this.sessions.delete(address);
  }

  // ------------------------------------------------------------------ SignalStorage (libsignal)

  async loadSession(id: string): Promise<SessionRecord | undefined> {
    const json = this.sessions.get(id);
    return json === undefined ? undefined : SessionRecord.deserialize(JSON.parse(json));
  }

  async storeSession(id: string, session: SessionRecord): Promise<void> {
    forgetOldChains(session);
    this.sessions.set(id, JSON.stringify(session.serialize()));
  }

  isTrustedIdentity(): boolean {
    return true;
  }

  async loadPreKey(id: number | string): Promise<LibKeyPair | undefined> {
    const key = this.preKeys.get(Number(id));
    return key && libKeyPair(key.keyPair);
  }

  removePreKey(id: number): void {
    this.preKeys.delete(Number(id));
  }

  loadSignedPreKey(id?: number): LibKeyPair {
    const key = this.signedPreKeys.get(Number(id));
    // libsignal throws PreKeyError("Missing SignedPreKey") on a falsy answer; the .d.ts says non-null.
    return (key ? libKeyPair(key.keyPair) : undefined) as LibKeyPair;
  }

  getOurRegistrationId(): number {
    return this.registrationId;
  }

  getOurIdentity(): LibKeyPair {
    return { privKey: toBuffer(Uint8Array.from(this.identity.private)), pubKey: toSignalKey(this.identity.public) };
  }
}

/** Receiver chains a WhatsApp client keeps per session state (libsignal's `MAX_RECEIVER_CHAINS`). */
const RECEIVER_CHAINS = 5;

/**
 * Drops, in place, the receiving chains a real client no longer keeps: libsignal-node closes one at
 * every ratchet step and never deletes it, while the reference implementation keeps the newest
 * {@link RECEIVER_CHAINS}. A closed chain without message keys decrypts nothing and goes first.
 */
function forgetOldChains(record: SessionRecord): void {
  type Chain = { chainType: number; chainKey: { key?: unknown }; messageKeys: Record<string, unknown> };
  for (const entry of Object.values((record as unknown as { sessions: Record<string, { _chains: Record<string, Chain> }> }).sessions)) {
    const closed = Object.keys(entry._chains).filter((k) => entry._chains[k]!.chainType === 2 && !entry._chains[k]!.chainKey.key);
    const spent = closed.filter((k) => Object.keys(entry._chains[k]!.messageKeys).length === 0);
    const holding = closed.filter((k) => !spent.includes(k));
    for (const k of [...spent, ...holding.slice(0, Math.max(0, holding.length - RECEIVER_CHAINS))]) delete entry._chains[k];
  }
}
