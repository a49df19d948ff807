/**
 * The sandbox's Signal layer (sandbox/whatsapp-web/signal) against the third-party oracle: the
 * pinned Baileys client's own signal repository (DEFAULT_CONNECTION_CONFIG.makeSignalRepository =
 * makeLibSignalRepository), its key helpers (initAuthCreds, getNextPreKeysNode, Curve,
 * generateRegistrationNode), its bundle parser (parseAndInjectE2ESessions), its message encoder
 * (encodeWAMessage) and its incoming-message path (decryptMessageNode), with every node crossing
 * between the two sides through the real binary codecs (Baileys' encodeBinaryNode/decodeBinaryNode,
 * the sandbox's encodeNode/decodeNode).
 */
import {
  type AuthenticationCreds,
  type BinaryNode as BaileysNode,
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  type SignalAuthState,
  type SocketConfig,
  decodeBinaryNode,
  decryptMessageNode,
  encodeBinaryNode,
  encodeWAMessage,
  generateRegistrationNode,
  getNextPreKeysNode,
  initAuthCreds,
  parseAndInjectE2ESessions,
  proto as baileys,
  signedKeyPair,
  unpadRandomMax16 as baileysUnpad,
  writeRandomPadMax16 as baileysPad,
  xmppSignedPreKey,
} from "baileys";
import { pino } from "pino";
import protobuf from "protobufjs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type BinaryNode, decodeNode, encodeNode } from "../../../sandbox/whatsapp-web/binary/index.js";
import { type Message, proto } from "../../../sandbox/whatsapp-web/proto/index.js";
import {
  ClientDeviceKeys,
  type PreKeyBundle,
  SignalDecryptError,
  SignalDevice,
  SignalNoSessionError,
  SignalNodeError,
  bundleFromPairingData,
  encryptIqKind,
  keyFetchResultList,
  padRandomMax16,
  parseKeyFetch,
  parsePreKeyUpload,
  parseSignedPreKeyRotate,
  preKeyCountNode,
  signalAddress,
  unpadRandomMax16,
} from "../../../sandbox/whatsapp-web/signal/index.js";
import { memoryAuth } from "./helpers/baileys-client.js";

const CLIENT = "15550001111:4@s.whatsapp.net"; // the Baileys companion device
const CONTACT = "15550002222@s.whatsapp.net"; // a sandbox contact's phone (device 0)
const logger = pino({ level: "silent" }) as unknown as SocketConfig["logger"];

// ------------------------------------------------------------------------ the Baileys side

interface BaileysDevice {
  creds: AuthenticationCreds;
  auth: SignalAuthState;
  repo: ReturnType<SocketConfig["makeSignalRepository"]>;
}

function baileysDevice(): BaileysDevice {
  const { creds, state } = memoryAuth(initAuthCreds());
  // The repository wraps its work in keys.transaction (Baileys' addTransactionCapability adds it).
  const keys = { ...state.keys, transaction: <T>(work: () => Promise<T>) => work(), isInTransaction: () => false };
  const auth = { creds, keys } as unknown as SignalAuthState;
  return { creds, auth, repo: DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger) };
}

/** Baileys' own upload iq (5 one-time prekeys), as the sandbox receives it off the wire. */
async function uploadFrom(device: BaileysDevice, count = 5): Promise<BinaryNode> {
  const { update, node } = await getNextPreKeysNode({ creds: device.creds, keys: device.auth.keys }, count);
  Object.assign(device.creds, update);
  return decodeNode(encodeBinaryNode(node));
}

/** A key fetch result iq for `users`, built by the sandbox, as Baileys receives it off the wire. */
async function fetchResultFor(users: { jid: string; bundle: PreKeyBundle }[]): Promise<BaileysNode> {
  const iq: BinaryNode = { tag: "iq", attrs: { from: "s.whatsapp.net", id: "1", type: "result" }, content: [keyFetchResultList(users)] };
  return decodeBinaryNode(Buffer.from(encodeNode(iq)));
}

