/**
 * Decoder of WhatsApp Web binary nodes: the inverse of encode.ts, whose header describes the
 * format (flags byte, list sizes, strings, JIDs).
 *
 * Reading rules, as Baileys' decodeBinaryNode applies them (src/WABinary/decode.ts, v7.0.0-rc13):
 *  - flags byte: bit 1 (value 2) set → the rest is a zlib stream to inflate; other bits ignored.
 *  - a node starts with a list size (a list tag, size ≥ 1), then a non-empty tag string, then
 *    ⌊(size − 1) / 2⌋ key/value string pairs; when the size is even one more item is the content.
 *  - content: a list tag → child nodes (LIST_EMPTY → `[]`); BINARY_8/20/32 → `Uint8Array` (even
 *    if the sender meant a string); any other string form → `string`.
 *  - strings: 0 → ""; 1..235 → single-byte token; 236..239 + byte → double-byte token;
 *    BINARY_* → UTF-8 text (invalid sequences become U+FFFD); NIBBLE_8 / HEX_8 → packed.ts;
 *    JID_PAIR → user string + "@" + server string (the server must be non-empty);
 *    AD_JID → domain byte (0 s.whatsapp.net, 1 lid, 128 hosted, 129 hosted.lid), device byte,
 *      user string → "user:device@server", ":device" left out when the device is 0;
 *    FB_JID → user string, 2-byte device, server string → "user:device@server" (device always);
 *    INTEROP_JID → user string, 2-byte device, 2-byte integrator, server string →
 *      "integrator-user:device@server".
 *
 * Stricter than Baileys (so a malformed frame from a client fails loudly in the sandbox): bytes left
 * after the root node, an unknown AD_JID domain type (Baileys falls back to s.whatsapp.net), an
 * INTEROP_JID without its server string (Baileys then assumes "interop"), tags 240..244 and an
 * unknown token index all throw {@link BinaryNodeError}; so does reading past the end.
 * A repeated attribute key keeps its last value, as in Baileys.
 */
import { inflateSync } from "node:zlib";
import { unpackString } from "./packed.js";
import { AD_JID_DOMAINS, TAG } from "./tags.js";
import { doubleByteToken, singleByteToken } from "./tokens.js";
import { BinaryNodeError, type BinaryNode } from "./types.js";

/**
 * How deep nodes may nest (root = 0). Real stanzas are a few levels deep; the limit keeps a hostile
 * frame from exhausting the stack (our bound, not WhatsApp's).
 */
export const MAX_NODE_DEPTH = 64;
/** The most a compressed frame may inflate to (bytes; our bound: a frame holds at most 16 MiB). */
export const MAX_INFLATED_BYTES = 1 << 24;

/**
 * The node in a transport payload (flags byte first); inflates it when flags say so.
 * BinaryNodeError also for nesting past {@link MAX_NODE_DEPTH} and inflation past {@link MAX_INFLATED_BYTES}.
 */
