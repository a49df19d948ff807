/**
 * The sandbox's protobuf layer (sandbox/whatsapp-web/proto) against the third-party oracle: the
 * pinned Baileys client's own generated `proto` (static protobufjs code from its WAProto.proto),
 * its WAProto.proto text, and the Baileys functions that build or read these messages.
 */
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import protobuf from "protobufjs";
import {
  type BinaryNode,
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
  configureSuccessfulPairing,
  generateLoginNode,
  generateRegistrationNode,
  initAuthCreds,
  proto as baileys,
  type SocketConfig,
} from "baileys";
import { describe, expect, it } from "vitest";
import {
  ADVEncryptionType,
  type Codec,
  ConnectReason,
  ConnectType,
  DevicePlatformType,
  ProtocolMessageType,
  ReleaseChannel,
  UserAgentPlatform,
  WebSubPlatform,
  proto,
  waProtoRoot,
} from "../../../sandbox/whatsapp-web/proto/index.js";
import type * as T from "../../../sandbox/whatsapp-web/proto/index.js";

// ------------------------------------------------------------------------ helpers

/** Deterministic test bytes: n bytes starting at `seed`. */
function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed + i * 31) & 0xff);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Comparable form: bytes as hex strings, absent/null fields and empty arrays dropped, keys sorted. */
function canon(value: unknown): unknown {
  if (value instanceof Uint8Array) return `0x${hex(value)}`;
  if (Array.isArray(value)) return value.map(canon);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
      out[key] = canon(v);
    }
    return out;
  }
  return value;
}

/** The part of a Baileys static message class these tests use. */
interface StaticType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: object): object;
  toObject(message: object, options: object): Record<string, unknown>;
}

/** Baileys' object for a WAProto name: "proto.CertChain.NoiseCertificate" → baileys.CertChain.NoiseCertificate. */
function baileysLookup(fullName: string): unknown {
  let node: unknown = baileys;
  for (const key of fullName.replace(/^proto\./, "").split(".")) node = (node as Record<string, unknown>)[key];
  if (node === undefined) throw new Error(`Baileys' proto has no ${fullName}`);
  return node;
}
const baileysType = (typeName: string): StaticType => baileysLookup(typeName) as StaticType;

const baileysDecode = (typeName: string, b: Uint8Array): Record<string, unknown> => {
  const type = baileysType(typeName);
  return type.toObject(type.decode(b), { longs: Number, enums: Number });
};
const baileysEncode = (typeName: string, object: object): Uint8Array => {
  const type = baileysType(typeName);
  return type.encode(type.fromObject(object)).finish();
};

interface Sample {
  name: string;
  codec: Codec<unknown>;
  value: unknown;
}
/** A named sample for `codec`, type-checked against the codec's TypeScript shape. */
const sample = <V>(name: string, codec: Codec<V>, value: V): Sample => ({
  name,
  codec: codec as Codec<unknown>,
  value,
});

// ------------------------------------------------------------------------ realistic samples

const NOW_S = 1_767_225_600; // 2026-01-01T00:00:00Z, unix seconds
const NOW_MS = NOW_S * 1000 + 123;

const certDetails: T.NoiseCertificateDetails = {
  serial: 1,
  issuerSerial: 0,
  key: bytes(32, 1),
  notBefore: NOW_S,
  notAfter: NOW_S + 10 * 365 * 86_400,
};

const userAgent: T.UserAgent = {
  platform: UserAgentPlatform.WEB,
  appVersion: { primary: 2, secondary: 3000, tertiary: 1_029_496_320, quaternary: 4, quinary: 5 },
  mcc: "000",
  mnc: "000",
  osVersion: "0.1",
  manufacturer: "Sandbox",
  device: "Desktop",
  osBuildNumber: "0.1",
  phoneId: "5b8d1c2e-0000-4000-8000-000000000001",
  releaseChannel: ReleaseChannel.RELEASE,
  localeLanguageIso6391: "en",
  localeCountryIso31661Alpha2: "DE",
  deviceBoard: "board",
  deviceExpId: "exp",
  deviceType: 2,
  deviceModelType: "model",
};

