import { deflateSync } from "node:zlib";
import { decodeBinaryNode, encodeBinaryNode, type BinaryNode as BaileysNode } from "baileys";
import * as baileysConstants from "baileys/lib/WABinary/constants.js";
import { describe, expect, it } from "vitest";
import { DOUBLE_BYTE_TOKENS, SINGLE_BYTE_TOKENS } from "../../../sandbox/whatsapp-web/binary/dictionary.js";
import {
  BinaryNodeError,
  decodeNode,
  encodeNode,
  jidDecode,
  jidEncode,
  jidNormalizedUser,
  type BinaryNode,
} from "../../../sandbox/whatsapp-web/binary/index.js";
import { TAG } from "../../../sandbox/whatsapp-web/binary/tags.js";
import { MAX_INFLATED_BYTES, MAX_NODE_DEPTH } from "../../../sandbox/whatsapp-web/binary/decode.js";

/**
 * The binary node codec, checked against the pinned Baileys client's own WABinary codec
 * (`encodeBinaryNode` / `decodeBinaryNode` exported by "baileys"): the third-party oracle.
 */

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const node = (tag: string, attrs: Record<string, string> = {}, content?: BinaryNode["content"]): BinaryNode =>
  content === undefined ? { tag, attrs } : { tag, attrs, content };

