/**
 * TypeScript shapes of the messages in ./schema.ts, as plain objects.
 *
 * Conventions (the contract of ./codec.ts, both directions):
 * - every field is optional; a field that is absent on the wire is absent (not `undefined`, not a
 *   default) in a decoded object, and an absent or `undefined`/`null` field is not written;
 * - `bytes` are `Uint8Array` (decoded values are Node `Buffer`s, a subclass);
 * - 64-bit integers (uint64/int64) are `number`: every 64-bit field used here holds unix seconds,
 *   unix milliseconds, or a phone number, all below 2^53. Decoding a value outside the safe integer
 *   range throws a RangeError instead of rounding;
 * - enums are their numeric values; the `const` objects below name them (values from WAProto,
 *   see ./schema.ts). Unknown enum numbers from a peer are kept as numbers.
 * - repeated fields are arrays; an empty array is not written and decodes as absent.
 */

/** WAProto `ADVEncryptionType`. */
export const ADVEncryptionType = { E2EE: 0, HOSTED: 1 } as const;

/** WAProto `ClientPayload.ConnectType` (the values Baileys uses; the schema has all). */
export const ConnectType = { CELLULAR_UNKNOWN: 0, WIFI_UNKNOWN: 1, CELLULAR_LTE: 111 } as const;

/** WAProto `ClientPayload.ConnectReason`. */
export const ConnectReason = {
  PUSH: 0,
  USER_ACTIVATED: 1,
  SCHEDULED: 2,
  ERROR_RECONNECT: 3,
  NETWORK_SWITCH: 4,
  PING_RECONNECT: 5,
  UNKNOWN: 6,
} as const;

/** WAProto `ClientPayload.UserAgent.Platform` (a few; the schema has all). Baileys sends WEB. */
export const UserAgentPlatform = { ANDROID: 0, IOS: 1, WEB: 14, MACOS: 24 } as const;

/** WAProto `ClientPayload.UserAgent.ReleaseChannel`. */
export const ReleaseChannel = { RELEASE: 0, BETA: 1, ALPHA: 2, DEBUG: 3 } as const;

/** WAProto `ClientPayload.WebInfo.WebSubPlatform`. */
export const WebSubPlatform = {
  WEB_BROWSER: 0,
  APP_STORE: 1,
  WIN_STORE: 2,
  DARWIN: 3,
  WIN32: 4,
  WIN_HYBRID: 5,
} as const;

/** WAProto `DeviceProps.PlatformType` (a few; the schema has all). Baileys maps its browser name here. */
export const DevicePlatformType = {
  UNKNOWN: 0,
  CHROME: 1,
  FIREFOX: 2,
  SAFARI: 5,
  EDGE: 6,
  DESKTOP: 7,
} as const;

/** WAProto `Message.ProtocolMessage.Type` (the ones the sandbox may meet; the schema has all). */
export const ProtocolMessageType = {
  REVOKE: 0,
  EPHEMERAL_SETTING: 3,
  HISTORY_SYNC_NOTIFICATION: 5,
  APP_STATE_SYNC_KEY_SHARE: 6,
  APP_STATE_SYNC_KEY_REQUEST: 7,
  MESSAGE_EDIT: 14,
  PEER_DATA_OPERATION_REQUEST_MESSAGE: 16,
  PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE: 17,
} as const;

// ------------------------------------------------------------------------ Noise handshake

export interface ClientHello {
  ephemeral?: Uint8Array;
  static?: Uint8Array;
  payload?: Uint8Array;
  useExtended?: boolean;
  extendedCiphertext?: Uint8Array;
}

export interface ServerHello {
  ephemeral?: Uint8Array;
  static?: Uint8Array;
  payload?: Uint8Array;
  extendedStatic?: Uint8Array;
}

export interface ClientFinish {
  static?: Uint8Array;
  payload?: Uint8Array;
  extendedCiphertext?: Uint8Array;
}

/** Exactly one of the three is set per frame of the handshake. */
export interface HandshakeMessage {
  clientHello?: ClientHello;
  serverHello?: ServerHello;
  clientFinish?: ClientFinish;
}

/** `CertChain.NoiseCertificate.Details`; notBefore/notAfter are unix seconds. */
export interface NoiseCertificateDetails {
  serial?: number;
  issuerSerial?: number;
  key?: Uint8Array;
  notBefore?: number;
  notAfter?: number;
}

/** `CertChain.NoiseCertificate`: `details` is an encoded NoiseCertificateDetails. */
export interface NoiseCertificate {
  details?: Uint8Array;
  signature?: Uint8Array;
}

export interface CertChain {
  leaf?: NoiseCertificate;
  intermediate?: NoiseCertificate;
}

// ------------------------------------------------------------------------ login and registration

export interface AppVersion {
  primary?: number;
  secondary?: number;
  tertiary?: number;
  quaternary?: number;
  quinary?: number;
}

