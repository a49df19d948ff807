/**
 * The primitives of the sandbox's Noise handshake and transport: Curve25519 key pairs and agreement,
 * XEdDSA signatures (for the certificate chain), HKDF-SHA256, SHA-256 and AES-256-GCM.
 *
 * Keys are raw: a public key is 32 bytes (no 0x05 "key type" prefix), a private key 32 bytes.
 * Curve operations go through `libsignal` (the package Baileys uses: `curve.calculateAgreement`,
 * `curve.calculateSignature`), so the signatures are the ones Baileys' `Curve.verify` checks
 * (rc14 lib/Utils/crypto.js). Everything else is node:crypto.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from "node:crypto";
import * as curve from "libsignal/src/curve.js";

export interface KeyPair {
  /** 32 bytes. */
  public: Uint8Array;
  /** 32 bytes. */
  private: Uint8Array;
}

/** The "key type" byte libsignal puts before a Curve25519 public key (Baileys' KEY_BUNDLE_TYPE). */
const DJB_TYPE = 5;

/** libsignal's curve functions insist on Buffers (a plain Uint8Array throws "Invalid … key type"). */
function buf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function withType(pub: Uint8Array): Buffer {
  if (pub.length === 33) return buf(pub);
  if (pub.length !== 32) throw new RangeError(`a Curve25519 public key has 32 bytes, got ${pub.length}`);
  const out = new Uint8Array(33);
  out[0] = DJB_TYPE;
  out.set(pub, 1);
  return buf(out);
}

/** A fresh Curve25519 key pair (public key without the type prefix). */
export function generateKeyPair(): KeyPair {
  const { pubKey, privKey } = curve.generateKeyPair();
  return { public: Uint8Array.from(pubKey.subarray(pubKey.length - 32)), private: Uint8Array.from(privKey) };
}

/** X25519 agreement: 32 bytes shared between `privateKey` and `publicKey` (32 or 33 bytes). */
export function sharedKey(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return Uint8Array.from(curve.calculateAgreement(withType(publicKey), buf(privateKey)));
}

/** XEdDSA signature (64 bytes) of `message` by the Curve25519 `privateKey`. */
export function sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return Uint8Array.from(curve.calculateSignature(buf(privateKey), buf(message)));
}

/** Whether `signature` is `publicKey`'s XEdDSA signature of `message` (false for malformed input). */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return curve.verifySignature(withType(publicKey), buf(message), buf(signature)) === true;
  } catch {
    return false;
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HKDF-SHA256 with an empty info string, `length` bytes (Baileys' `hkdf(data, 64, {salt, info: ''})`). */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, new Uint8Array(0), length));
}

/** AES-256-GCM; the output is ciphertext followed by the 16-byte tag. */
export function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(aad);
  const body = c.update(plaintext);
  const final = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(body.length + final.length + tag.length);
  out.set(body, 0);
  out.set(final, body.length);
  out.set(tag, body.length + final.length);
  return out;
}

/** AES-256-GCM decryption of ciphertext‖tag. Throws if the tag does not match. */
export function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array {
  if (data.length < 16) throw new RangeError("AES-GCM input shorter than its tag");
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(aad);
  d.setAuthTag(data.subarray(data.length - 16));
  const body = d.update(data.subarray(0, data.length - 16));
  const final = d.final();
  const out = new Uint8Array(body.length + final.length);
  out.set(body, 0);
  out.set(final, body.length);
  return out;
}

/** The 12-byte GCM nonce of message number `counter`: 8 zero bytes, then the counter big-endian. */
export function counterIv(counter: number): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, counter >>> 0);
  return iv;
}
