/**
 * A Signal device simulated by the sandbox (a contact's phone or companion, or the account's own
 * phone): its identity, registration id, signed and one-time prekeys, its sessions, and 1:1
 * message encryption to / decryption from other devices (a client's linked device).
 *
 * Message layer (Baileys rc14 lib/Socket/messages-send.js `createParticipantNodes`, lib/Utils/
 * decode-wa-message.js `decryptMessageNode`, lib/Signal/libsignal.js `encryptMessage` /
 * `decryptMessage`):
 * - plaintext = `Message` protobuf + random 1..16-byte padding (./padding.ts);
 * - libsignal `SessionCipher.encrypt` gives type 3 (PreKeyWhisperMessage: version byte 0x33 +
 *   protobuf, carrying our identity, registration id, base key, signed prekey id and the optional
 *   one-time prekey id) while the session is unacknowledged, i.e. until the first message *from*
 *   the peer on it decrypts; then type 1 (WhisperMessage). These are `<enc v="2" type="pkmsg">` and
 *   `type="msg"`; the `<enc>` content is the ciphertext bytes as returned.
 * - A client that sends `pkmsg` adds `<device-identity>` to the stanza; the sandbox does not need it
 *   to decrypt.
 * Group `skmsg` (sender keys) is not handled here.
 */
import { ProtocolAddress, SessionBuilder, SessionCipher } from "libsignal";
import { proto, type Message } from "../proto/index.js";
import { signalAddress } from "./address.js";
import { type PreKeyBundle, toLibsignalBundle } from "./bundle.js";
import { SignalDecryptError, type SignalDecryptReason, SignalNoSessionError } from "./errors.js";
import {
  type KeyPair,
  type PreKey,
  type SignedPreKey,
  assertKeyId,
  generateKeyPair,
  generateRegistrationId,
  generateSignedPreKey,
} from "./keys.js";
import { padRandomMax16, unpadRandomMax16 } from "./padding.js";
import { MemorySignalStore } from "./store.js";

/** `<enc>` type attribute of 1:1 messages. */
export type EncType = "pkmsg" | "msg";

/** What goes into (or comes out of) `<enc v="2" type=…>`: the type attribute and the content bytes. */
export interface EncPayload {
  type: EncType;
  ciphertext: Uint8Array;
}

export interface SignalDeviceOptions {
  /** Default: random 14-bit. */
  registrationId?: number;
  /** Default: fresh. */
  identityKeyPair?: KeyPair;
  /** Id of the first signed prekey; default 1 (Baileys' initAuthCreds uses 1 too). */
  signedPreKeyId?: number;
  /** One-time prekeys generated up front; default 10. */
  preKeyCount?: number;
  /** Id of the first one-time prekey; default 1. */
  firstPreKeyId?: number;
}

export class SignalDevice {
  readonly registrationId: number;
  readonly identityKeyPair: KeyPair;
  readonly store: MemorySignalStore;
  private signed: SignedPreKey;
  /** One-time prekeys not yet handed out in a bundle, oldest first. */
  private readonly unissued: PreKey[] = [];
  private nextPreKeyId: number;

  constructor(options: SignalDeviceOptions = {}) {
    this.registrationId = options.registrationId ?? generateRegistrationId();
    this.identityKeyPair = options.identityKeyPair ?? generateKeyPair();
    this.store = new MemorySignalStore(this.identityKeyPair, this.registrationId);
    this.signed = generateSignedPreKey(this.identityKeyPair, options.signedPreKeyId ?? 1);
    this.store.addSignedPreKey(this.signed);
    this.nextPreKeyId = options.firstPreKeyId ?? 1;
    assertKeyId(this.nextPreKeyId);
    this.generatePreKeys(options.preKeyCount ?? 10);
  }

  /** 32-byte identity public key. */
  get identityKey(): Uint8Array {
    return this.identityKeyPair.public;
  }

  get signedPreKey(): SignedPreKey {
    return this.signed;
  }

  /** How many one-time prekeys could still be handed out. */
  get availablePreKeys(): number {
    return this.unissued.length;
  }

  /** Adds `count` one-time prekeys with consecutive ids (wrapping from 0xffffff to 1). */
  generatePreKeys(count: number): PreKey[] {
    const made: PreKey[] = [];
    for (let i = 0; i < count; i++) {
      const key: PreKey = { keyId: this.nextPreKeyId, keyPair: generateKeyPair() };
      this.nextPreKeyId = this.nextPreKeyId >= 0xffffff ? 1 : this.nextPreKeyId + 1;
      this.store.addPreKey(key);
      this.unissued.push(key);
      made.push(key);
    }
    return made;
  }

  /** A new signed prekey (id + 1); the old one stays usable for pkmsgs already under way. */
  rotateSignedPreKey(): SignedPreKey {
    this.signed = generateSignedPreKey(this.identityKeyPair, (this.signed.keyId + 1) & 0xffffff);
    this.store.addSignedPreKey(this.signed);
    return this.signed;
  }

  /**
   * This device's bundle for one key fetch: the current signed prekey and the oldest one-time
   * prekey not yet handed out (which is thereby used up, as on the WhatsApp server); without
   * `preKey` when none is left.
   */
  takeBundle(): PreKeyBundle {
    const preKey = this.unissued.shift();
    return {
      registrationId: this.registrationId,
      identityKey: this.identityKey,
      signedPreKey: {
        keyId: this.signed.keyId,
        publicKey: this.signed.keyPair.public,
        signature: this.signed.signature,
      },
      ...(preKey ? { preKey: { keyId: preKey.keyId, publicKey: preKey.keyPair.public } } : {}),
    };
  }