const deviceProps: T.DeviceProps = {
  os: "Mac OS",
  version: { primary: 10, secondary: 15, tertiary: 7, quaternary: 0, quinary: 1 },
  platformType: DevicePlatformType.DESKTOP,
  requireFullSync: false,
  historySyncConfig: {
    fullSyncDaysLimit: 365,
    fullSyncSizeMbLimit: 2048,
    storageQuotaMb: 10_240,
    inlineInitialPayloadInE2EeMsg: true,
    recentSyncDaysLimit: 90,
    supportCallLogHistory: false,
    supportBotUserAgentChatHistory: true,
    supportCagReactionsAndPolls: true,
    supportBizHostedMsg: true,
    supportRecentSyncChunkMessageCountTuning: true,
    supportHostedGroupMsg: true,
    supportFbidBotChatHistory: true,
    supportAddOnHistorySyncMigration: false,
    supportMessageAssociation: true,
    supportGroupHistory: false,
    onDemandReady: true,
    supportGuestChat: false,
    completeOnDemandReady: true,
    thumbnailSyncDaysLimit: 30,
  },
};

const deviceListMetadata: T.DeviceListMetadata = {
  senderKeyHash: bytes(10, 3),
  senderTimestamp: NOW_S - 86_400,
  senderKeyIndexes: [0, 3, 17, 300],
  senderAccountType: ADVEncryptionType.E2EE,
  receiverAccountType: ADVEncryptionType.HOSTED,
  recipientKeyHash: bytes(10, 4),
  recipientTimestamp: NOW_S - 3600,
  recipientKeyIndexes: [1, 2],
};

const messageKey: T.MessageKey = {
  remoteJid: "4915112345678@s.whatsapp.net",
  fromMe: true,
  id: "3EB0C767D26A1D5D5B1C",
  participant: "4915112345678:3@s.whatsapp.net",
};

const contextInfo: T.MessageContextInfo = {
  deviceListMetadata,
  deviceListMetadataVersion: 2,
  messageSecret: bytes(32, 5),
  paddingBytes: bytes(7, 6),
  messageAddOnDurationInSecs: 86_400,
  botMessageSecret: bytes(32, 7),
  reportingTokenVersion: 1,
  capiCreatedGroup: false,
  supportPayload: "{}",
};

const extendedText: T.ExtendedTextMessage = {
  text: "see https://example.org — ünïcödé ✓",
  matchedText: "https://example.org",
  description: "Example Domain",
  title: "Example",
  textArgb: 0xff_ff_ff_ff,
  backgroundArgb: 0xff_7a_cc_a4,
  font: 1,
  previewType: 0,
  jpegThumbnail: bytes(64, 8),
  doNotPlayInline: true,
  mediaKeyTimestamp: NOW_S,
  viewOnce: false,
};

