/**
 * The key-distribution stanzas (`<iq xmlns="encrypt">`) between a WhatsApp client and the server,
 * parsed and built on the binary node type of ../binary.
 *
 * Layouts (Baileys rc14 lib/Utils/signal.js `getNextPreKeysNode`, `xmppPreKey`,
 * `xmppSignedPreKey`, `parseAndInjectE2ESessions`; lib/Socket/socket.js `uploadPreKeys`,
 * `getAvailablePreKeysOnServer`, `digestKeyBundle`, `rotateSignedPreKey`; lib/Socket/
 * messages-send.js `assertSessions`). Byte contents: registration = 4 bytes big-endian, type =
 * the single byte 0x05, identity / value = 32-byte public keys, id = 3 bytes big-endian,
 * signature = 64 bytes.
 *
 *   upload  <iq xmlns="encrypt" type="set" to="s.whatsapp.net">
 *             <registration/><type/><identity/>
 *             <list><key><id/><value/></key>…</list>
 *             <skey><id/><value/><signature/></skey></iq>             → result iq, no content
 *   rotate  <iq xmlns="encrypt" type="set"><rotate><skey>…</skey></rotate></iq>
 *   count   <iq xmlns="encrypt" type="get"><count/></iq>            → <count value="N"/>
 *   digest  <iq xmlns="encrypt" type="get"><digest/></iq>           → must contain a <digest> child
 *           (Baileys only checks it exists; without it, it re-uploads and logs an error)
 *   fetch   <iq xmlns="encrypt" type="get"><key><user jid="…" [reason="identity"]/>…</key></iq>
 *           → <list><user jid="…"><registration/><type/><identity/><skey>…</skey>[<key>…</key>]</user>…</list>
 *
 * Baileys asks for 812 keys (INITIAL_PREKEY_COUNT) when `count` says 0, else tops up by 5 when
 * the count is ≤ 5; ids continue across uploads. A `<user>` with an `<error code text/>` child
 * makes Baileys' parseAndInjectE2ESessions throw for the whole fetch, so answer only users whose
 * bundles are known.
 */
import type { BinaryNode } from "../binary/index.js";
import type { DevicePairingRegistrationData } from "../proto/index.js";
import type { PreKeyBundle } from "./bundle.js";
import { SignalNodeError } from "./errors.js";
import { KEY_TYPE_DJB, verifySignedPreKey } from "./keys.js";

/** A signed prekey as uploaded (wire form). */
export interface UploadedSignedPreKey {
  keyId: number;
  /** 32 bytes. */
  publicKey: Uint8Array;
  /** 64 bytes. */
  signature: Uint8Array;
}

/** The content of a prekey upload iq. */
export interface PreKeyUpload {
  registrationId: number;
  /** 32 bytes. */
  identityKey: Uint8Array;
  /** In upload order. */
  preKeys: { keyId: number; publicKey: Uint8Array }[];
  signedPreKey: UploadedSignedPreKey;
}

/** One `<user>` of a key fetch. `reason` is "identity" when the client re-fetches after an identity change. */
export interface KeyFetchUser {
  jid: string;
  reason?: string;
}

export type EncryptIqKind = "upload" | "rotate" | "count" | "digest" | "fetch";

/** Which `xmlns="encrypt"` request `iq` is, or undefined when it is none of the five above. */
export function encryptIqKind(iq: BinaryNode): EncryptIqKind | undefined {
  if (iq.tag !== "iq" || iq.attrs.xmlns !== "encrypt") return undefined;
  const children = Array.isArray(iq.content) ? iq.content : [];
  const has = (tag: string) => children.some((c) => c.tag === tag);
  if (iq.attrs.type === "set") {
    if (has("rotate")) return "rotate";
    if (has("list") && has("skey")) return "upload";
  } else if (iq.attrs.type === "get") {
    if (has("count")) return "count";
    if (has("digest")) return "digest";
    if (has("key")) return "fetch";
  }
  return undefined;
}

/**
 * Parses a prekey upload iq. SignalNodeError for a missing child, a wrong byte length, a key type
 * other than 0x05, or a signed prekey whose signature the identity key does not verify.
 */
export function parsePreKeyUpload(iq: BinaryNode): PreKeyUpload {
  expectIq(iq, "set");
  const registrationId = uint(bytes(child(iq, "registration"), 4), "registration");
  const type = bytes(child(iq, "type"), 1);
  if (type[0] !== KEY_TYPE_DJB) throw new SignalNodeError(`key type ${type[0]}, expected ${KEY_TYPE_DJB}`);
  const identityKey = bytes(child(iq, "identity"), 32);
  const preKeys = children(child(iq, "list"))
    .filter((k) => k.tag === "key")
    .map((k) => ({ keyId: uint(bytes(child(k, "id"), 3), "key id"), publicKey: bytes(child(k, "value"), 32) }));
  const signedPreKey = parseSignedPreKey(child(iq, "skey"), identityKey);
  return { registrationId, identityKey, preKeys, signedPreKey };
}

/** The new signed prekey of a `<rotate>` iq, checked against the device's `identityKey` (32 bytes). */
export function parseSignedPreKeyRotate(iq: BinaryNode, identityKey: Uint8Array): UploadedSignedPreKey {
  expectIq(iq, "set");
  return parseSignedPreKey(child(child(iq, "rotate"), "skey"), identityKey);
}

/** The users of a key fetch iq, in request order. SignalNodeError when a `<user>` has no jid. */
export function parseKeyFetch(iq: BinaryNode): KeyFetchUser[] {
  expectIq(iq, "get");
  return children(child(iq, "key"))
    .filter((u) => u.tag === "user")
    .map((u) => {
      const jid = u.attrs.jid;
      if (!jid) throw new SignalNodeError("<user> without jid in key fetch");
      return u.attrs.reason ? { jid, reason: u.attrs.reason } : { jid };
    });
}

