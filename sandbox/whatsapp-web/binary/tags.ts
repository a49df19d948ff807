/**
 * Tag bytes of the WhatsApp Web binary node format: the byte that starts every list, string or
 * byte string tells how the following bytes are to be read.
 *
 *  - 0 (LIST_EMPTY): a list of size 0; read as a string it is the empty string.
 *  - 1..235: a single-byte token (an index into SINGLE_BYTE_TOKENS).
 *  - 236..239 (DICTIONARY_0..3): a double-byte token; the next byte indexes dictionary 0..3.
 *  - 245 (INTEROP_JID), 246 (FB_JID), 247 (AD_JID), 250 (JID_PAIR): JIDs (see jid.ts/encode.ts).
 *  - 248 (LIST_8), 249 (LIST_16): a list size in the next 1 / 2 bytes (big-endian).
 *  - 251 (HEX_8), 255 (NIBBLE_8): packed strings, two characters per byte (see packed.ts).
 *  - 252 (BINARY_8), 253 (BINARY_20), 254 (BINARY_32): raw bytes whose length follows in
 *    1 byte / 20 bits in 3 bytes (the top 4 bits of the first byte are ignored) / 4 bytes,
 *    all big-endian.
 *  - 240..244 are not used by this format; a decoder rejects them.
 *
 * Source: WhiskeySockets/Baileys src/WABinary/constants.ts (TAGS), v7.0.0-rc13 (= v6.7.23).
 */
export const TAG = {
  LIST_EMPTY: 0,
  DICTIONARY_0: 236,
  DICTIONARY_1: 237,
  DICTIONARY_2: 238,
  DICTIONARY_3: 239,
  INTEROP_JID: 245,
  FB_JID: 246,
  AD_JID: 247,
  LIST_8: 248,
  LIST_16: 249,
  JID_PAIR: 250,
  HEX_8: 251,
  BINARY_8: 252,
  BINARY_20: 253,
  BINARY_32: 254,
  NIBBLE_8: 255,
} as const;

/** The longest string (in characters) that NIBBLE_8 / HEX_8 can carry: 7 bits of half-length. */
export const PACKED_MAX = 127;

/** The four AD_JID domain types and the JID server each stands for (Baileys `WAJIDDomains`). */
export const AD_JID_DOMAINS: ReadonlyMap<number, string> = new Map([
  [0, "s.whatsapp.net"],
  [1, "lid"],
  [128, "hosted"],
  [129, "hosted.lid"],
]);