/** Baileys' whole incoming-message path on `<message from><enc v="2" type>…</enc></message>`. */
async function baileysReceives(device: BaileysDevice, from: string, enc: { type: string; ciphertext: Uint8Array }) {
  const wire = encodeNode({
    tag: "message",
    attrs: { from, id: `3EB0${Math.random().toString(16).slice(2, 10)}`, type: "text", t: "1700000000" },
    content: [{ tag: "enc", attrs: { v: "2", type: enc.type }, content: enc.ciphertext }],
  });
  const stanza = await decodeBinaryNode(Buffer.from(wire));
  const { fullMessage, decrypt } = decryptMessageNode(stanza, CLIENT, "", device.repo, logger as never);
  await decrypt();
  return fullMessage;
}

async function baileysSends(device: BaileysDevice, to: string, message: baileys.IMessage) {
  const { type, ciphertext } = await device.repo.encryptMessage({ jid: to, data: encodeWAMessage(message) });
  return { type: type as "pkmsg" | "msg", ciphertext: new Uint8Array(ciphertext) };
}

const text = (conversation: string): Message => ({ conversation });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// ------------------------------------------------------------------------ tests

describe("prekey upload and key fetch nodes", () => {
  it("parses the upload iq Baileys builds (getNextPreKeysNode) into its creds and stored keys", async () => {
    const client = baileysDevice();
    const iq = await uploadFrom(client, 5);
    expect(encryptIqKind(iq)).toBe("upload");
    const upload = parsePreKeyUpload(iq);
    expect(upload.registrationId).toBe(client.creds.registrationId);
    expect(hex(upload.identityKey)).toBe(hex(client.creds.signedIdentityKey.public));
    expect(upload.signedPreKey).toEqual({
      keyId: client.creds.signedPreKey.keyId,
      publicKey: new Uint8Array(client.creds.signedPreKey.keyPair.public),
      signature: new Uint8Array(client.creds.signedPreKey.signature),
    });
    expect(upload.preKeys.map((k) => k.keyId)).toEqual([1, 2, 3, 4, 5]);
    const stored = await client.auth.keys.get("pre-key", ["1", "5"]);
    expect(hex(upload.preKeys[0]!.publicKey)).toBe(hex(stored["1"]!.public));
    expect(hex(upload.preKeys[4]!.publicKey)).toBe(hex(stored["5"]!.public));

    // a second upload continues the ids; the server's record queues them behind the first ones
    const keys = ClientDeviceKeys.fromUpload(upload);
    keys.applyUpload(parsePreKeyUpload(await uploadFrom(client, 3)));
    expect(keys.preKeyCount).toBe(8);
    expect(preKeyCountNode(keys.preKeyCount)).toEqual({ tag: "count", attrs: { value: "8" } });
    expect(keys.takeBundle().preKey?.keyId).toBe(1);
    expect(keys.preKeyCount).toBe(7);
  });

  it("refuses an upload whose signed prekey signature does not verify, or with a wrong key length", async () => {
    const client = baileysDevice();
    const iq = await uploadFrom(client, 1);
    const skey = (iq.content as BinaryNode[]).find((n) => n.tag === "skey")!;
    const sig = (skey.content as BinaryNode[]).find((n) => n.tag === "signature")!;
    (sig.content as Uint8Array)[10]! ^= 1;
    expect(() => parsePreKeyUpload(iq)).toThrow(SignalNodeError);
    const identity = (iq.content as BinaryNode[]).find((n) => n.tag === "identity")!;
    identity.content = (identity.content as Uint8Array).subarray(1);
    expect(() => parsePreKeyUpload(iq)).toThrow(/<identity>: expected 32 bytes, got 31/);
  });

  it("reads the companion's first bundle from Baileys' registration payload and its rotate iq", () => {
    const creds = initAuthCreds();
    const config = { ...DEFAULT_CONNECTION_CONFIG, browser: ["Mac OS", "Desktop", "14.4.1"] } as SocketConfig;
    const payload = proto.ClientPayload.decode(baileys.ClientPayload.encode(generateRegistrationNode(creds, config)).finish());
    const keys = ClientDeviceKeys.fromPairingData(payload.devicePairingData!);
    const bundle = keys.takeBundle();
    expect(bundle).toEqual(bundleFromPairingData(payload.devicePairingData!));
    expect(bundle.registrationId).toBe(creds.registrationId);
    expect(bundle.preKey).toBeUndefined();
    expect(keys.preKeyCount).toBe(0);

    // rotateSignedPreKey's iq (lib/Socket/socket.js), with Baileys' own signedKeyPair + xmppSignedPreKey
    const next = signedKeyPair(creds.signedIdentityKey, 2);
    const rotate: BinaryNode = decodeNode(
      encodeBinaryNode({
        tag: "iq",
        attrs: { to: "s.whatsapp.net", type: "set", xmlns: "encrypt", id: "r1" },
        content: [{ tag: "rotate", attrs: {}, content: [xmppSignedPreKey(next)] }],
      }),
    );
    expect(encryptIqKind(rotate)).toBe("rotate");
    expect(parseSignedPreKeyRotate(rotate, bundle.identityKey).keyId).toBe(2);
    expect(() => parseSignedPreKeyRotate(rotate, Curve.generateKeyPair().public)).toThrow(SignalNodeError);
  });

  it("parses a key fetch iq and builds a result Baileys parses into a working session", async () => {
    const fetch = decodeNode(
      encodeBinaryNode({
        tag: "iq",
        attrs: { id: "f1", xmlns: "encrypt", type: "get", to: "s.whatsapp.net" },
        content: [{ tag: "key", attrs: {}, content: [{ tag: "user", attrs: { jid: CONTACT } }, { tag: "user", attrs: { jid: "15550003333:2@s.whatsapp.net", reason: "identity" } }] }],
      }),
    );
    expect(encryptIqKind(fetch)).toBe("fetch");
    expect(parseKeyFetch(fetch)).toEqual([{ jid: CONTACT }, { jid: "15550003333:2@s.whatsapp.net", reason: "identity" }]);

    const contact = new SignalDevice({ preKeyCount: 2 });
    const bundle = contact.takeBundle();
    // the signed prekey signature checks out with Baileys' Curve.verify (libsignal's initOutgoing skips it)
    expect(Curve.verify(bundle.identityKey, Buffer.concat([Buffer.of(5), bundle.signedPreKey.publicKey]), bundle.signedPreKey.signature)).toBe(true);
    const client = baileysDevice();
    await parseAndInjectE2ESessions(await fetchResultFor([{ jid: CONTACT, bundle }]), client.repo);
    const info = await client.repo.getSessionInfo(CONTACT);
    expect(info?.registrationId).toBe(contact.registrationId);
    expect(contact.availablePreKeys).toBe(1);
  });
});

