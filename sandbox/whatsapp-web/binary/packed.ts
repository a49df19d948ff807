/**
 * Packed strings: NIBBLE_8 and HEX_8 carry two characters per byte, high nibble first.
 *
 * Layout after the tag byte: one length byte whose low 7 bits are the number of packed bytes n
 * and whose top bit says the string has an odd length; then n bytes. A decoder unpacks 2n
 * characters and, when the top bit is set, drops the last one (the encoder pads an odd string with
 * the nibble 15).
 *
 * Alphabets (4-bit value → character):
 *  - NIBBLE_8: 0..9 → "0".."9", 10 → "-", 11 → ".", 15 → "\0" (padding); 12..14 are invalid.
 *  - HEX_8:    0..15 → "0".."9", "A".."F" (upper case only; lower-case hex is sent raw).
 *
 * An encoder packs a non-empty string of at most PACKED_MAX (127) characters: as nibbles when every
 * character is a digit, "-" or "."; else as hex when every character is 0-9 or A-F. (Digits-only
 * strings are therefore always nibbles.) Source: Baileys src/WABinary/encode.ts (isNibble, isHex,
 * writePackedBytes) and decode.ts (readPacked8, unpackNibble, unpackHex), v7.0.0-rc13.
 */
import { BinaryNodeError } from "./types.js";
import { PACKED_MAX, TAG } from "./tags.js";

const NIBBLE_ALPHABET = "0123456789-.";
const HEX_ALPHABET = "0123456789ABCDEF";
const PAD = 15;

export type PackedKind = "nibble" | "hex";

/** How `value` would be packed, or `undefined` when it cannot be. */
export function packedKindOf(value: string): PackedKind | undefined {
  if (value.length === 0 || value.length > PACKED_MAX) return undefined;
  if (/^[0-9.-]+$/.test(value)) return "nibble";
  if (/^[0-9A-F]+$/.test(value)) return "hex";
  return undefined;
}

/** The tag byte, length byte and packed bytes of `value` (which must fit `kind`). */
export function packString(value: string, kind: PackedKind): Uint8Array {
  const alphabet = kind === "nibble" ? NIBBLE_ALPHABET : HEX_ALPHABET;
  const n = Math.ceil(value.length / 2);
  const out = new Uint8Array(2 + n);
  out[0] = kind === "nibble" ? TAG.NIBBLE_8 : TAG.HEX_8;
  out[1] = n | (value.length % 2 === 1 ? 0x80 : 0);
  for (let i = 0; i < n; i++) {
    const high = alphabet.indexOf(value[2 * i]!);
    const low = 2 * i + 1 < value.length ? alphabet.indexOf(value[2 * i + 1]!) : PAD;
    if (high < 0 || low < 0) throw new BinaryNodeError(`cannot pack ${JSON.stringify(value)} as ${kind}`);
    out[2 + i] = (high << 4) | low;
  }
  return out;
}

/**
 * The string packed in `bytes` (the n bytes after the length byte) with tag `tag`
 * (NIBBLE_8 or HEX_8); `odd` is the length byte's top bit. Throws on an invalid nibble.
 */
export function unpackString(tag: number, bytes: Uint8Array, odd: boolean): string {
  const hex = tag === TAG.HEX_8;
  let out = "";
  for (const byte of bytes) out += unpackNibble(byte >> 4, hex) + unpackNibble(byte & 0x0f, hex);
  return odd ? out.slice(0, -1) : out;
}

function unpackNibble(value: number, hex: boolean): string {
  if (hex) return HEX_ALPHABET[value]!;
  if (value < NIBBLE_ALPHABET.length) return NIBBLE_ALPHABET[value]!;
  if (value === PAD) return "\0";
  throw new BinaryNodeError(`invalid nibble ${value}`);
}
