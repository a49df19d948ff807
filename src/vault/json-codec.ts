/**
 * JSON that round-trips binary values, for credentials (Signal/Baileys key material is full of
 * Buffers). A `Buffer` is written as `{ "__b64": "<base64>" }`, any other `Uint8Array` as
 * `{ "__u8": "<base64>" }`; reading turns them back into a `Buffer` / plain `Uint8Array`.
 * An object whose only key is `__b64` or `__u8` with a string value is always read as binary.
 */

function base64(u8: Uint8Array): string {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("base64");
}

/** `JSON.stringify` replacer; uses the holder (`this`) to see values before `Buffer#toJSON` runs. */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (Buffer.isBuffer(raw)) return { __b64: base64(raw) };
  if (raw instanceof Uint8Array) return { __u8: base64(raw) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const v = value as { __b64?: unknown; __u8?: unknown };
      if (typeof v.__b64 === "string") return Buffer.from(v.__b64, "base64");
      if (typeof v.__u8 === "string") return new Uint8Array(Buffer.from(v.__u8, "base64"));
    }
  }
  return value;
}

/** Serialises `value` (JSON-compatible, plus Buffers/Uint8Arrays anywhere) to UTF-8 bytes. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, replacer) ?? "null", "utf8");
}

/** Parses bytes made by {@link encodeJson}. @throws `SyntaxError` on invalid JSON. */
export function decodeJson(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString("utf8"), reviver);
}