/** A comparable view: bytes (Buffer or Uint8Array) as hex, absent content left out. */
type Plain = { tag: string; attrs: Record<string, string>; content?: Plain[] | string | { hex: string } };
function plain(n: BinaryNode | BaileysNode): Plain {
  const out: Plain = { tag: n.tag, attrs: { ...n.attrs } };
  const c = n.content;
  if (Array.isArray(c)) out.content = c.map(plain);
  else if (c instanceof Uint8Array) out.content = { hex: Buffer.from(c).toString("hex") };
  else if (typeof c === "string") out.content = c;
  return out;
}
/** `plain`, with string content as its UTF-8 bytes (the wire may turn one into the other). */
function textless(n: BinaryNode | BaileysNode): Plain {
  const p = plain(n);
  if (Array.isArray(n.content)) p.content = n.content.map(textless);
  else if (typeof n.content === "string") p.content = { hex: Buffer.from(n.content).toString("hex") };
  return p;
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const ours = (n: BinaryNode): string => hex(encodeNode(n));
const theirs = (n: BinaryNode): string => hex(encodeBinaryNode(n as BaileysNode));
const baileysDecode = (frame: Uint8Array): Promise<BaileysNode> => decodeBinaryNode(Buffer.from(frame));

const ME = "15551234567";
const ME_LID = "123456789012345";
const MSG_ID = "3EB0C0FFEE1234567890AB";

/** Realistic stanzas of the multi-device protocol, both directions. */
const CORPUS: Record<string, BinaryNode> = {
  "iq pair-device with refs": node("iq", { from: "s.whatsapp.net", type: "set", id: "1700000000000", xmlns: "md" }, [
    node(
      "pair-device",
      {},
      Array.from({ length: 6 }, (_, i) => node("ref", {}, utf8(`2@${"Zm9vYmFy".repeat(6)}${i},${"QUJD".repeat(4)}==`))),
    ),
  ]),
  "iq result to pair-device": node("iq", { to: "s.whatsapp.net", type: "result", id: "1700000000000" }),
  "iq pair-success": node("iq", { from: "s.whatsapp.net", type: "set", id: "9876.5432-1", xmlns: "md" }, [
    node("pair-success", {}, [
      node("device-identity", {}, bytes(220)),
      node("platform", { name: "Chrome" }),
      node("device", { jid: `${ME}:12@s.whatsapp.net`, lid: `${ME_LID}:12@lid` }),
      node("biz", { name: "" }),
    ]),
  ]),
  success: node("success", {
    t: "1717000000",
    props: "3",
    abprops: "12",
    location: "frc",
    lid: `${ME_LID}@lid`,
    creation: "1700000000",
    companion_enc_static: "dGhpcyBpcyBub3QgYSByZWFsIGtleQ",
    display_name: "",
  }),
  "stream:error 515": node("stream:error", { code: "515" }),
  "stream:error 401 device_removed": node("stream:error", { code: "401" }, [node("conflict", { type: "device_removed" })]),
  "stream:error 440 replaced": node("stream:error", {}, [node("conflict", { type: "replaced" })]),
  "outbound message with enc": node("message", { id: MSG_ID, to: `${ME_LID}@lid`, type: "text" }, [
    node("participants", {}, [
      node("to", { jid: `${ME_LID}:3@lid` }, [node("enc", { v: "2", type: "pkmsg" }, bytes(410, 2))]),
      node("to", { jid: `${ME}:7@s.whatsapp.net` }, [node("enc", { v: "2", type: "msg" }, bytes(90, 3))]),
    ]),
    node("device-identity", {}, bytes(160, 4)),
  ]),
  "inbound message": node(
    "message",
    { from: `${ME}@s.whatsapp.net`, id: MSG_ID, t: "1717000123", type: "text", notify: "Alice ✓", sender_lid: `${ME_LID}@lid` },
    [node("enc", { v: "2", type: "msg" }, bytes(64, 5))],
  ),
  "group message": node("message", { from: "120363012345678901@g.us", participant: `${ME_LID}:2@lid`, id: "ABCDEF0123", t: "1717000124", type: "text" }, [
    node("enc", { v: "2", type: "skmsg" }, bytes(48, 6)),
  ]),
  "receipt read with list": node("receipt", { id: MSG_ID, to: `${ME}@s.whatsapp.net`, type: "read", t: "1717000200" }, [
    node("list", {}, [node("item", { id: "3EB0000000000001" }), node("item", { id: "3EB0000000000002" })]),
  ]),
  "delivery receipt from a device": node("receipt", { from: `${ME}:2@s.whatsapp.net`, id: MSG_ID, t: "1717000201", participant: `${ME_LID}:2@lid` }),
  ack: node("ack", { class: "receipt", id: MSG_ID, from: "status@broadcast", type: "read" }),
  "usync devices query": node("iq", { to: "s.whatsapp.net", type: "get", xmlns: "usync", id: "42.17-3" }, [
    node("usync", { sid: "1717000000000-1", mode: "query", last: "true", index: "0", context: "message" }, [
      node("query", {}, [node("devices", { version: "2" }), node("lid", {})]),
      node("list", {}, [node("user", { jid: `${ME}@s.whatsapp.net` }), node("user", { jid: `${ME_LID}@lid` })]),
    ]),
  ]),
  "usync devices result": node("iq", { from: "s.whatsapp.net", type: "result", id: "42.17-3" }, [
    node("usync", { sid: "1717000000000-1", mode: "query", last: "true", index: "0", context: "message" }, [
      node("list", {}, [
        node("user", { jid: `${ME}@s.whatsapp.net` }, [
          node("devices", {}, [
            node("device-list", {}, [node("device", { id: "0" }), node("device", { id: "3", "key-index": "1" })]),
            node("key-index-list", { ts: "1717000000" }, bytes(40, 7)),
          ]),
          node("lid", { val: `${ME_LID}@lid` }),
        ]),
      ]),
    ]),
  ]),
  "prekey upload": node("iq", { xmlns: "encrypt", type: "set", to: "s.whatsapp.net", id: "1717.1-4" }, [
    node("registration", {}, Uint8Array.of(0, 0, 0x30, 0x39)),
    node("type", {}, Uint8Array.of(5)),
    node("identity", {}, bytes(32, 8)),
    node(
      "list",
      {},
      Array.from({ length: 30 }, (_, i) => node("key", {}, [node("id", {}, Uint8Array.of(0, 0, i + 1)), node("value", {}, bytes(32, i))])),
    ),
    node("skey", {}, [node("id", {}, Uint8Array.of(0, 0, 1)), node("value", {}, bytes(32, 9)), node("signature", {}, bytes(64, 10))]),
  ]),
  "prekey count": node("iq", { from: "s.whatsapp.net", type: "result", id: "1717.1-5" }, [node("count", { value: "30" })]),
  "ib offline": node("ib", { from: "s.whatsapp.net" }, [node("offline", { count: "0" })]),
  "ib dirty": node("ib", {}, [node("dirty", { type: "account_sync", timestamp: "1717000000" })]),
  "notification devices": node("notification", { from: `${ME}@s.whatsapp.net`, type: "devices", id: "2871273521", t: "1717000300" }, [
    node("remove", { device_hash: "2:47DEQpj8" }, [node("device", { jid: `${ME}:12@s.whatsapp.net` })]),
  ]),
  "notification encrypt count": node("notification", { from: "s.whatsapp.net", type: "encrypt", id: "99", t: "1717000301" }, [node("count", { value: "5" })]),
  "notification w:gp2": node("notification", { from: "120363012345678901@g.us", type: "w:gp2", id: "7", participant: `${ME_LID}@lid` }, [
    node("add", {}, [node("participant", { jid: `${ME_LID}@lid`, phone_number: `${ME}@s.whatsapp.net` })]),
  ]),
  "hosted and newsletter JIDs": node("presence", { from: `${ME}:5@hosted`, to: `${ME_LID}:99@hosted.lid`, via: "120363999999999999@newsletter", name: "@s.whatsapp.net" }),
  "string content": node("iq", { type: "result" }, [node("body", {}, "hello, world"), node("status", {}, "available"), node("n", {}, "12345")]),
  "empty children": node("iq", { id: "1" }, []),
  "ping and pong": node("iq", { id: "ping-1", to: "s.whatsapp.net", type: "get", xmlns: "w:p" }, [node("ping", {})]),
};

describe("token tables", () => {
  it("equal the pinned Baileys' SINGLE_BYTE_TOKENS and DOUBLE_BYTE_TOKENS, entry by entry", () => {
    expect(SINGLE_BYTE_TOKENS).toEqual([...baileysConstants.SINGLE_BYTE_TOKENS]);
    expect(DOUBLE_BYTE_TOKENS.map((d) => [...d])).toEqual(baileysConstants.DOUBLE_BYTE_TOKENS.map((d) => [...d]));
    expect(SINGLE_BYTE_TOKENS).toHaveLength(236);
    expect(DOUBLE_BYTE_TOKENS.map((d) => d.length)).toEqual([256, 256, 256, 256]);
  });

  it("tag bytes equal Baileys' TAGS", () => {
    const { PACKED_MAX: _packedMax, ...tags } = baileysConstants.TAGS;
    expect({ ...TAG }).toEqual(tags);
  });

  it("no string is in two tables, and only index 0 is empty", () => {
    const all = [...SINGLE_BYTE_TOKENS.slice(1), ...DOUBLE_BYTE_TOKENS.flat()];
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain("");
  });

  for (const [name, tokens, prefix] of [
    ["single-byte", SINGLE_BYTE_TOKENS.slice(1), []],
    ...DOUBLE_BYTE_TOKENS.map((d, k) => [`dictionary ${k}`, d, [236 + k]] as const),
  ] as const) {
    it(`every ${name} token as tag and value: byte-equal with Baileys, decoded by both`, async () => {
      const tree = node("list", {}, tokens.map((t) => node(t, { v: t })));
      const frame = encodeNode(tree);
      expect(hex(frame)).toBe(theirs(tree));
      expect(plain(decodeNode(frame))).toEqual(plain(tree));
      expect(plain(await baileysDecode(frame))).toEqual(plain(tree));
      // The first child's value is the token itself: prefix then index.
      const index = name === "single-byte" ? 1 : 0;
      const child = encodeNode(node("x", { v: tokens[0]! }));
      expect([...child.subarray(-1 - prefix.length)]).toEqual([...prefix, index]);
    });
  }
});

describe("the realistic corpus, against Baileys' codec", () => {
  for (const [name, n] of Object.entries(CORPUS)) {
    it(`${name}: byte-equal with encodeBinaryNode; each side decodes the other's bytes`, async () => {
      expect(ours(n)).toBe(theirs(n));
      const fromOurs = await baileysDecode(encodeNode(n));
      const fromTheirs = decodeNode(encodeBinaryNode(n as BaileysNode));
      expect(plain(fromTheirs)).toEqual(plain(fromOurs));
      expect(textless(fromTheirs)).toEqual(textless(n));
    });
  }

  it("a compressed frame (flags 2, zlib) is read by Baileys, and Baileys' bytes deflated are read by us", async () => {
    const n = node("receipt", { id: MSG_ID }, [node("list", {}, Array.from({ length: 100 }, () => node("item", { id: MSG_ID })))]);
    const frame = encodeNode(n, { compress: true });
    expect(frame[0]).toBe(2);
    expect(frame.length).toBeLessThan(encodeNode(n).length / 4);
    expect(plain(await baileysDecode(frame))).toEqual(plain(decodeNode(frame)));
    const body = encodeBinaryNode(n as BaileysNode).subarray(1);
    const theirsDeflated = Buffer.concat([Buffer.of(2), deflateSync(body)]);
    expect(plain(decodeNode(theirsDeflated))).toEqual(plain(await baileysDecode(theirsDeflated)));
  });

  it("200 random trees: byte-equal with Baileys and decoded alike", async () => {
    let seed = 20240605;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const strings = (): string =>
      pick([
        () => pick(SINGLE_BYTE_TOKENS.slice(1)),
        () => pick(pick(DOUBLE_BYTE_TOKENS)),
        () => String(rnd(1e9)).repeat(1 + rnd(3)),
        () => `${rnd(100)}.${rnd(100)}-${rnd(9)}`,
        () => rnd(0xffffff).toString(16).toUpperCase(),
        () => rnd(0xffffff).toString(16) + "z",
        () => `${rnd(1e12)}@${pick(["s.whatsapp.net", "lid", "g.us", "broadcast", "c.us", "newsletter", "call"])}`,
        () => `${rnd(1e12)}:${1 + rnd(255)}@${pick(["s.whatsapp.net", "lid", "hosted", "hosted.lid"])}`,
        () => "ünïcødé 🙂 text ".repeat(1 + rnd(20)),
        () => "",
      ])();
    const tree = (depth: number): BinaryNode => {
      const attrs: Record<string, string> = {};
      for (let i = rnd(5); i > 0; i--) attrs[strings() || "k"] = strings();
      const kind = rnd(depth > 3 ? 3 : 4);
      const content =
        kind === 0 ? undefined : kind === 1 ? strings() : kind === 2 ? bytes(pick([0, 1, 255, 256, 1000]), rnd(99)) : Array.from({ length: rnd(4) }, () => tree(depth + 1));
      return node(strings() || "t", attrs, content);
    };
    for (let i = 0; i < 200; i++) {
      const n = tree(0);
      expect(ours(n)).toBe(theirs(n));
      expect(plain(decodeNode(encodeNode(n)))).toEqual(plain(await baileysDecode(encodeNode(n))));
      expect(textless(decodeNode(encodeNode(n)))).toEqual(textless(n));
    }
  });
});

describe("lengths and list sizes", () => {
  it.each([
    [0, [TAG.BINARY_8, 0]],
    [255, [TAG.BINARY_8, 255]],
    [256, [TAG.BINARY_20, 0, 1, 0]],
    [(1 << 20) - 1, [TAG.BINARY_20, 0x0f, 0xff, 0xff]],
    [1 << 20, [TAG.BINARY_32, 0, 0x10, 0, 0]],
  ])("%i bytes of content: length header %j, round trip, same bytes as Baileys", async (length, header) => {
    const n = node("enc", {}, bytes(length));
    const frame = encodeNode(n);
    // flags, LIST_8 2, token "enc", then the length header
    expect([...frame.subarray(0, 4)]).toEqual([0, TAG.LIST_8, 2, 29]);
    expect([...frame.subarray(4, 4 + header.length)]).toEqual(header);
    expect(frame.length).toBe(4 + header.length + length);
    expect(Buffer.from(frame).equals(encodeBinaryNode(n as BaileysNode))).toBe(true);
    expect(plain(decodeNode(frame))).toEqual(plain(n));
  });

  it.each([
    [0, [TAG.LIST_EMPTY]],
    [255, [TAG.LIST_8, 255]],
    [256, [TAG.LIST_16, 1, 0]],
    [700, [TAG.LIST_16, 2, 188]],
  ])("%i children: list header %j, round trip, same bytes as Baileys", async (count, header) => {
    const n = node("list", {}, Array.from({ length: count }, (_, i) => node("item", { id: String(i) })));
    const frame = encodeNode(n);
    expect([...frame.subarray(4, 4 + header.length)]).toEqual(header);
    expect(ours(n)).toBe(theirs(n));
    expect(plain(decodeNode(frame))).toEqual(plain(n));
    expect(plain(await baileysDecode(frame))).toEqual(plain(n));
  });

  it("a node with no attributes and no content is LIST_8 1 and its tag", () => {
    expect([...encodeNode(node("iq"))]).toEqual([0, TAG.LIST_8, 1, 25]);
  });
});

describe("strings", () => {
  const valueBytes = (v: string): number[] => [...encodeNode(node("x", { v })).subarray(7)];
  // node("x", { v }) = flags, LIST_8 3, BINARY_8 1 "x", token "v" (81): the value starts at byte 7.

  it("packs digits, '-' and '.' as NIBBLE_8 (odd length: top bit, pad 15)", () => {
    expect(valueBytes("123")).toEqual([TAG.NIBBLE_8, 0x82, 0x12, 0x3f]);
    expect(valueBytes("12.5-9")).toEqual([TAG.NIBBLE_8, 3, 0x12, 0xb5, 0xa9]);
  });

  it("packs upper-case hex as HEX_8; lower-case hex and 128 characters are sent raw", () => {
    expect(valueBytes("3EB0F")).toEqual([TAG.HEX_8, 0x83, 0x3e, 0xb0, 0xff]);
    expect(valueBytes("3eb0f")[0]).toBe(TAG.BINARY_8);
    expect(valueBytes("9".repeat(127))[0]).toBe(TAG.NIBBLE_8);
    expect(valueBytes("9".repeat(128))[0]).toBe(TAG.BINARY_8);
  });

  it("writes the empty string as BINARY_8 0 and reads LIST_EMPTY as the empty string", () => {
    expect(valueBytes("")).toEqual([TAG.BINARY_8, 0]);
    const withListEmpty = Uint8Array.of(0, TAG.LIST_8, 3, 25, 81, TAG.LIST_EMPTY);
    expect(decodeNode(withListEmpty)).toEqual({ tag: "iq", attrs: { v: "" } });
  });

  it("returns raw-string content as bytes, token/packed/JID content as strings (as Baileys does)", async () => {
    const n = CORPUS["string content"]!;
    const decoded = decodeNode(encodeNode(n));
    const children = decoded.content as BinaryNode[];
    expect(children[0]!.content).toEqual(utf8("hello, world"));
    expect(children[1]!.content).toBe("available");
    expect(children[2]!.content).toBe("12345");
    expect(plain(await baileysDecode(encodeNode(n)))).toEqual(plain(decoded));
  });
});

describe("JIDs", () => {
  it("jidDecode / jidEncode: users, devices, LIDs, groups, broadcast", () => {
    expect(jidDecode(`${ME}@s.whatsapp.net`)).toEqual({ user: ME, server: "s.whatsapp.net" });
    expect(jidDecode(`${ME}:3@s.whatsapp.net`)).toEqual({ user: ME, server: "s.whatsapp.net", device: 3 });
    expect(jidDecode(`${ME_LID}:0@lid`)).toEqual({ user: ME_LID, server: "lid", device: 0 });
    expect(jidDecode("120363012345678901@g.us")).toEqual({ user: "120363012345678901", server: "g.us" });
    expect(jidDecode("status@broadcast")).toEqual({ user: "status", server: "broadcast" });
    expect(jidDecode("s.whatsapp.net")).toBeUndefined();
    expect(jidDecode("abc@")).toBeUndefined();
    expect(jidEncode({ user: ME, server: "s.whatsapp.net", device: 3 })).toBe(`${ME}:3@s.whatsapp.net`);
    expect(jidEncode({ user: ME_LID, server: "lid", device: 0 })).toBe(`${ME_LID}@lid`);
    expect(jidNormalizedUser(`${ME}:3@s.whatsapp.net`)).toBe(`${ME}@s.whatsapp.net`);
  });

  it.each([
    [`${ME}:3@s.whatsapp.net`, TAG.AD_JID, 0],
    [`${ME_LID}:3@lid`, TAG.AD_JID, 1],
    [`${ME}:3@hosted`, TAG.AD_JID, 128],
    [`${ME_LID}:3@hosted.lid`, TAG.AD_JID, 129],
  ])("%s is tag %i (AD_JID) with domain type %i, and decodes alike on both sides", async (jid, tag, domain) => {
    const n = node("x", { v: jid });
    expect(ours(n)).toBe(theirs(n));
    const frame = encodeNode(n);
    expect([...frame.subarray(7, 10)]).toEqual([tag, domain, 3]);
    expect(decodeNode(frame).attrs.v).toBe(jid);
    expect((await baileysDecode(frame)).attrs.v).toBe(jid);
  });

  it("user and group JIDs are JID_PAIR (an empty user is LIST_EMPTY)", () => {
    expect(encodeNode(node("x", { v: `${ME}@s.whatsapp.net` }))[7]).toBe(TAG.JID_PAIR);
    expect([...encodeNode(node("x", { v: "status@broadcast" })).subarray(7)]).toEqual([TAG.JID_PAIR, 11, 13]);
    expect([...encodeNode(node("x", { v: "@s.whatsapp.net" })).subarray(7)]).toEqual([TAG.JID_PAIR, 0, 3]);
  });

  it.each([
    [`${ME}:7@msgr`, TAG.FB_JID],
    [`${ME}:0@msgr`, TAG.FB_JID],
    [`5-${ME}:7@interop`, TAG.INTEROP_JID],
  ])("%s: our encoder writes tag %i, which Baileys' decoder reads back exactly", async (jid, tag) => {
    const frame = encodeNode(node("x", { v: jid }));
    expect(frame[7]).toBe(tag);
    expect((await baileysDecode(frame)).attrs.v).toBe(jid);
    expect(decodeNode(frame).attrs.v).toBe(jid);
  });

  it.each([`${ME}:0@s.whatsapp.net`, `${ME}_1:2@s.whatsapp.net`, `${ME}:3@c.us`, `${ME}:007@lid`, `${ME}_1@lid`, `${ME}:x@s.whatsapp.net`])(
    "%s (where Baileys' own encoding is lossy) round-trips exactly through both decoders",
    async (jid) => {
      const frame = encodeNode(node("x", { v: jid }));
      expect(decodeNode(frame).attrs.v).toBe(jid);
      expect((await baileysDecode(frame)).attrs.v).toBe(jid);
      expect((await baileysDecode(encodeBinaryNode({ tag: "x", attrs: { v: jid } }))).attrs.v).not.toBe(jid);
    },
  );
});

describe("errors", () => {
  it("rejects truncated frames, trailing bytes, unused tags, and bad compressed data", () => {
    const frame = encodeNode(CORPUS["prekey upload"]!);
    expect(() => decodeNode(frame.subarray(0, frame.length - 1))).toThrow(BinaryNodeError);
    expect(() => decodeNode(Uint8Array.of(...frame, 0))).toThrow(/left after the node/);
    expect(() => decodeNode(Uint8Array.of(0, TAG.LIST_8, 1, 240))).toThrow(/invalid string tag 240/);
    expect(() => decodeNode(Uint8Array.of(0, TAG.LIST_EMPTY))).toThrow(/list size 0/);
    expect(() => decodeNode(Uint8Array.of(0, TAG.LIST_8, 3, 25, 81, TAG.AD_JID, 7, 1, 3))).toThrow(/domain type 7/);
    expect(() => decodeNode(Uint8Array.of(0, TAG.LIST_8, 1, TAG.NIBBLE_8, 1, 0xc0))).toThrow(/invalid nibble 12/);
    expect(() => decodeNode(Uint8Array.of(2, 1, 2, 3))).toThrow(/does not inflate/);
    expect(() => decodeNode(new Uint8Array())).toThrow(/empty frame/);
  });

  it("refuses nodes nested deeper than MAX_NODE_DEPTH and frames that inflate past MAX_INFLATED_BYTES", () => {
    const nest = (levels: number): BinaryNode => (levels === 0 ? node("a") : node("a", {}, [nest(levels - 1)]));
    expect(decodeNode(encodeNode(nest(MAX_NODE_DEPTH)))).toEqual(nest(MAX_NODE_DEPTH));
    expect(() => decodeNode(encodeNode(nest(MAX_NODE_DEPTH + 1)))).toThrow(/nested deeper than 64/);
    const bomb = deflateSync(new Uint8Array(MAX_INFLATED_BYTES + 1));
    expect(() => decodeNode(Uint8Array.of(2, ...bomb))).toThrow(/does not inflate/);
  });

  it("refuses to encode an empty tag, a non-string attribute, a non-node child, or 65536 children", () => {
    expect(() => encodeNode({ tag: "", attrs: {} })).toThrow(BinaryNodeError);
    expect(() => encodeNode({ tag: "iq", attrs: { id: 5 as unknown as string } })).toThrow(/iq.id is a number/);
    expect(() => encodeNode({ tag: "iq", attrs: {}, content: [null as unknown as BinaryNode] })).toThrow(BinaryNodeError);
    const many = Array.from({ length: 65536 }, () => node("a"));
    expect(() => encodeNode(node("list", {}, many))).toThrow(/too long/);
  });

  it("leaves undefined attributes out, as Baileys does", () => {
    const n = { tag: "iq", attrs: { id: "1", type: undefined as unknown as string } };
    expect(ours(n)).toBe(theirs(n));
    expect(decodeNode(encodeNode(n)).attrs).toEqual({ id: "1" });
  });
});