export interface UserAgent {
  platform?: number;
  appVersion?: AppVersion;
  mcc?: string;
  mnc?: string;
  osVersion?: string;
  manufacturer?: string;
  device?: string;
  osBuildNumber?: string;
  phoneId?: string;
  releaseChannel?: number;
  localeLanguageIso6391?: string;
  localeCountryIso31661Alpha2?: string;
  deviceBoard?: string;
  deviceExpId?: string;
  deviceType?: number;
  deviceModelType?: string;
}

export interface WebdPayload {
  usesParticipantInKey?: boolean;
  supportsStarredMessages?: boolean;
  supportsDocumentMessages?: boolean;
  supportsUrlMessages?: boolean;
  supportsMediaRetry?: boolean;
  supportsE2EImage?: boolean;
  supportsE2EVideo?: boolean;
  supportsE2EAudio?: boolean;
  supportsE2EDocument?: boolean;
  documentTypes?: string;
  features?: Uint8Array;
}

export interface WebInfo {
  refToken?: string;
  version?: string;
  webdPayload?: WebdPayload;
  webSubPlatform?: number;
}

/** `ClientPayload.DevicePairingRegistrationData`; byte layouts are documented in ./schema.ts. */
export interface DevicePairingRegistrationData {
  eRegid?: Uint8Array;
  eKeytype?: Uint8Array;
  eIdent?: Uint8Array;
  eSkeyId?: Uint8Array;
  eSkeyVal?: Uint8Array;
  eSkeySig?: Uint8Array;
  buildHash?: Uint8Array;
  deviceProps?: Uint8Array;
}

/**
 * What the client says about itself in the Noise ClientFinish. A login carries username + device
 * (+ passive: true); a registration carries devicePairingData (+ passive: false), never username.
 */
export interface ClientPayload {
  username?: number;
  passive?: boolean;
  userAgent?: UserAgent;
  webInfo?: WebInfo;
  pushName?: string;
  sessionId?: number;
  shortConnect?: boolean;
  connectType?: number;
  connectReason?: number;
  shards?: number[];
  connectAttemptCount?: number;
  device?: number;
  devicePairingData?: DevicePairingRegistrationData;
  product?: number;
  fbCat?: Uint8Array;
  fbUserAgent?: Uint8Array;
  oc?: boolean;
  lc?: number;
  iosAppExtension?: number;
  fbAppId?: number;
  fbDeviceId?: Uint8Array;
  pull?: boolean;
  paddingBytes?: Uint8Array;
  yearClass?: number;
  memClass?: number;
  trafficAnonymization?: number;
  lidDbMigrated?: boolean;
  accountType?: number;
  connectionSequenceInfo?: number;
  paaLink?: boolean;
  preacksCount?: number;
  processingQueueSize?: number;
}

export interface HistorySyncConfig {
  fullSyncDaysLimit?: number;
  fullSyncSizeMbLimit?: number;
  storageQuotaMb?: number;
  inlineInitialPayloadInE2EeMsg?: boolean;
  recentSyncDaysLimit?: number;
  supportCallLogHistory?: boolean;
  supportBotUserAgentChatHistory?: boolean;
  supportCagReactionsAndPolls?: boolean;
  supportBizHostedMsg?: boolean;
  supportRecentSyncChunkMessageCountTuning?: boolean;
  supportHostedGroupMsg?: boolean;
  supportFbidBotChatHistory?: boolean;
  supportAddOnHistorySyncMigration?: boolean;
  supportMessageAssociation?: boolean;
  supportGroupHistory?: boolean;
  onDemandReady?: boolean;
  supportGuestChat?: boolean;
  completeOnDemandReady?: boolean;
  thumbnailSyncDaysLimit?: number;
}

/** The companion's description of itself (os = browser[0], platformType from browser[1]). */
export interface DeviceProps {
  os?: string;
  version?: AppVersion;
  platformType?: number;
  requireFullSync?: boolean;
  historySyncConfig?: HistorySyncConfig;
}

// ------------------------------------------------------------------------ pairing

/** timestamp is unix seconds; keyIndex is the phone's counter of linked devices. */
export interface ADVDeviceIdentity {
  rawId?: number;
  timestamp?: number;
  keyIndex?: number;
  accountType?: number;
  deviceType?: number;
}

/** `details` is an encoded ADVDeviceIdentity. */
export interface ADVSignedDeviceIdentity {
  details?: Uint8Array;
  accountSignatureKey?: Uint8Array;
  accountSignature?: Uint8Array;
  deviceSignature?: Uint8Array;
}

/** `details` is an encoded ADVSignedDeviceIdentity. */
export interface ADVSignedDeviceIdentityHMAC {
  details?: Uint8Array;
  hmac?: Uint8Array;
  accountType?: number;
}

/** timestamp is unix seconds. */
export interface ADVKeyIndexList {
  rawId?: number;
  timestamp?: number;
  currentIndex?: number;
  validIndexes?: number[];
  accountType?: number;
}

