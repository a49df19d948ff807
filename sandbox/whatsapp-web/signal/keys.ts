/**
 * Curve25519 keys as WhatsApp moves them, and as libsignal wants them.
 *
 * Protocol facts (Baileys rc14 lib/Utils/crypto.js `Curve`, `generateSignalPubKey`, `signedKeyPair`;
 * lib/Defaults KEY_BUNDLE_TYPE):
 * - On the wire (binary nodes, pairing data) a public key is 32 raw bytes. libsignal works with
 *   33 bytes: the "DJB" key type byte 0x05 followed by the 32 bytes. The same 0x05 is sent as the
 *   `<type>` child of key nodes (KEY_BUNDLE_TYPE).
 * - A signed prekey's signature is the identity key's XEdDSA signature (64 bytes) of the
 *   **33-byte** (0x05-prefixed) signed prekey public key.
 * - Prekey and signed prekey ids are 24-bit (3 bytes big-endian on the wire); a registration id is
 *   14 bits (`random16 & 0x3fff`) sent as 4 bytes big-endian.
 *
 * Private keys are 32 bytes (libsignal's clamped X25519 scalar).
 */
import { randomBytes } from "node:crypto";
import * as curve from "libsignal/src/curve.js";

/** libsignal's key type byte before a Curve25519 public key ("DJB"); also the `<type>` content. */
export const KEY_TYPE_DJB = 5;

export interface KeyPair {
  /** 32 bytes, no type prefix. */
  public: Uint8Array;
  /** 32 bytes. */
  private: Uint8Array;
}

export interface SignedPreKey {
  /** 24-bit id. */
  keyId: number;
  keyPair: KeyPair;
  /** 64 bytes: XEdDSA signature by the identity key of `0x05 || keyPair.public`. */
  signature: Uint8Array;
}

export interface PreKey {
  /** 24-bit id. */
  keyId: number;
  keyPair: KeyPair;
}

/** A Node Buffer view of `bytes` (libsignal rejects plain Uint8Arrays). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** 33-byte libsignal form of a public key given as 32 (wire) or 33 bytes; RangeError otherwise. */
export function toSignalKey(pub: Uint8Array): Buffer {
  if (pub.length === 33 && pub[0] === KEY_TYPE_DJB) return toBuffer(pub);
  if (pub.length !== 32) throw new RangeError(`a Curve25519 public key has 32 bytes (or 33 with 0x05), got ${pub.length}`);
  const out = Buffer.alloc(33);
  out[0] = KEY_TYPE_DJB;
  out.set(pub, 1);
  return out;
}

/** 32-byte wire form of a public key given as 32 or 33 (0x05-prefixed) bytes; RangeError otherwise. */
export function toWireKey(pub: Uint8Array): Uint8Array {
  if (pub.length === 32) return Uint8Array.from(pub);
  if (pub.length === 33 && pub[0] === KEY_TYPE_DJB) return Uint8Array.from(pub.subarray(1));
  throw new RangeError(`not a Curve25519 public key: ${pub.length} bytes`);
}

export function generateKeyPair(): KeyPair {
  const { pubKey, privKey } = curve.generateKeyPair();
  return { public: toWireKey(pubKey), private: Uint8Array.from(privKey) };
}

/** A new signed prekey with id `keyId`, signed by `identity` (see the module comment). */
export function generateSignedPreKey(identity: KeyPair, keyId: number): SignedPreKey {
  assertKeyId(keyId);
  const keyPair = generateKeyPair();
  const signature = Uint8Array.from(curve.calculateSignature(toBuffer(identity.private), toSignalKey(keyPair.public)));
  return { keyId, keyPair, signature };
}

/** Whether `signature` is `identityKey`'s signature of the signed prekey `publicKey` (32 or 33 bytes each). */
export function verifySignedPreKey(identityKey: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean {
  try {
    return curve.verifySignature(toSignalKey(identityKey), toSignalKey(publicKey), toBuffer(signature)) === true;
  } catch {
    return false;
  }
}

/** A random 14-bit registration id, 1..16383 (0 is avoided: libsignal treats it as absent). */
export function generateRegistrationId(): number {
  return (randomBytes(2).readUInt16BE(0) & 0x3fff) || 1;
}

/** RangeError unless `id` is a 24-bit unsigned integer (the wire width of key ids). */
export function assertKeyId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffff) throw new RangeError(`a key id is a 24-bit unsigned integer, got ${id}`);
}