describe("1:1 messages between a sandbox contact and the Baileys client", () => {
  let errors: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    // libsignal logs every failed session attempt with console.error / console.warn
    errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it("(1)+(3) contact → client: pkmsg from the bundle of Baileys' upload, then msg once the client replied", async () => {
    const client = baileysDevice();
    const server = ClientDeviceKeys.fromUpload(parsePreKeyUpload(await uploadFrom(client, 5)));
    const contact = new SignalDevice();

    const bundle = server.takeBundle();
    const first = await contact.encrypt(CLIENT, text("hello from the sandbox"), bundle);
    expect(first.type).toBe("pkmsg");
    const got = await baileysReceives(client, CONTACT, first);
    expect(got.messageStubType).toBeFalsy();
    expect(got.message?.conversation).toBe("hello from the sandbox");
    // the pkmsg named the one-time prekey of the bundle, and Baileys used it up
    expect(bundle.preKey?.keyId).toBe(1);
    expect(await client.auth.keys.get("pre-key", ["1"])).toEqual({});

    // until the client answers, the contact keeps sending pkmsg (libsignal's pendingPreKey)
    expect((await contact.encrypt(CLIENT, text("again"))).type).toBe("pkmsg");

    const reply = await baileysSends(client, CONTACT, { conversation: "hi sandbox" });
    expect(reply.type).toBe("msg");
    expect(await contact.decrypt(CLIENT, reply)).toEqual(text("hi sandbox"));

    const second = await contact.encrypt(CLIENT, { extendedTextMessage: { text: "second" } });
    expect(second.type).toBe("msg");
    expect((await baileysReceives(client, CONTACT, second)).message?.extendedTextMessage?.text).toBe("second");
  });

  it("(2)+(3) client → contact: pkmsg from a bundle Baileys parsed out of the sandbox's fetch result, then msg both ways", async () => {
    const client = baileysDevice();
    const contact = new SignalDevice({ firstPreKeyId: 100, preKeyCount: 3 });
    const bundle = contact.takeBundle();
    await parseAndInjectE2ESessions(await fetchResultFor([{ jid: CONTACT, bundle }]), client.repo);

    const first = await baileysSends(client, CONTACT, { conversation: "hello contact" });
    expect(first.type).toBe("pkmsg");
    expect(contact.store.hasPreKey(100)).toBe(true);
    expect(await contact.decrypt(CLIENT, first)).toEqual(text("hello contact"));
    expect(contact.store.hasPreKey(100)).toBe(false); // used up by the pkmsg
    expect(contact.hasSession(CLIENT)).toBe(true);

    // the contact answers on the session the pkmsg built: msg at once
    const answer = await contact.encrypt(CLIENT, text("hello client"));
    expect(answer.type).toBe("msg");
    expect((await baileysReceives(client, CONTACT, answer)).message?.conversation).toBe("hello client");

    const second = await baileysSends(client, CONTACT, { conversation: "second" });
    expect(second.type).toBe("msg");
    expect(await contact.decrypt(CLIENT, second)).toEqual(text("second"));
    expect(errors).not.toHaveBeenCalled();
  });

  it("(4) corrupted, replayed and session-less ciphertext fail with SignalDecryptError, leaving the session intact", async () => {
    const client = baileysDevice();
    const contact = new SignalDevice();
    await parseAndInjectE2ESessions(await fetchResultFor([{ jid: CONTACT, bundle: contact.takeBundle() }]), client.repo);

    const pk = await baileysSends(client, CONTACT, { conversation: "one" });
    const badPk = Uint8Array.from(pk.ciphertext);
    badPk[innerMessageEnd(badPk) - 3]! ^= 0x40; // inside the inner WhisperMessage's 8-byte MAC
    await expect(contact.decrypt(CLIENT, { type: "pkmsg", ciphertext: badPk })).rejects.toMatchObject({ name: "SignalDecryptError", reason: "bad-mac" });
    expect(await contact.decrypt(CLIENT, pk)).toEqual(text("one"));

    const msg = await baileysSends(client, CONTACT, { conversation: "two" });
    expect(msg.type).toBe("pkmsg"); // the contact has not answered yet
    const answer = await contact.encrypt(CLIENT, text("ok"));
    await baileysReceives(client, CONTACT, answer);
    const m = await baileysSends(client, CONTACT, { conversation: "three" });
    expect(m.type).toBe("msg");

    const flipped = Uint8Array.from(m.ciphertext);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    const err = await contact.decrypt(CLIENT, { type: "msg", ciphertext: flipped }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignalDecryptError);
    expect((err as SignalDecryptError).reason).toMatch(/^(bad-mac|malformed)$/);
    await expect(contact.decrypt(CLIENT, { type: "msg", ciphertext: m.ciphertext.subarray(0, 5) })).rejects.toBeInstanceOf(SignalDecryptError);
    await expect(contact.decrypt(CLIENT, { type: "msg", ciphertext: Uint8Array.of(0x33, 1, 2, 3) })).rejects.toBeInstanceOf(SignalDecryptError);

    // the genuine message still decrypts after the failures; a replay of it does not (libsignal
    // folds a msg's per-session errors into one, so a replayed msg reads as bad-mac; a replayed
    // pkmsg is reported as duplicate)
    expect(await contact.decrypt(CLIENT, m)).toEqual(text("three"));
    await expect(contact.decrypt(CLIENT, m)).rejects.toMatchObject({ reason: "bad-mac" });
    await expect(contact.decrypt(CLIENT, pk)).rejects.toMatchObject({ reason: "duplicate" });
    // a msg from a device with no session here
    await expect(contact.decrypt("15550001111:7@s.whatsapp.net", m)).rejects.toMatchObject({ reason: "no-session" });
  });

  it("a pkmsg naming a one-time prekey the contact no longer holds fails with reason prekey", async () => {
    const contact = new SignalDevice({ preKeyCount: 1 });
    const bundle = contact.takeBundle();
    contact.store.removePreKey(bundle.preKey!.keyId);
    const client = baileysDevice();
    await parseAndInjectE2ESessions(await fetchResultFor([{ jid: CONTACT, bundle }]), client.repo);
    const pk = await baileysSends(client, CONTACT, { conversation: "x" });
    await expect(contact.decrypt(CLIENT, pk)).rejects.toMatchObject({ reason: "prekey" });
  });

  it("without one-time prekeys (pairing bundle) the session still starts; encrypt without session or bundle is typed", async () => {
    const contact = new SignalDevice({ preKeyCount: 0 });
    const client = baileysDevice();
    await expect(contact.encrypt(CLIENT, text("x"))).rejects.toBeInstanceOf(SignalNoSessionError);
    const bundle = bundleFromPairingData(
      proto.ClientPayload.decode(
        baileys.ClientPayload.encode(generateRegistrationNode(client.creds, { ...DEFAULT_CONNECTION_CONFIG } as SocketConfig)).finish(),
      ).devicePairingData!,
    );
    const first = await contact.encrypt(CLIENT, text("no prekey"), bundle);
    expect(first.type).toBe("pkmsg");
    expect((await baileysReceives(client, CONTACT, first)).message?.conversation).toBe("no prekey");
  });

  it("reports bad padding and non-Message plaintext with their own reasons", async () => {
    const contact = new SignalDevice();
    const client = baileysDevice();
    await parseAndInjectE2ESessions(await fetchResultFor([{ jid: CONTACT, bundle: contact.takeBundle() }]), client.repo);
    const unpadded = await client.repo.encryptMessage({ jid: CONTACT, data: Buffer.from(baileys.Message.encode({ conversation: "x" }).finish()) });
    // "x" encodes as 0a 01 78: last byte 0x78 = 120 > 3 bytes
    await expect(contact.decrypt(CLIENT, { type: unpadded.type as "pkmsg", ciphertext: unpadded.ciphertext })).rejects.toMatchObject({ reason: "padding" });
    const garbage = await client.repo.encryptMessage({ jid: CONTACT, data: Buffer.from([0xff, 0xff, 0xff, 0x01]) });
    await expect(contact.decrypt(CLIENT, { type: garbage.type as "pkmsg", ciphertext: garbage.ciphertext })).rejects.toMatchObject({ reason: "proto" });
  });
});