/** The `<list>` child of a key fetch result: one `<user jid>` per entry, in the given order. */
export function keyFetchResultList(users: { jid: string; bundle: PreKeyBundle }[]): BinaryNode {
  return { tag: "list", attrs: {}, content: users.map(({ jid, bundle }) => keyBundleUserNode(jid, bundle)) };
}

/** `<user jid><registration/><type/><identity/><skey>…</skey>[<key>…</key>]</user>`. */
export function keyBundleUserNode(jid: string, bundle: PreKeyBundle): BinaryNode {
  const content: BinaryNode[] = [
    leaf("registration", beUint(bundle.registrationId, 4)),
    leaf("type", Uint8Array.of(KEY_TYPE_DJB)),
    leaf("identity", bundle.identityKey),
    {
      tag: "skey",
      attrs: {},
      content: [
        leaf("id", beUint(bundle.signedPreKey.keyId, 3)),
        leaf("value", bundle.signedPreKey.publicKey),
        leaf("signature", bundle.signedPreKey.signature),
      ],
    },
  ];
  if (bundle.preKey) {
    content.push({
      tag: "key",
      attrs: {},
      content: [leaf("id", beUint(bundle.preKey.keyId, 3)), leaf("value", bundle.preKey.publicKey)],
    });
  }
  return { tag: "user", attrs: { jid }, content };
}

/** `<count value="n"/>`, the answer to a count iq. */
export function preKeyCountNode(count: number): BinaryNode {
  return { tag: "count", attrs: { value: String(count) } };
}

/**
 * A companion's first bundle, from the key fields of its registration ClientPayload
 * (`devicePairingData`: eRegid 4 bytes, eKeytype 0x05, eIdent 32, eSkeyId 3, eSkeyVal 32,
 * eSkeySig 64; Baileys rc14 lib/Utils/validate-connection.js `generateRegistrationNode`).
 * It has no one-time prekey. SignalNodeError on a wrong layout or signature.
 */
export function bundleFromPairingData(data: DevicePairingRegistrationData): PreKeyBundle {
  const field = (value: Uint8Array | undefined, name: string, length: number): Uint8Array => {
    if (!(value instanceof Uint8Array) || value.length !== length) {
      throw new SignalNodeError(`devicePairingData.${name}: expected ${length} bytes, got ${value?.length ?? "none"}`);
    }
    return value;
  };
  if (field(data.eKeytype, "eKeytype", 1)[0] !== KEY_TYPE_DJB) throw new SignalNodeError("devicePairingData.eKeytype is not 0x05");
  const identityKey = field(data.eIdent, "eIdent", 32);
  const signedPreKey = {
    keyId: uint(field(data.eSkeyId, "eSkeyId", 3), "eSkeyId"),
    publicKey: field(data.eSkeyVal, "eSkeyVal", 32),
    signature: field(data.eSkeySig, "eSkeySig", 64),
  };
  if (!verifySignedPreKey(identityKey, signedPreKey.publicKey, signedPreKey.signature)) {
    throw new SignalNodeError("devicePairingData: signed prekey signature does not verify");
  }
  return { registrationId: uint(field(data.eRegid, "eRegid", 4), "eRegid"), identityKey, signedPreKey };
}

// ------------------------------------------------------------------------ helpers

function parseSignedPreKey(skey: BinaryNode, identityKey: Uint8Array): UploadedSignedPreKey {
  const signed = {
    keyId: uint(bytes(child(skey, "id"), 3), "skey id"),
    publicKey: bytes(child(skey, "value"), 32),
    signature: bytes(child(skey, "signature"), 64),
  };
  if (!verifySignedPreKey(identityKey, signed.publicKey, signed.signature)) {
    throw new SignalNodeError(`signed prekey ${signed.keyId}: signature does not verify against the identity key`);
  }
  return signed;
}

function expectIq(iq: BinaryNode, type: "get" | "set"): void {
  if (iq.tag !== "iq" || iq.attrs.xmlns !== "encrypt" || iq.attrs.type !== type) {
    throw new SignalNodeError(`expected <iq xmlns="encrypt" type="${type}">, got <${iq.tag} xmlns="${iq.attrs.xmlns}" type="${iq.attrs.type}">`);
  }
}

function children(node: BinaryNode): BinaryNode[] {
  return Array.isArray(node.content) ? node.content : [];
}

function child(node: BinaryNode, tag: string): BinaryNode {
  const found = children(node).find((c) => c.tag === tag);
  if (!found) throw new SignalNodeError(`<${node.tag}> has no <${tag}>`);
  return found;
}

/** The byte content of `node`, which must be exactly `length` bytes. */
function bytes(node: BinaryNode, length: number): Uint8Array {
  if (!(node.content instanceof Uint8Array)) throw new SignalNodeError(`<${node.tag}> has no byte content`);
  if (node.content.length !== length) {
    throw new SignalNodeError(`<${node.tag}>: expected ${length} bytes, got ${node.content.length}`);
  }
  return Uint8Array.from(node.content);
}

function uint(b: Uint8Array, what: string): number {
  let n = 0;
  for (const byte of b) n = n * 256 + byte;
  if (!Number.isSafeInteger(n)) throw new SignalNodeError(`${what} out of range`);
  return n;
}

function beUint(n: number, length: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** (8 * length)) throw new RangeError(`${n} does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  for (let i = length - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

function leaf(tag: string, content: Uint8Array): BinaryNode {
  return { tag, attrs: {}, content };
}