/** `details` is an encoded ADVKeyIndexList. */
export interface ADVSignedKeyIndexList {
  details?: Uint8Array;
  accountSignature?: Uint8Array;
  accountSignatureKey?: Uint8Array;
}

// ------------------------------------------------------------------------ messages

export interface MessageKey {
  remoteJid?: string;
  fromMe?: boolean;
  id?: string;
  participant?: string;
}

/** Timestamps are unix seconds. */
export interface DeviceListMetadata {
  senderKeyHash?: Uint8Array;
  senderTimestamp?: number;
  senderKeyIndexes?: number[];
  senderAccountType?: number;
  receiverAccountType?: number;
  recipientKeyHash?: Uint8Array;
  recipientTimestamp?: number;
  recipientKeyIndexes?: number[];
}

export interface MessageContextInfo {
  deviceListMetadata?: DeviceListMetadata;
  deviceListMetadataVersion?: number;
  messageSecret?: Uint8Array;
  paddingBytes?: Uint8Array;
  messageAddOnDurationInSecs?: number;
  botMessageSecret?: Uint8Array;
  reportingTokenVersion?: number;
  capiCreatedGroup?: boolean;
  supportPayload?: string;
}

/** `Message.ExtendedTextMessage`; textArgb/backgroundArgb are fixed32 ARGB colours. */
export interface ExtendedTextMessage {
  text?: string;
  matchedText?: string;
  description?: string;
  title?: string;
  textArgb?: number;
  backgroundArgb?: number;
  font?: number;
  previewType?: number;
  jpegThumbnail?: Uint8Array;
  contextInfo?: ContextInfo;
  doNotPlayInline?: boolean;
  mediaKeyTimestamp?: number;
  viewOnce?: boolean;
}

/** `Message.ProtocolMessage`; timestampMs is unix milliseconds, ephemeralSettingTimestamp seconds. */
export interface ProtocolMessage {
  key?: MessageKey;
  type?: number;
  ephemeralExpiration?: number;
  ephemeralSettingTimestamp?: number;
  editedMessage?: Message;
  timestampMs?: number;
  invokerJid?: string;
}

/** `Message.DeviceSentMessage`: what a sender's own other devices receive instead of `message`. */
export interface DeviceSentMessage {
  destinationJid?: string;
  message?: Message;
  phash?: string;
}

/** `Message.SenderKeyDistributionMessage`: axolotl… is a version byte + an encoded SenderKeyDistributionMessage. */
export interface MessageSenderKeyDistribution {
  groupId?: string;
  axolotlSenderKeyDistributionMessage?: Uint8Array;
}

/** `ContextInfo` (subset): a reply's quoted message (`stanzaId`, `participant`, `quotedMessage`), mentions, forwarding. */
export interface ContextInfo {
  stanzaId?: string;
  participant?: string;
  quotedMessage?: Message;
  remoteJid?: string;
  mentionedJid?: string[];
  forwardingScore?: number;
  isForwarded?: boolean;
  expiration?: number;
}

/** `Message.ContactMessage`: a vCard. */
export interface ContactMessage {
  displayName?: string;
  vcard?: string;
  contextInfo?: ContextInfo;
}

/** `Message.LocationMessage`: degrees (double), accuracy in metres, speed in m/s (float). */
export interface LocationMessage {
  degreesLatitude?: number;
  degreesLongitude?: number;
  name?: string;
  address?: string;
  url?: string;
  isLive?: boolean;
  accuracyInMeters?: number;
  speedInMps?: number;
  degreesClockwiseFromMagneticNorth?: number;
  comment?: string;
  jpegThumbnail?: Uint8Array;
  contextInfo?: ContextInfo;
}

/** `Message.ReactionMessage`: `text` is the emoji ("" removes it); senderTimestampMs is unix ms. */
export interface ReactionMessage {
  key?: MessageKey;
  text?: string;
  groupingKey?: string;
  senderTimestampMs?: number;
}

export interface Message {
  conversation?: string;
  senderKeyDistributionMessage?: MessageSenderKeyDistribution;
  contactMessage?: ContactMessage;
  locationMessage?: LocationMessage;
  extendedTextMessage?: ExtendedTextMessage;
  protocolMessage?: ProtocolMessage;
  fastRatchetKeySenderKeyDistributionMessage?: MessageSenderKeyDistribution;
  deviceSentMessage?: DeviceSentMessage;
  messageContextInfo?: MessageContextInfo;
  reactionMessage?: ReactionMessage;
}

// ------------------------------------------------------------------------ group sender keys

/** The top-level (Signal) SenderKeyDistributionMessage: sender key id, chain iteration, chain key, signing public key. */
export interface SenderKeyDistributionMessage {
  id?: number;
  iteration?: number;
  chainKey?: Uint8Array;
  signingKey?: Uint8Array;
}

export interface SenderKeyMessage {
  id?: number;
  iteration?: number;
  ciphertext?: Uint8Array;
}