describe("padding and addresses", () => {
  it("pads 1..16 bytes of value n, readable by Baileys; reads Baileys' padding", () => {
    const body = Uint8Array.from([1, 2, 3, 4]);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const padded = padRandomMax16(body);
      const n = padded.length - body.length;
      seen.add(n);
      expect(padded.subarray(body.length).every((b) => b === n)).toBe(true);
      expect(Buffer.from(baileysUnpad(padded))).toEqual(Buffer.from(body));
      expect(Uint8Array.from(unpadRandomMax16(baileysPad(Buffer.from(body))))).toEqual(body);
    }
    expect(Math.min(...seen)).toBe(1);
    expect(Math.max(...seen)).toBe(16);
    expect(() => unpadRandomMax16(new Uint8Array(0))).toThrow(RangeError);
    expect(() => unpadRandomMax16(Uint8Array.of(1, 0))).toThrow(RangeError);
    expect(() => unpadRandomMax16(Uint8Array.of(1, 5))).toThrow(RangeError);
  });

  it("names sessions like Baileys' jidToSignalProtocolAddress", async () => {
    expect(signalAddress("15550001111:4@s.whatsapp.net")).toBe("15550001111.4");
    expect(signalAddress("15550001111@s.whatsapp.net")).toBe("15550001111.0");
    expect(signalAddress("987654321:2@lid")).toBe("987654321_1.2");
    expect(() => signalAddress("123-456@g.us")).toThrow(RangeError);
    const client = baileysDevice();
    for (const jid of ["15550001111:4@s.whatsapp.net", "987654321:2@lid", "987654321@lid"]) {
      expect(client.repo.jidToSignalProtocolAddress(jid)).toBe(signalAddress(jid));
    }
  });
});

/**
 * End offset (in `pkmsg`) of the inner WhisperMessage: field 4 of the PreKeyWhisperMessage protobuf
 * after the version byte (libsignal src/protobufs.js / WhisperTextProtocol.proto).
 */
function innerMessageEnd(pkmsg: Uint8Array): number {
  const reader = protobuf.Reader.create(pkmsg.subarray(1));
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 4 && (tag & 7) === 2) {
      const length = reader.uint32();
      return 1 + reader.pos + length;
    }
    reader.skipType(tag & 7);
  }
  throw new Error("no inner message in pkmsg");
}
