/**
 * A device's prekey bundle: what a sender needs to start a Signal session with it (X3DH), as the
 * server hands it out in a key fetch result (`<user jid>` of ./nodes.ts) and as a companion's
 * pairing data carries it (without a one-time prekey).
 *
 * All keys here are in wire form: 32-byte public keys without the 0x05 type byte (./keys.ts).
 */
import type { SessionBuilder } from "libsignal";
import { toSignalKey, toBuffer } from "./keys.js";

export interface PreKeyBundle {
  /** 14-bit registration id of the device (4 bytes big-endian on the wire). */
  registrationId: number;
  /** 32-byte identity public key. */
  identityKey: Uint8Array;
  signedPreKey: {
    /** 24-bit id. */
    keyId: number;
    /** 32 bytes. */
    publicKey: Uint8Array;
    /** 64 bytes, by the identity key over `0x05 || publicKey`. */
    signature: Uint8Array;
  };
  /**
   * One one-time prekey (24-bit id, 32-byte key), handed out once. Absent when the device has none
   * left or (pairing data) never sent any: the session is then built from the signed prekey alone
   * and the first `pkmsg` carries no preKeyId.
   */
  preKey?: { keyId: number; publicKey: Uint8Array };
}

/** The bundle in libsignal's `SessionBuilder.initOutgoing` form (33-byte keys, Buffers). */
export function toLibsignalBundle(bundle: PreKeyBundle): Parameters<SessionBuilder["initOutgoing"]>[0] {
  const session = {
    registrationId: bundle.registrationId,
    identityKey: toSignalKey(bundle.identityKey),
    signedPreKey: {
      keyId: bundle.signedPreKey.keyId,
      publicKey: toSignalKey(bundle.signedPreKey.publicKey),
      signature: toBuffer(bundle.signedPreKey.signature),
    },
    ...(bundle.preKey ? { preKey: { keyId: bundle.preKey.keyId, publicKey: toSignalKey(bundle.preKey.publicKey) } } : {}),
  };
  // libsignal's runtime accepts an absent preKey (`device.preKey && …`); its .d.ts marks it required.
  return session as Parameters<SessionBuilder["initOutgoing"]>[0];
}
