/**
 * Token lookups over the dictionaries in dictionary.ts.
 *
 * Encoding direction: {@link tokenOf} maps a string to its token, single-byte ({@link
 * SingleToken}) or double-byte ({@link DoubleToken}); the empty string is never a token (index 0
 * of the single-byte table would be the byte LIST_EMPTY). Decoding direction: {@link
 * singleByteToken} and {@link doubleByteToken} map indexes back, `undefined` when out of range.
 */
import { DOUBLE_BYTE_TOKENS, SINGLE_BYTE_TOKENS } from "./dictionary.js";

export interface SingleToken {
  kind: "single";
  /** 1..235: the byte written. */
  index: number;
}

export interface DoubleToken {
  kind: "double";
  /** 0..3: the dictionary; written as the tag DICTIONARY_0 + dict. */
  dict: number;
  /** 0..255: the byte written after the dictionary tag. */
  index: number;
}

const byString = new Map<string, SingleToken | DoubleToken>();
SINGLE_BYTE_TOKENS.forEach((token, index) => {
  if (index > 0) byString.set(token, { kind: "single", index });
});
DOUBLE_BYTE_TOKENS.forEach((dictionary, dict) => {
  dictionary.forEach((token, index) => byString.set(token, { kind: "double", dict, index }));
});

/** The token for `value`, or `undefined` when it must be written some other way. */
export function tokenOf(value: string): SingleToken | DoubleToken | undefined {
  return byString.get(value);
}

/** The string of single-byte token `index` (1..235), or `undefined`. */
export function singleByteToken(index: number): string | undefined {
  return index >= 1 ? SINGLE_BYTE_TOKENS[index] : undefined;
}

/** The string at `index` of double-byte dictionary `dict` (0..3), or `undefined`. */
export function doubleByteToken(dict: number, index: number): string | undefined {
  return DOUBLE_BYTE_TOKENS[dict]?.[index];
}
