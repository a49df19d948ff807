/**
 * The WhatsApp protobuf messages the sandbox server reads and writes, as typed codecs:
 *
 *   proto.HandshakeMessage.encode({ serverHello: { ephemeral, static, payload } }) -> Uint8Array
 *   proto.ClientPayload.decode(bytes) -> ClientPayload
 *   proto.CertChain.NoiseCertificate.Details.encode({ serial, issuerSerial, key, notBefore, notAfter })
 *
 * Names and nesting follow WAProto (and so Baileys' `proto`), e.g. `CertChain.NoiseCertificate.Details`.
 * Schema: ./schema.ts; shapes and value conventions: ./types.ts; conversion rules: ./codec.ts.
 */
import { codec } from "./codec.js";
import type * as T from "./types.js";

export { codec, waProtoRoot, type Codec } from "./codec.js";
export * from "./types.js";

const noiseCertificate = Object.assign(codec<T.NoiseCertificate>("proto.CertChain.NoiseCertificate"), {
  Details: codec<T.NoiseCertificateDetails>("proto.CertChain.NoiseCertificate.Details"),
});

const message = Object.assign(codec<T.Message>("proto.Message"), {
  ExtendedTextMessage: codec<T.ExtendedTextMessage>("proto.Message.ExtendedTextMessage"),
  ProtocolMessage: codec<T.ProtocolMessage>("proto.Message.ProtocolMessage"),
  ContactMessage: codec<T.ContactMessage>("proto.Message.ContactMessage"),
  LocationMessage: codec<T.LocationMessage>("proto.Message.LocationMessage"),
  ReactionMessage: codec<T.ReactionMessage>("proto.Message.ReactionMessage"),
  DeviceSentMessage: codec<T.DeviceSentMessage>("proto.Message.DeviceSentMessage"),
  SenderKeyDistributionMessage: codec<T.MessageSenderKeyDistribution>("proto.Message.SenderKeyDistributionMessage"),
});

/** One codec per message type; see the module comment. */
export const proto = {
  // Noise handshake
  HandshakeMessage: codec<T.HandshakeMessage>("proto.HandshakeMessage"),
  CertChain: Object.assign(codec<T.CertChain>("proto.CertChain"), { NoiseCertificate: noiseCertificate }),
  // login and registration
  ClientPayload: codec<T.ClientPayload>("proto.ClientPayload"),
  DeviceProps: codec<T.DeviceProps>("proto.DeviceProps"),
  // pairing
  ADVSignedDeviceIdentityHMAC: codec<T.ADVSignedDeviceIdentityHMAC>("proto.ADVSignedDeviceIdentityHMAC"),
  ADVSignedDeviceIdentity: codec<T.ADVSignedDeviceIdentity>("proto.ADVSignedDeviceIdentity"),
  ADVDeviceIdentity: codec<T.ADVDeviceIdentity>("proto.ADVDeviceIdentity"),
  ADVKeyIndexList: codec<T.ADVKeyIndexList>("proto.ADVKeyIndexList"),
  ADVSignedKeyIndexList: codec<T.ADVSignedKeyIndexList>("proto.ADVSignedKeyIndexList"),
  // messages
  Message: message,
  MessageKey: codec<T.MessageKey>("proto.MessageKey"),
  ContextInfo: codec<T.ContextInfo>("proto.ContextInfo"),
  MessageContextInfo: codec<T.MessageContextInfo>("proto.MessageContextInfo"),
  DeviceListMetadata: codec<T.DeviceListMetadata>("proto.DeviceListMetadata"),
  // group sender keys (Signal, encoded by Baileys itself)
  SenderKeyDistributionMessage: codec<T.SenderKeyDistributionMessage>("proto.SenderKeyDistributionMessage"),
  SenderKeyMessage: codec<T.SenderKeyMessage>("proto.SenderKeyMessage"),
} as const;
