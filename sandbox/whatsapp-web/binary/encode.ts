/**
 * Encoder of WhatsApp Web binary nodes (the payload of every Noise transport frame).
 *
 * Frame = one flags byte, then the node. Flags 0: the node follows as is; flags 2: the node is
 * zlib-deflated (RFC 1950 stream). The server may compress; Baileys never does.
 *
 * A node is a list: list-size, tag string, then a key string and a value string per attribute,
 * then the content if there is any. So the list size is 1 + 2·attributes + (1 with content).
 * Content is a list of child nodes (list-size then each node), a byte string (BINARY_8/20/32 with
 * its length, then the bytes), or a string.
 *
 * List sizes: 0 → LIST_EMPTY; 1..255 → LIST_8 n; 256..65535 → LIST_16 n (big-endian).
 * Byte lengths: < 2^8 → BINARY_8; < 2^20 → BINARY_20 (3 bytes); < 2^32 → BINARY_32 (4 bytes).
 *
 * A string is written in the first form that applies, as Baileys' encoder chooses:
 *  1. "" → BINARY_8 0;
 *  2. a dictionary token → its index (1 byte, or a DICTIONARY_k tag and 1 byte), see tokens.ts;
 *  3. a packable string → NIBBLE_8 or HEX_8, see packed.ts;
 *  4. a JID (contains "@", non-empty server) → one of
 *     - AD_JID: `user:device@server` with server s.whatsapp.net / lid / hosted / hosted.lid and
 *       device 1..255 written canonically → AD_JID, domain type byte (0/1/128/129), device byte,
 *       user string;
 *     - FB_JID: `user:device@msgr` (device 0..65535) → FB_JID, user string, device (2 bytes),
 *       server string;
 *     - INTEROP_JID: `integrator-user:device@interop` (both 0..65535) → INTEROP_JID, user string,
 *       device (2 bytes), integrator (2 bytes), server string;
 *     - otherwise JID_PAIR: user part as a string (LIST_EMPTY when empty), then the server string;
 *  5. anything else → its UTF-8 bytes with a byte length (BINARY_8/20/32).
 *
 * Deliberate differences from Baileys' encodeBinaryNode (each made so that decode(encode(x))
 * gives x back exactly; in all other cases the bytes are the same, as the oracle tests check):
 * "u:0@s.whatsapp.net" and JIDs whose ":device" is not canonical are sent as JID_PAIR with the
 * raw user part (Baileys: AD_JID device 0, read back without ":0"); a "_" in the user part is
 * kept (Baileys parses it as an "agent" and drops it); device JIDs on other servers are JID_PAIR
 * (Baileys: AD_JID with domain 0, read back on s.whatsapp.net); msgr/interop device JIDs use
 * FB_JID / INTEROP_JID (Baileys only decodes those). Attribute values that are `undefined` are
 * left out (as in Baileys); any other non-string value, a non-node child, an empty tag or a size
 * beyond the formats' limits throws {@link BinaryNodeError}.
 *
 * Source of the format: Baileys src/WABinary/encode.ts and decode.ts (v7.0.0-rc13), read, not copied.
 */
import { deflateSync } from "node:zlib";
import { jidDecode } from "./jid.js";
import { packString, packedKindOf } from "./packed.js";
import { AD_JID_DOMAINS, TAG } from "./tags.js";
import { tokenOf } from "./tokens.js";
import { BinaryNodeError, type BinaryNode } from "./types.js";
import { ByteWriter } from "./writer.js";

export interface EncodeOptions {
  /** Deflate the node and set flags 2 (default false: flags 0). */
  compress?: boolean;
}

/** The transport payload for `node`: the flags byte, then the (possibly deflated) node. */
export function encodeNode(node: BinaryNode, options: EncodeOptions = {}): Uint8Array {
  const body = encodeNodeBody(node);
  const payload = options.compress ? deflateSync(body) : body;
  const out = new Uint8Array(1 + payload.length);
  out[0] = options.compress ? 2 : 0;
  out.set(payload, 1);
  return out;
}

/** The node alone, without the flags byte. */
export function encodeNodeBody(node: BinaryNode): Uint8Array {
  const w = new ByteWriter();
  writeNode(w, node);
  return w.finish();
}

const UTF8 = new TextEncoder();
const DOMAIN_OF_SERVER = new Map([...AD_JID_DOMAINS].map(([domain, server]) => [server, domain]));
const INTEROP_USER = /^(0|[1-9]\d{0,4})-(.+)$/;