const samples: Sample[] = [
  sample("HandshakeMessage.clientHello", proto.HandshakeMessage, {
    clientHello: {
      ephemeral: bytes(32, 10),
      static: bytes(48, 11),
      payload: bytes(40, 12),
      useExtended: false,
      extendedCiphertext: bytes(16, 13),
    },
  }),
  sample("HandshakeMessage.serverHello", proto.HandshakeMessage, {
    serverHello: { ephemeral: bytes(32, 14), static: bytes(48, 15), payload: bytes(300, 16), extendedStatic: bytes(48, 17) },
  }),
  sample("HandshakeMessage.clientFinish", proto.HandshakeMessage, {
    clientFinish: { static: bytes(48, 18), payload: bytes(250, 19), extendedCiphertext: bytes(20, 20) },
  }),
  sample("CertChain", proto.CertChain, {
    leaf: { details: proto.CertChain.NoiseCertificate.Details.encode({ ...certDetails, serial: 2, issuerSerial: 1 }), signature: bytes(64, 21) },
    intermediate: { details: proto.CertChain.NoiseCertificate.Details.encode(certDetails), signature: bytes(64, 22) },
  }),
  sample("CertChain.NoiseCertificate", proto.CertChain.NoiseCertificate, { details: bytes(60, 23), signature: bytes(64, 24) }),
  sample("CertChain.NoiseCertificate.Details", proto.CertChain.NoiseCertificate.Details, certDetails),
  sample("ClientPayload (login, as Baileys sends it)", proto.ClientPayload, {
    username: 4_915_112_345_678, // > 2^32: exercises the high word of uint64
    passive: true,
    userAgent,
    webInfo: {
      refToken: "ref",
      version: "2.3000.1029496320",
      webSubPlatform: WebSubPlatform.WEB_BROWSER,
      webdPayload: {
        usesParticipantInKey: true,
        supportsStarredMessages: true,
        supportsDocumentMessages: true,
        supportsUrlMessages: true,
        supportsMediaRetry: true,
        supportsE2EImage: true,
        supportsE2EVideo: true,
        supportsE2EAudio: true,
        supportsE2EDocument: true,
        documentTypes: "pdf,docx",
        features: bytes(4, 25),
      },
    },
    pushName: "Sandbox User",
    connectType: ConnectType.WIFI_UNKNOWN,
    connectReason: ConnectReason.USER_ACTIVATED,
    device: 7,
    pull: true,
    lidDbMigrated: false, // false is present on the wire (proto3 optional)
  }),
  sample("ClientPayload (registration)", proto.ClientPayload, {
    passive: false,
    pull: false,
    userAgent,
    connectType: ConnectType.CELLULAR_LTE,
    connectReason: ConnectReason.ERROR_RECONNECT,
    devicePairingData: {
      eRegid: Uint8Array.from([0, 0, 0x30, 0x39]),
      eKeytype: Uint8Array.from([5]),
      eIdent: bytes(32, 26),
      eSkeyId: Uint8Array.from([0, 0, 1]),
      eSkeyVal: bytes(32, 27),
      eSkeySig: bytes(64, 28),
      buildHash: bytes(16, 29),
      deviceProps: proto.DeviceProps.encode(deviceProps),
    },
  }),
  sample("ClientPayload (every other field)", proto.ClientPayload, {
    sessionId: -123_456_789, // sfixed32, negative
    shortConnect: true,
    shards: [0, 7, -1, 300], // repeated int32, packed
    connectAttemptCount: 3,
    product: 0,
    fbCat: bytes(5, 30),
    fbUserAgent: bytes(6, 31),
    oc: false,
    lc: 2,
    iosAppExtension: 1,
    fbAppId: 2_562_047_788_015_215, // uint64 above 2^32
    fbDeviceId: bytes(16, 32),
    paddingBytes: bytes(3, 33),
    yearClass: 2024,
    memClass: 4096,
    trafficAnonymization: 1,
    accountType: 1,
    connectionSequenceInfo: -7,
    paaLink: true,
    preacksCount: 12,
    processingQueueSize: 0,
  }),
  sample("DeviceProps", proto.DeviceProps, deviceProps),
  sample("ADVSignedDeviceIdentityHMAC", proto.ADVSignedDeviceIdentityHMAC, {
    details: bytes(180, 34),
    hmac: bytes(32, 35),
    accountType: ADVEncryptionType.HOSTED,
  }),
  sample("ADVSignedDeviceIdentity", proto.ADVSignedDeviceIdentity, {
    details: bytes(20, 36),
    accountSignatureKey: bytes(32, 37),
    accountSignature: bytes(64, 38),
    deviceSignature: bytes(64, 39),
  }),
  sample("ADVDeviceIdentity", proto.ADVDeviceIdentity, {
    rawId: 3_000_000_000, // uint32 above 2^31
    timestamp: NOW_S,
    keyIndex: 4,
    accountType: ADVEncryptionType.E2EE,
    deviceType: ADVEncryptionType.HOSTED,
  }),
  sample("ADVKeyIndexList", proto.ADVKeyIndexList, {
    rawId: 42,
    timestamp: NOW_S,
    currentIndex: 4,
    validIndexes: [0, 2, 3, 4],
    accountType: ADVEncryptionType.E2EE,
  }),
  sample("ADVSignedKeyIndexList", proto.ADVSignedKeyIndexList, {
    details: bytes(20, 40),
    accountSignature: bytes(64, 41),
    accountSignatureKey: bytes(32, 42),
  }),
  sample("Message.conversation", proto.Message, { conversation: "hello from the sandbox 👋" }),
  sample("Message.extendedTextMessage + messageContextInfo", proto.Message, {
    extendedTextMessage: extendedText,
    messageContextInfo: contextInfo,
  }),
  sample("Message.protocolMessage (revoke / edit)", proto.Message, {
    protocolMessage: {
      key: messageKey,
      type: ProtocolMessageType.MESSAGE_EDIT,
      ephemeralExpiration: 604_800,
      ephemeralSettingTimestamp: NOW_S,
      editedMessage: { conversation: "edited" },
      timestampMs: NOW_MS, // int64 milliseconds, above 2^32
      invokerJid: "4915112345678@s.whatsapp.net",
    },
  }),
  sample("Message.deviceSentMessage", proto.Message, {
    deviceSentMessage: {
      destinationJid: "4917687654321@s.whatsapp.net",
      message: { extendedTextMessage: { text: "to my other device" }, messageContextInfo: { messageSecret: bytes(32, 43) } },
      phash: "2:qJdQ0N7r",
    },
    messageContextInfo: { deviceListMetadata, deviceListMetadataVersion: 2 },
  }),
  sample("Message.senderKeyDistributionMessage", proto.Message, {
    senderKeyDistributionMessage: { groupId: "120363025246125486@g.us", axolotlSenderKeyDistributionMessage: bytes(80, 44) },
    fastRatchetKeySenderKeyDistributionMessage: { groupId: "120363025246125486@g.us", axolotlSenderKeyDistributionMessage: bytes(80, 45) },
    conversation: "group hello",
  }),
  sample("Message.contactMessage, locationMessage, reactionMessage, a quoted reply", proto.Message, {
    contactMessage: { displayName: "Ada", vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:+15550001111\nEND:VCARD", contextInfo: { stanzaId: "3EB0AA", isForwarded: true } },
    locationMessage: {
      degreesLatitude: 48.858_370_5,
      degreesLongitude: 2.294_481_3,
      name: "Tour Eiffel",
      address: "Champ de Mars, Paris",
      url: "https://maps.example/eiffel",
      isLive: false,
      accuracyInMeters: 12,
      speedInMps: 1.5,
      degreesClockwiseFromMagneticNorth: 270,
      comment: "meet here",
      jpegThumbnail: bytes(16, 47),
      contextInfo: { forwardingScore: 2 },
    },
    reactionMessage: { key: messageKey, text: "👍", groupingKey: "👍", senderTimestampMs: NOW_MS },
    extendedTextMessage: {
      text: "a reply",
      contextInfo: {
        stanzaId: "3EB0BB",
        participant: "4917687654321@s.whatsapp.net",
        quotedMessage: { conversation: "the quoted text" },
        remoteJid: "4917687654321@s.whatsapp.net",
        mentionedJid: ["4915112345678@s.whatsapp.net", "4917687654321@s.whatsapp.net"],
        forwardingScore: 1,
        isForwarded: false,
        expiration: 86_400,
      },
    },
  }),
  sample("Message.ExtendedTextMessage", proto.Message.ExtendedTextMessage, extendedText),
  sample("Message.ProtocolMessage", proto.Message.ProtocolMessage, { key: messageKey, type: ProtocolMessageType.REVOKE }),
  sample("Message.DeviceSentMessage", proto.Message.DeviceSentMessage, {
    destinationJid: "4917687654321@s.whatsapp.net",
    message: { conversation: "hi" },
  }),
  sample("Message.SenderKeyDistributionMessage", proto.Message.SenderKeyDistributionMessage, {
    groupId: "120363025246125486@g.us",
    axolotlSenderKeyDistributionMessage: bytes(80, 46),
  }),
  sample("MessageKey", proto.MessageKey, messageKey),
  sample("MessageContextInfo", proto.MessageContextInfo, contextInfo),
  sample("DeviceListMetadata", proto.DeviceListMetadata, deviceListMetadata),
  sample("SenderKeyDistributionMessage", proto.SenderKeyDistributionMessage, {
    id: 2_147_483_000,
    iteration: 0,
    chainKey: bytes(32, 47),
    signingKey: bytes(33, 48),
  }),
  sample("SenderKeyMessage", proto.SenderKeyMessage, { id: 2_147_483_000, iteration: 17, ciphertext: bytes(48, 49) }),
];

// ------------------------------------------------------------------------ tests

describe("WhatsApp proto schema agrees with Baileys' WAProto.proto", () => {
  const baileysProtoPath = createRequire(import.meta.url).resolve("baileys/WAProto/WAProto.proto");
  const theirs = protobuf.parse(readFileSync(baileysProtoPath, "utf8"), { keepCase: true }).root;
  theirs.resolveAll();

  function* walk(ns: protobuf.NamespaceBase): Generator<protobuf.Type | protobuf.Enum> {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) yield nested;
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) yield* walk(nested);
    }
  }
  const ours = [...walk(waProtoRoot)];

  it("every message field has WAProto's number, type, label, packing and presence", () => {
    let fields = 0;
    for (const type of ours) {
      if (!(type instanceof protobuf.Type)) continue;
      const their = theirs.lookupType(type.fullName);
      for (const field of type.fieldsArray) {
        const theirField = their.fields[field.name];
        const shape = (f: protobuf.Field) => ({
          field: `${type.fullName}.${f.name}`,
          id: f.id,
          type: f.resolvedType?.fullName ?? f.type,
          repeated: f.repeated,
          packed: f.repeated ? f.packed : undefined,
          presence: f.options?.proto3_optional === true,
        });
        expect(theirField, `${type.fullName}.${field.name} exists in WAProto`).toBeDefined();
        expect(shape(field)).toEqual(shape(theirField!));
        fields++;
      }
    }
    expect(fields).toBeGreaterThan(200);
  });

  it("every enum has all of WAProto's values with the same numbers", () => {
    for (const e of ours) {
      if (e instanceof protobuf.Enum) expect(e.values, e.fullName).toEqual(theirs.lookupEnum(e.fullName).values);
    }
  });

  it("the TypeScript enum constants match the schema and Baileys' proto", () => {
    const pairs: Array<[Record<string, number>, string]> = [
      [ADVEncryptionType, "proto.ADVEncryptionType"],
      [ConnectType, "proto.ClientPayload.ConnectType"],
      [ConnectReason, "proto.ClientPayload.ConnectReason"],
      [UserAgentPlatform, "proto.ClientPayload.UserAgent.Platform"],
      [ReleaseChannel, "proto.ClientPayload.UserAgent.ReleaseChannel"],
      [WebSubPlatform, "proto.ClientPayload.WebInfo.WebSubPlatform"],
      [DevicePlatformType, "proto.DeviceProps.PlatformType"],
      [ProtocolMessageType, "proto.Message.ProtocolMessage.Type"],
    ];
    for (const [constants, enumName] of pairs) {
      const schemaValues = waProtoRoot.lookupEnum(enumName).values;
      const baileysEnum = baileysLookup(enumName) as Record<string, number>;
      for (const [name, value] of Object.entries(constants)) {
        expect(schemaValues[name], `${enumName}.${name}`).toBe(value);
        expect(baileysEnum[name], `Baileys ${enumName}.${name}`).toBe(value);
      }
    }
  });

  it("the samples below set every field of every message in the schema", () => {
    const seen = new Set<string>();
    const visit = (type: protobuf.Type, object: Record<string, unknown>) => {
      for (const field of type.fieldsArray) {
        const value = object[field.name];
        if (value === undefined) continue;
        seen.add(`${type.fullName}.${field.name}`);
        if (field.resolvedType instanceof protobuf.Type) {
          for (const item of Array.isArray(value) ? value : [value]) visit(field.resolvedType, item as Record<string, unknown>);
        }
      }
    };
    for (const s of samples) visit(waProtoRoot.lookupType(s.codec.typeName), s.value as Record<string, unknown>);
    const missing = ours
      .filter((t): t is protobuf.Type => t instanceof protobuf.Type)
      .flatMap((t) => t.fieldsArray.map((f) => `${t.fullName}.${f.name}`))
      .filter((name) => !seen.has(name));
    expect(missing).toEqual([]);
  });
});

