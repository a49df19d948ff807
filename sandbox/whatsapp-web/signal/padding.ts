/**
 * WhatsApp's plaintext padding inside 1:1 Signal messages (and sender-key messages).
 *
 * Before encryption the encoded `Message` protobuf gets n = 1..16 bytes appended, each of value n
 * (n random). The reader takes the last byte as n and drops n bytes.
 * Source: Baileys rc14 lib/Utils/generics.js `writeRandomPadMax16`, `unpadRandomMax16`,
 * `encodeWAMessage`; decode-wa-message.js `decryptMessageNode` unpads every `pkmsg`/`msg`/`skmsg`.
 */
import { randomBytes } from "node:crypto";

/** `bytes` followed by n copies of n, n uniformly random in 1..16. */
export function padRandomMax16(bytes: Uint8Array): Uint8Array {
  const n = (randomBytes(1)[0]! & 0x0f) + 1;
  const out = new Uint8Array(bytes.length + n);
  out.set(bytes, 0);
  out.fill(n, bytes.length);
  return out;
}

/**
 * `bytes` without its padding. RangeError when `bytes` is empty, its last byte is 0, or the last
 * byte exceeds the length (Baileys checks the empty and too-long cases; a 0 is never written by a
 * padder, so the sandbox refuses it too). The pad bytes' values other than the last are not checked,
 * like Baileys. The result is a view into `bytes`.
 */
export function unpadRandomMax16(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new RangeError("cannot unpad empty bytes");
  const n = bytes[bytes.length - 1]!;
  if (n === 0) throw new RangeError("padding length byte is 0");
  if (n > bytes.length) throw new RangeError(`padding of ${n} bytes in a ${bytes.length}-byte plaintext`);
  return bytes.subarray(0, bytes.length - n);
}