function writeNode(w: ByteWriter, node: BinaryNode): void {
  if (typeof node !== "object" || node === null || typeof node.tag !== "string" || node.tag === "") {
    throw new BinaryNodeError("invalid node: the tag must be a non-empty string");
  }
  const attrs = Object.entries(node.attrs ?? {}).filter(([, v]) => v !== undefined);
  for (const [key, value] of attrs) {
    if (typeof value !== "string") {
      throw new BinaryNodeError(`attribute ${node.tag}.${key} is a ${typeof value}, not a string`);
    }
  }
  const { content } = node;
  writeListSize(w, 1 + 2 * attrs.length + (content === undefined ? 0 : 1));
  writeString(w, node.tag);
  for (const [key, value] of attrs) {
    writeString(w, key);
    writeString(w, value);
  }
  if (content === undefined) return;
  if (typeof content === "string") {
    writeString(w, content);
  } else if (content instanceof Uint8Array) {
    writeByteLength(w, content.length);
    w.bytes(content);
  } else if (Array.isArray(content)) {
    writeListSize(w, content.length);
    for (const child of content) writeNode(w, child);
  } else {
    throw new BinaryNodeError(`invalid content of <${node.tag}>: ${typeof content}`);
  }
}

function writeListSize(w: ByteWriter, size: number): void {
  if (size === 0) {
    w.byte(TAG.LIST_EMPTY);
  } else if (size < 0x100) {
    w.byte(TAG.LIST_8);
    w.byte(size);
  } else if (size < 0x10000) {
    w.byte(TAG.LIST_16);
    w.uint(size, 2);
  } else {
    throw new BinaryNodeError(`list of ${size} items is too long (max 65535)`);
  }
}

function writeByteLength(w: ByteWriter, length: number): void {
  if (length < 0x100) {
    w.byte(TAG.BINARY_8);
    w.byte(length);
  } else if (length < 0x100000) {
    w.byte(TAG.BINARY_20);
    w.uint(length, 3);
  } else if (length < 0x100000000) {
    w.byte(TAG.BINARY_32);
    w.uint(length, 4);
  } else {
    throw new BinaryNodeError(`${length} bytes are too many (max 2^32 - 1)`);
  }
}

function writeString(w: ByteWriter, value: string): void {
  if (value === "") {
    writeByteLength(w, 0);
    return;
  }
  const token = tokenOf(value);
  if (token) {
    if (token.kind === "double") w.byte(TAG.DICTIONARY_0 + token.dict);
    w.byte(token.index);
    return;
  }
  const packed = packedKindOf(value);
  if (packed) {
    w.bytes(packString(value, packed));
    return;
  }
  if (writeJid(w, value)) return;
  const bytes = UTF8.encode(value);
  writeByteLength(w, bytes.length);
  w.bytes(bytes);
}

/** Writes `value` in a JID form when it is one (see the header); false when it is not a JID. */
function writeJid(w: ByteWriter, value: string): boolean {
  const jid = jidDecode(value);
  if (!jid) return false;
  const { user, server, device } = jid;
  const canonicalDevice = device !== undefined && `${user}:${device}@${server}` === value;
  const domain = DOMAIN_OF_SERVER.get(server);
  if (canonicalDevice && domain !== undefined && device >= 1 && device <= 0xff) {
    w.byte(TAG.AD_JID);
    w.byte(domain);
    w.byte(device);
    writeString(w, user);
    return true;
  }
  if (canonicalDevice && server === "msgr" && device <= 0xffff) {
    w.byte(TAG.FB_JID);
    writeString(w, user);
    w.uint(device, 2);
    writeString(w, server);
    return true;
  }
  const interop = INTEROP_USER.exec(user);
  if (canonicalDevice && server === "interop" && interop && Number(interop[1]) <= 0xffff && device <= 0xffff) {
    w.byte(TAG.INTEROP_JID);
    writeString(w, interop[2]!);
    w.uint(device, 2);
    w.uint(Number(interop[1]), 2);
    writeString(w, server);
    return true;
  }
  const userPart = value.slice(0, value.indexOf("@"));
  w.byte(TAG.JID_PAIR);
  if (userPart === "") w.byte(TAG.LIST_EMPTY);
  else writeString(w, userPart);
  writeString(w, server);
  return true;
}