describe("WhatsApp proto codecs round-trip with Baileys' proto", () => {
  it.each(samples.map((s) => [s.name, s] as const))("%s", (_name, s) => {
    const ours = s.codec.encode(s.value);
    const theirs = baileysEncode(s.codec.typeName, s.value as object);
    // Same field order and encodings (packed repeated, fixed32/sfixed32, varint uint64) → same bytes.
    expect(hex(ours)).toBe(hex(theirs));
    // ours → Baileys
    expect(canon(baileysDecode(s.codec.typeName, ours))).toEqual(canon(s.value));
    // Baileys → ours
    const decoded = s.codec.decode(theirs);
    expect(canon(decoded)).toEqual(canon(s.value));
  });

  it("decodes 64-bit integers as numbers and keeps explicit false/0 values", () => {
    const payload = proto.ClientPayload.decode(
      baileysEncode("proto.ClientPayload", { username: 4_915_112_345_678, lidDbMigrated: false, connectType: 0 }),
    );
    expect(payload).toEqual({ username: 4_915_112_345_678, lidDbMigrated: false, connectType: 0 });
    expect(typeof payload.username).toBe("number");
    const edit = proto.Message.decode(baileysEncode("proto.Message", { protocolMessage: { timestampMs: NOW_MS } }));
    expect(edit.protocolMessage?.timestampMs).toBe(NOW_MS);
    expect(proto.ClientPayload.decode(new Uint8Array(0))).toEqual({});
  });

  it("refuses what it cannot represent or parse", () => {
    const huge = baileysEncode("proto.ADVDeviceIdentity", { timestamp: "18446744073709551615" });
    expect(() => proto.ADVDeviceIdentity.decode(huge)).toThrow(RangeError);
    expect(() => proto.ADVDeviceIdentity.decode(Uint8Array.from([0x12]))).toThrow(/proto\.ADVDeviceIdentity: cannot decode/);
    expect(() => proto.ADVSignedDeviceIdentity.encode({ details: 5 as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => proto.ADVDeviceIdentity.encode({ rawId: "x" as unknown as number })).toThrow(TypeError);
  });
});

describe("WhatsApp proto against Baileys' own builders and readers", () => {
  const config = {
    ...DEFAULT_CONNECTION_CONFIG,
    countryCode: "DE",
    browser: ["Mac OS", "Desktop", "14.4.1"],
    syncFullHistory: true, // with a "Mac OS"/"Desktop" browser, Baileys then sends webSubPlatform DARWIN
  } as SocketConfig;

  it("reads the login ClientPayload Baileys builds (generateLoginNode)", () => {
    const bytesSent = baileys.ClientPayload.encode(generateLoginNode("4915112345678:7@s.whatsapp.net", config)).finish();
    const payload = proto.ClientPayload.decode(bytesSent);
    expect(payload).toMatchObject({
      username: 4_915_112_345_678,
      device: 7,
      passive: true,
      pull: true,
      lidDbMigrated: false,
      connectType: ConnectType.WIFI_UNKNOWN,
      connectReason: ConnectReason.USER_ACTIVATED,
      webInfo: { webSubPlatform: WebSubPlatform.DARWIN },
    });
    expect(payload.userAgent).toMatchObject({
      platform: UserAgentPlatform.WEB,
      releaseChannel: ReleaseChannel.RELEASE,
      localeCountryIso31661Alpha2: "DE",
      appVersion: { primary: config.version[0], secondary: config.version[1], tertiary: config.version[2] },
    });
    expect(payload.devicePairingData).toBeUndefined();
  });

  it("reads the registration ClientPayload and DeviceProps Baileys builds (generateRegistrationNode)", () => {
    const creds = initAuthCreds();
    const bytesSent = baileys.ClientPayload.encode(generateRegistrationNode(creds, config)).finish();
    const payload = proto.ClientPayload.decode(bytesSent);
    expect(payload.username).toBeUndefined();
    expect(payload.passive).toBe(false);
    const reg = payload.devicePairingData!;
    expect(hex(reg.eRegid!)).toBe(creds.registrationId.toString(16).padStart(8, "0"));
    expect(hex(reg.eKeytype!)).toBe("05");
    expect(hex(reg.eIdent!)).toBe(hex(creds.signedIdentityKey.public));
    expect(hex(reg.eSkeyId!)).toBe(creds.signedPreKey.keyId.toString(16).padStart(6, "0"));
    expect(hex(reg.eSkeyVal!)).toBe(hex(creds.signedPreKey.keyPair.public));
    expect(hex(reg.eSkeySig!)).toBe(hex(creds.signedPreKey.signature));
    expect(hex(reg.buildHash!)).toBe(createHash("md5").update(config.version.join(".")).digest("hex"));
    const props = proto.DeviceProps.decode(reg.deviceProps!);
    expect(props).toMatchObject({
      os: "Mac OS",
      platformType: DevicePlatformType.DESKTOP,
      requireFullSync: true,
      version: { primary: 10, secondary: 15, tertiary: 7 },
    });
    expect(props.historySyncConfig?.storageQuotaMb).toBe(10_240);
  });

  it("builds a pair-success device identity that Baileys accepts, and reads its countersigned reply", () => {
    const creds = initAuthCreds();
    const account = Curve.generateKeyPair(); // the sandbox phone's account identity key
    const identity: T.ADVDeviceIdentity = { rawId: 1_234_567, timestamp: NOW_S, keyIndex: 3 };
    const details = proto.ADVDeviceIdentity.encode(identity);
    const accountSignature = Curve.sign(
      account.private,
      Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, creds.signedIdentityKey.public]),
    );
    const signed = proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: account.public, accountSignature });
    const hmac = createHmac("sha256", Buffer.from(creds.advSecretKey, "base64")).update(signed).digest();
    const stanza: BinaryNode = {
      tag: "iq",
      attrs: { id: "pair-1", type: "set", from: "s.whatsapp.net" },
      content: [
        {
          tag: "pair-success",
          attrs: {},
          content: [
            { tag: "device-identity", attrs: {}, content: proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }) },
            { tag: "platform", attrs: { name: "smba" } },
            { tag: "device", attrs: { jid: "4915112345678:3@s.whatsapp.net", lid: "123456789012345:3@lid" } },
          ],
        },
      ],
    };

    const { reply, creds: update } = configureSuccessfulPairing(stanza, creds);
    expect(update.me).toMatchObject({ id: "4915112345678:3@s.whatsapp.net", lid: "123456789012345:3@lid" });

    const sign = (reply.content as BinaryNode[])[0]!;
    expect(sign.tag).toBe("pair-device-sign");
    const node = (sign.content as BinaryNode[])[0]!;
    expect(node.attrs["key-index"]).toBe("3");
    const answer = proto.ADVSignedDeviceIdentity.decode(node.content as Uint8Array);
    expect(answer.accountSignatureKey).toBeUndefined(); // Baileys leaves it out of the reply
    expect(hex(answer.details!)).toBe(hex(details));
    expect(hex(answer.accountSignature!)).toBe(hex(accountSignature));
    const deviceMessage = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, creds.signedIdentityKey.public, account.public]);
    expect(Curve.verify(creds.signedIdentityKey.public, deviceMessage, answer.deviceSignature!)).toBe(true);
    expect(proto.ADVDeviceIdentity.decode(answer.details!)).toEqual(identity);
  });
});