export function decodeNode(frame: Uint8Array): BinaryNode {
  if (frame.length === 0) throw new BinaryNodeError("empty frame: no flags byte");
  const flags = frame[0]!;
  let body = frame.subarray(1);
  if (flags & 2) {
    try {
      body = inflateSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (err) {
      throw new BinaryNodeError(`compressed frame does not inflate: ${(err as Error).message}`);
    }
  }
  return decodeNodeBody(body);
}

/** The node in `body` (no flags byte); the node must take up all of `body`. */
export function decodeNodeBody(body: Uint8Array): BinaryNode {
  const reader = new Reader(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  const node = reader.node();
  if (reader.remaining() > 0) {
    throw new BinaryNodeError(`${reader.remaining()} bytes left after the node <${node.tag}>`);
  }
  return node;
}

const UTF8 = new TextDecoder("utf-8");

class Reader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  remaining(): number {
    return this.buf.length - this.pos;
  }

  /** One node; `depth` is its nesting level (root 0). BinaryNodeError past {@link MAX_NODE_DEPTH}. */
  node(depth = 0): BinaryNode {
    if (depth > MAX_NODE_DEPTH) this.fail(`nodes nested deeper than ${MAX_NODE_DEPTH} levels`);
    const size = this.listSize(this.byte());
    if (size === 0) throw new BinaryNodeError(`invalid node at ${this.pos - 1}: list size 0`);
    const tag = this.string(this.byte());
    if (tag === "") throw new BinaryNodeError(`invalid node at ${this.pos}: empty tag`);
    const attrs: Record<string, string> = {};
    for (let i = 0; i < (size - 1) >> 1; i++) {
      const key = this.string(this.byte());
      attrs[key] = this.string(this.byte());
    }
    if (size % 2 === 1) return { tag, attrs };
    return { tag, attrs, content: this.content(this.byte(), depth) };
  }

  private content(tag: number, depth: number): BinaryNode[] | Uint8Array | string {
    if (tag === TAG.LIST_EMPTY || tag === TAG.LIST_8 || tag === TAG.LIST_16) {
      const size = this.listSize(tag);
      const children: BinaryNode[] = [];
      for (let i = 0; i < size; i++) children.push(this.node(depth + 1));
      return children;
    }
    const length = this.byteLength(tag);
    if (length !== undefined) return this.take(length).slice();
    return this.string(tag);
  }

  private string(tag: number): string {
    if (tag === TAG.LIST_EMPTY) return "";
    if (tag < TAG.DICTIONARY_0) return singleByteToken(tag) ?? this.fail(`unknown token ${tag}`);
    if (tag <= TAG.DICTIONARY_3) {
      const index = this.byte();
      return doubleByteToken(tag - TAG.DICTIONARY_0, index) ?? this.fail(`unknown token ${tag}/${index}`);
    }
    const length = this.byteLength(tag);
    if (length !== undefined) return UTF8.decode(this.take(length));
    switch (tag) {
      case TAG.NIBBLE_8:
      case TAG.HEX_8: {
        const lengthByte = this.byte();
        return unpackString(tag, this.take(lengthByte & 0x7f), (lengthByte & 0x80) !== 0);
      }
      case TAG.JID_PAIR: {
        const user = this.string(this.byte());
        const server = this.string(this.byte());
        if (server === "") this.fail("JID_PAIR with an empty server");
        return `${user}@${server}`;
      }
      case TAG.AD_JID: {
        const domain = this.byte();
        const device = this.byte();
        const user = this.string(this.byte());
        const server = AD_JID_DOMAINS.get(domain) ?? this.fail(`unknown AD_JID domain type ${domain}`);
        return `${user}${device ? `:${device}` : ""}@${server}`;
      }
      case TAG.FB_JID: {
        const user = this.string(this.byte());
        const device = this.uint(2);
        return `${user}:${device}@${this.string(this.byte())}`;
      }
      case TAG.INTEROP_JID: {
        const user = this.string(this.byte());
        const device = this.uint(2);
        const integrator = this.uint(2);
        return `${integrator}-${user}:${device}@${this.string(this.byte())}`;
      }
      default:
        return this.fail(`invalid string tag ${tag}`);
    }
  }

  private listSize(tag: number): number {
    if (tag === TAG.LIST_EMPTY) return 0;
    if (tag === TAG.LIST_8) return this.byte();
    if (tag === TAG.LIST_16) return this.uint(2);
    return this.fail(`invalid list tag ${tag}`);
  }

  /** The length after a BINARY_8/20/32 tag, or `undefined` for any other tag. */
  private byteLength(tag: number): number | undefined {
    if (tag === TAG.BINARY_8) return this.byte();
    if (tag === TAG.BINARY_20) return this.uint(3) & 0xfffff;
    if (tag === TAG.BINARY_32) return this.uint(4);
    return undefined;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) this.fail("end of stream");
    return this.buf[this.pos++]!;
  }

  private uint(size: number): number {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.byte();
    return value;
  }

  private take(n: number): Uint8Array {
    if (n > this.remaining()) this.fail(`end of stream: ${n} bytes wanted, ${this.remaining()} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private fail(message: string): never {
    throw new BinaryNodeError(`${message} (at byte ${this.pos} of the node)`);
  }
}
