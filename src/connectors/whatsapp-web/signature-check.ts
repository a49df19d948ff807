import { Curve } from "baileys";
import * as curve from "libsignal/src/curve.js";

/**
 * Makes Baileys' signature check mean what it says. Baileys 7.0.0-rc14's `Curve.verify`
 * (lib/Utils/crypto.js) calls libsignal's `verifySignature` and answers `true` unless it *throws* —
 * but libsignal 6.0.0 answers a bad signature with `false` and throws only for malformed input, so
 * every well-formed signature passed. Two checks rest on it: the server's Noise certificate chain
 * (lib/Utils/noise-handler.js: leaf signed by the intermediate, intermediate signed by
 * `WA_CERT_DETAILS.PUBLIC_KEY`), and the account signature of the device identity at pairing
 * (lib/Utils/validate-connection.js). With the check broken, any server — not only WhatsApp or a
 * sandbox whose root key was trusted — could complete the handshake and take the login.
 *
 * This replaces `Curve.verify` on Baileys' exported `Curve` object (which both modules read at call
 * time) with one that returns libsignal's boolean, and `false` for malformed input. Process-wide and
 * idempotent, like the libsignal console filter; installed when a WhatsApp Web connector is built.
 * Never throws.
 */
export function installSignatureCheck(): void {
  if (Curve.verify === verify) return;
  Curve.verify = verify;
}

/** Whether `signature` (64 bytes) over `message` verifies under the Curve25519 key `publicKey` (32 bytes, or 33 with the 0x05 type byte). */
function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return curve.verifySignature(withType(publicKey), toBuffer(message), toBuffer(signature)) === true;
  } catch {
    return false;
  }
}

/** libsignal insists on Buffers. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The 33-byte form libsignal expects (0x05 type byte first). */
function withType(publicKey: Uint8Array): Buffer {
  return publicKey.length === 33 ? toBuffer(publicKey) : Buffer.concat([Buffer.from([5]), toBuffer(publicKey)]);
}