  /** Whether there is an open session with the device `peerJid` (e.g. "1555…:2@s.whatsapp.net"). */
  hasSession(peerJid: string): boolean {
    return this.store.hasSession(signalAddress(peerJid));
  }

  /** Forgets the session with `peerJid` (the next encrypt needs a bundle again). */
  deleteSession(peerJid: string): void {
    this.store.deleteSession(signalAddress(peerJid));
  }

  /**
   * Starts an outgoing session with `peerJid` from its bundle (replacing an open one); the next
   * `encrypt` to it gives a `pkmsg`. libsignal 6.0.0 does not check the signed prekey signature
   * here (`verifySignature(…, isInit=true)` returns true); check bundles at upload (./nodes.ts).
   */
  async startSession(peerJid: string, bundle: PreKeyBundle): Promise<void> {
    const address = this.protocolAddress(peerJid);
    await new SessionBuilder(this.store, address).initOutgoing(toLibsignalBundle(bundle));
  }

  /**
   * Encrypts `message` for `peerJid`: pads, then Signal-encrypts on the open session, first
   * starting one from `bundle` when there is none (SignalNoSessionError without a bundle).
   */
  async encrypt(peerJid: string, message: Message, bundle?: PreKeyBundle): Promise<EncPayload> {
    return this.encryptBytes(peerJid, padRandomMax16(proto.Message.encode(message)), bundle);
  }

  /** `encrypt` for already padded plaintext bytes (tests of the padding rules, raw payloads). */
  async encryptBytes(peerJid: string, plaintext: Uint8Array, bundle?: PreKeyBundle): Promise<EncPayload> {
    const address = signalAddress(peerJid);
    if (!this.store.hasSession(address)) {
      if (!bundle) throw new SignalNoSessionError(address);
      await this.startSession(peerJid, bundle);
    }
    const cipher = new SessionCipher(this.store, this.protocolAddress(peerJid));
    const { type, body } = await cipher.encrypt(Buffer.from(plaintext));
    // The .d.ts says `body: string`; libsignal 6.0.0 returns a Buffer (Baileys: Buffer.from(body, 'binary')).
    const bytes = typeof body === "string" ? Buffer.from(body, "binary") : (body as Uint8Array);
    return { type: type === 3 ? "pkmsg" : "msg", ciphertext: Uint8Array.from(bytes) };
  }

  /**
   * Decrypts an `<enc type="pkmsg"|"msg">` payload from `peerJid` into its `Message` (a pkmsg
   * first builds the incoming session and uses up the one-time prekey it names). Every failure is a
   * SignalDecryptError; a failed decrypt leaves sessions and prekeys unchanged.
   */
  async decrypt(peerJid: string, payload: EncPayload): Promise<Message> {
    const padded = await this.decryptBytes(peerJid, payload);
    let unpadded: Uint8Array;
    try {
      unpadded = unpadRandomMax16(padded);
    } catch (cause) {
      throw new SignalDecryptError("padding", (cause as Error).message, { cause });
    }
    try {
      return proto.Message.decode(unpadded);
    } catch (cause) {
      throw new SignalDecryptError("proto", (cause as Error).message, { cause });
    }
  }

  /** `decrypt` without unpadding and protobuf decoding: the padded plaintext. */
  async decryptBytes(peerJid: string, payload: EncPayload): Promise<Uint8Array> {
    if (payload.type !== "pkmsg" && payload.type !== "msg") {
      throw new SignalDecryptError("malformed", `unsupported enc type ${String(payload.type)} (skmsg is not handled here)`);
    }
    const cipher = new SessionCipher(this.store, this.protocolAddress(peerJid));
    const data = Buffer.from(payload.ciphertext);
    try {
      const plain = payload.type === "pkmsg" ? await cipher.decryptPreKeyWhisperMessage(data) : await cipher.decryptWhisperMessage(data);
      return Uint8Array.from(plain);
    } catch (cause) {
      const [reason, message] = classify(cause);
      throw new SignalDecryptError(reason, message, { cause });
    }
  }

  private protocolAddress(peerJid: string): ProtocolAddress {
    const address = signalAddress(peerJid);
    const dot = address.lastIndexOf(".");
    return new ProtocolAddress(address.slice(0, dot), Number(address.slice(dot + 1)));
  }
}

/** Maps libsignal 6.0.0's errors (src/errors.js, src/session_cipher.js, src/crypto.js) to reasons. */
function classify(error: unknown): [SignalDecryptReason, string] {
  const e = error as { name?: string; message?: string };
  const message = e?.message ?? String(error);
  switch (e?.name) {
    case "MessageCounterError":
      return ["duplicate", message];
    case "PreKeyError":
      return ["prekey", message];
    case "UntrustedIdentityKeyError":
      return ["untrusted", message];
    case "SessionError":
      if (/No session/i.test(message)) return ["no-session", message];
      // "No matching sessions found for message": every session's MAC check failed.
      if (/No matching sessions/i.test(message)) return ["bad-mac", message];
      return ["malformed", message];
  }
  if (/Bad MAC/i.test(message)) return ["bad-mac", message];
  return ["malformed", message];
}
