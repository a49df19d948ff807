/**
 * The sandbox's own subset of WhatsApp's protobuf schema ("WAProto"), as .proto source text.
 *
 * Why a string in a .ts module and not a `.proto` file: `tsc` compiles it into dist with the rest of
 * the sandbox (no copy step in the build, no path lookup at runtime), and there is still exactly one
 * human-readable source of truth that `protobufjs.parse` reads at load time (see ./codec.ts).
 *
 * Source of every field number and type: Baileys' `WAProto/WAProto.proto` as shipped in the pinned
 * npm package baileys@7.0.0-rc14 (node_modules/baileys/WAProto/WAProto.proto, header "WhatsApp
 * Version: 2.3000.1029496320"); identical for these messages to git tag v7.0.0-rc13 (commit
 * 8053b086ecc97ec3f78299561de11959bab05d39) and cross-checked against tag v6.7.23 (commit
 * e05b16b4aa0d7d3eb2594677e015454af1225b75, "2.3000.1023047013"): every field listed here has the
 * same number and type in both; rc13 only adds fields (the HandshakeMessage `extended*` fields,
 * ClientPayload 43–46, DeviceProps.HistorySyncConfig 15–19, MessageContextInfo 15–16), and those
 * newer ones are kept here because a client that knows them may send them.
 *
 * Subset rules (a contract for whoever extends this):
 * - names, nesting, field numbers, types and `[packed=true]` annotations are WAProto's exactly, so
 *   bytes produced here decode in Baileys' generated `proto` and vice versa (the round-trip tests in
 *   test/sandbox/whatsapp-web/proto.test.ts assert that for every message listed here);
 * - fields are left out, never renumbered; a decoder skips unknown fields, so leaving one out only
 *   means the sandbox cannot see it. Enums keep all their WAProto values.
 * - WAProto is `proto3` with explicit `optional` on every singular field (presence is tracked), and
 *   proto3 packs repeated scalars by default (e.g. ClientPayload.shards); so is this file.
 *
 * Left out on purpose:
 * - the top-level `NoiseCertificate` (details: serial, issuer, expires, subject, key): neither
 *   v6.7.23 nor v7.0.0-rc13 reads it; both read only `CertChain` (src/Utils/noise-handler.ts,
 *   `processHandshake`);
 * - the 1:1 Signal wire messages (`SignalMessage`, `PreKeySignalMessage`): Baileys has them in
 *   WAProto but never uses them; it encrypts with the `libsignal` package, which carries its own
 *   protobuf definitions (WhisperTextProtocol). Only the group sender-key messages
 *   (`SenderKeyDistributionMessage`, `SenderKeyMessage`) are encoded by Baileys itself with WAProto
 *   (src/Signal/Group/sender-key-*.ts), so those two are here.
 */
export const WA_PROTO_SOURCE = String.raw`
syntax = "proto3";
package proto;

// ---------------------------------------------------------------- Noise handshake
// Baileys src/Socket/socket.ts (validateConnection) sends clientHello, reads serverHello, sends
// clientFinish; src/Utils/noise-handler.ts (processHandshake) decrypts serverHello.payload into a
// CertChain and checks intermediate.details.issuerSerial (v7 also verifies both signatures).

message HandshakeMessage {
    optional ClientHello clientHello = 2;
    optional ServerHello serverHello = 3;
    optional ClientFinish clientFinish = 4;
    message ClientFinish {
        optional bytes static = 1;
        optional bytes payload = 2;
        optional bytes extendedCiphertext = 3;
    }
    message ClientHello {
        optional bytes ephemeral = 1;
        optional bytes static = 2;
        optional bytes payload = 3;
        optional bool useExtended = 4;
        optional bytes extendedCiphertext = 5;
    }
    message ServerHello {
        optional bytes ephemeral = 1;
        optional bytes static = 2;
        optional bytes payload = 3;
        optional bytes extendedStatic = 4;
    }
}

message CertChain {
    optional NoiseCertificate leaf = 1;
    optional NoiseCertificate intermediate = 2;
    message NoiseCertificate {
        optional bytes details = 1;    // an encoded CertChain.NoiseCertificate.Details
        optional bytes signature = 2;  // XEdDSA signature of details by the issuer's key
        message Details {
            optional uint32 serial = 1;
            optional uint32 issuerSerial = 2;
            optional bytes key = 3;         // Curve25519 public key, 32 bytes
            optional uint64 notBefore = 4;  // unix seconds
            optional uint64 notAfter = 5;   // unix seconds
        }
    }
}

// ---------------------------------------------------------------- login and registration
// Baileys src/Utils/validate-connection.ts: generateLoginNode / generateRegistrationNode build the
// ClientPayload that travels encrypted in HandshakeMessage.clientFinish.payload.

message ClientPayload {
    optional uint64 username = 1;     // the account's phone number as an integer (login only)
    optional bool passive = 3;
    optional UserAgent userAgent = 5;
    optional WebInfo webInfo = 6;
    optional string pushName = 7;
    optional sfixed32 sessionId = 9;
    optional bool shortConnect = 10;
    optional ConnectType connectType = 12;
    optional ConnectReason connectReason = 13;
    repeated int32 shards = 14;
    optional uint32 connectAttemptCount = 16;
    optional uint32 device = 18;      // the companion's device number (login only)
    optional DevicePairingRegistrationData devicePairingData = 19;  // registration only
    optional Product product = 20;
    optional bytes fbCat = 21;
    optional bytes fbUserAgent = 22;
    optional bool oc = 23;
    optional int32 lc = 24;
    optional IOSAppExtension iosAppExtension = 30;
    optional uint64 fbAppId = 31;
    optional bytes fbDeviceId = 32;
    optional bool pull = 33;
    optional bytes paddingBytes = 34;
    optional int32 yearClass = 36;
    optional int32 memClass = 37;
    optional TrafficAnonymization trafficAnonymization = 40;
    optional bool lidDbMigrated = 41;
    optional AccountType accountType = 42;
    optional sfixed32 connectionSequenceInfo = 43;
    optional bool paaLink = 44;
    optional int32 preacksCount = 45;
    optional int32 processingQueueSize = 46;
    enum AccountType {
        DEFAULT = 0;
        GUEST = 1;
    }
    enum ConnectReason {
        PUSH = 0;
        USER_ACTIVATED = 1;
        SCHEDULED = 2;
        ERROR_RECONNECT = 3;
        NETWORK_SWITCH = 4;
        PING_RECONNECT = 5;
        UNKNOWN = 6;
    }
    enum ConnectType {
        CELLULAR_UNKNOWN = 0;
        WIFI_UNKNOWN = 1;
        CELLULAR_EDGE = 100;
        CELLULAR_IDEN = 101;
        CELLULAR_UMTS = 102;
        CELLULAR_EVDO = 103;
        CELLULAR_GPRS = 104;
        CELLULAR_HSDPA = 105;
        CELLULAR_HSUPA = 106;
        CELLULAR_HSPA = 107;
        CELLULAR_CDMA = 108;
        CELLULAR_1XRTT = 109;
        CELLULAR_EHRPD = 110;
        CELLULAR_LTE = 111;
        CELLULAR_HSPAP = 112;
    }
    message DevicePairingRegistrationData {
        optional bytes eRegid = 1;      // Signal registration id, 4 bytes big-endian
        optional bytes eKeytype = 2;    // key bundle type, 1 byte (5 = Curve25519)
        optional bytes eIdent = 3;      // identity public key, 32 bytes (no type prefix)
        optional bytes eSkeyId = 4;     // signed prekey id, 3 bytes big-endian
        optional bytes eSkeyVal = 5;    // signed prekey public key, 32 bytes
        optional bytes eSkeySig = 6;    // signed prekey signature, 64 bytes
        optional bytes buildHash = 7;   // md5 of the client version string "a.b.c"
        optional bytes deviceProps = 8; // an encoded DeviceProps
    }
    enum IOSAppExtension {
        SHARE_EXTENSION = 0;
        SERVICE_EXTENSION = 1;
        INTENTS_EXTENSION = 2;
    }
    enum Product {
        WHATSAPP = 0;
        MESSENGER = 1;
        INTEROP = 2;
        INTEROP_MSGR = 3;
        WHATSAPP_LID = 4;
    }
    enum TrafficAnonymization {
        OFF = 0;
        STANDARD = 1;
    }
    message UserAgent {
        optional Platform platform = 1;
        optional AppVersion appVersion = 2;
        optional string mcc = 3;
        optional string mnc = 4;
        optional string osVersion = 5;
        optional string manufacturer = 6;
        optional string device = 7;
        optional string osBuildNumber = 8;
        optional string phoneId = 9;
        optional ReleaseChannel releaseChannel = 10;
        optional string localeLanguageIso6391 = 11;
        optional string localeCountryIso31661Alpha2 = 12;
        optional string deviceBoard = 13;
        optional string deviceExpId = 14;
        optional DeviceType deviceType = 15;
        optional string deviceModelType = 16;
        message AppVersion {
            optional uint32 primary = 1;
            optional uint32 secondary = 2;
            optional uint32 tertiary = 3;
            optional uint32 quaternary = 4;
            optional uint32 quinary = 5;
        }
        enum DeviceType {
            PHONE = 0;
            TABLET = 1;
            DESKTOP = 2;
            WEARABLE = 3;
            VR = 4;
        }
        enum Platform {
            ANDROID = 0;
            IOS = 1;
            WINDOWS_PHONE = 2;
            BLACKBERRY = 3;
            BLACKBERRYX = 4;
            S40 = 5;
            S60 = 6;
            PYTHON_CLIENT = 7;
            TIZEN = 8;
            ENTERPRISE = 9;
            SMB_ANDROID = 10;
            KAIOS = 11;
            SMB_IOS = 12;
            WINDOWS = 13;
            WEB = 14;
            PORTAL = 15;
            GREEN_ANDROID = 16;
            GREEN_IPHONE = 17;
            BLUE_ANDROID = 18;
            BLUE_IPHONE = 19;
            FBLITE_ANDROID = 20;
            MLITE_ANDROID = 21;
            IGLITE_ANDROID = 22;
            PAGE = 23;
            MACOS = 24;
            OCULUS_MSG = 25;
            OCULUS_CALL = 26;
            MILAN = 27;
            CAPI = 28;
            WEAROS = 29;
            ARDEVICE = 30;
            VRDEVICE = 31;
            BLUE_WEB = 32;
            IPAD = 33;
            TEST = 34;
            SMART_GLASSES = 35;
            BLUE_VR = 36;
            AR_WRIST = 37;
        }
        enum ReleaseChannel {
            RELEASE = 0;
            BETA = 1;
            ALPHA = 2;
            DEBUG = 3;
        }
    }
    message WebInfo {
        optional string refToken = 1;
        optional string version = 2;
        optional WebdPayload webdPayload = 3;
        optional WebSubPlatform webSubPlatform = 4;
        enum WebSubPlatform {
            WEB_BROWSER = 0;
            APP_STORE = 1;
            WIN_STORE = 2;
            DARWIN = 3;
            WIN32 = 4;
            WIN_HYBRID = 5;
        }
        message WebdPayload {
            optional bool usesParticipantInKey = 1;
            optional bool supportsStarredMessages = 2;
            optional bool supportsDocumentMessages = 3;
            optional bool supportsUrlMessages = 4;
            optional bool supportsMediaRetry = 5;
            optional bool supportsE2EImage = 6;
            optional bool supportsE2EVideo = 7;
            optional bool supportsE2EAudio = 8;
            optional bool supportsE2EDocument = 9;
            optional string documentTypes = 10;
            optional bytes features = 11;
        }
    }
}

message DeviceProps {
    optional string os = 1;
    optional AppVersion version = 2;
    optional PlatformType platformType = 3;
    optional bool requireFullSync = 4;
    optional HistorySyncConfig historySyncConfig = 5;
    message AppVersion {
        optional uint32 primary = 1;
        optional uint32 secondary = 2;
        optional uint32 tertiary = 3;
        optional uint32 quaternary = 4;
        optional uint32 quinary = 5;
    }
    message HistorySyncConfig {
        optional uint32 fullSyncDaysLimit = 1;
        optional uint32 fullSyncSizeMbLimit = 2;
        optional uint32 storageQuotaMb = 3;
        optional bool inlineInitialPayloadInE2EeMsg = 4;
        optional uint32 recentSyncDaysLimit = 5;
        optional bool supportCallLogHistory = 6;
        optional bool supportBotUserAgentChatHistory = 7;
        optional bool supportCagReactionsAndPolls = 8;
        optional bool supportBizHostedMsg = 9;
        optional bool supportRecentSyncChunkMessageCountTuning = 10;
        optional bool supportHostedGroupMsg = 11;
        optional bool supportFbidBotChatHistory = 12;
        optional bool supportAddOnHistorySyncMigration = 13;
        optional bool supportMessageAssociation = 14;
        optional bool supportGroupHistory = 15;
        optional bool onDemandReady = 16;
        optional bool supportGuestChat = 17;
        optional bool completeOnDemandReady = 18;
        optional uint32 thumbnailSyncDaysLimit = 19;
    }
    enum PlatformType {
        UNKNOWN = 0;
        CHROME = 1;
        FIREFOX = 2;
        IE = 3;
        OPERA = 4;
        SAFARI = 5;
        EDGE = 6;
        DESKTOP = 7;
        IPAD = 8;
        ANDROID_TABLET = 9;
        OHANA = 10;
        ALOHA = 11;
        CATALINA = 12;
        TCL_TV = 13;
        IOS_PHONE = 14;
        IOS_CATALYST = 15;
        ANDROID_PHONE = 16;
        ANDROID_AMBIGUOUS = 17;
        WEAR_OS = 18;
        AR_WRIST = 19;
        AR_DEVICE = 20;
        UWP = 21;
        VR = 22;
        CLOUD_API = 23;
        SMARTGLASSES = 24;
    }
}

// ---------------------------------------------------------------- pairing (ADV = account device verification)
// Baileys src/Utils/validate-connection.ts (configureSuccessfulPairing): pair-success carries
// <device-identity> = ADVSignedDeviceIdentityHMAC{details = ADVSignedDeviceIdentity{details =
// ADVDeviceIdentity}}; the client answers pair-device-sign with the ADVSignedDeviceIdentity it
// countersigned (deviceSignature set, accountSignatureKey left out).

enum ADVEncryptionType {
    E2EE = 0;
    HOSTED = 1;
}

message ADVDeviceIdentity {
    optional uint32 rawId = 1;
    optional uint64 timestamp = 2;   // unix seconds
    optional uint32 keyIndex = 3;
    optional ADVEncryptionType accountType = 4;
    optional ADVEncryptionType deviceType = 5;
}

message ADVSignedDeviceIdentity {
    optional bytes details = 1;              // an encoded ADVDeviceIdentity
    optional bytes accountSignatureKey = 2;  // the phone's account identity key, 32 bytes
    optional bytes accountSignature = 3;     // 64 bytes
    optional bytes deviceSignature = 4;      // 64 bytes
}

message ADVSignedDeviceIdentityHMAC {
    optional bytes details = 1;              // an encoded ADVSignedDeviceIdentity
    optional bytes hmac = 2;                 // HMAC-SHA256 over details keyed with advSecretKey
    optional ADVEncryptionType accountType = 3;
}

message ADVKeyIndexList {
    optional uint32 rawId = 1;
    optional uint64 timestamp = 2;   // unix seconds
    optional uint32 currentIndex = 3;
    repeated uint32 validIndexes = 4 [packed=true];
    optional ADVEncryptionType accountType = 5;
}

message ADVSignedKeyIndexList {
    optional bytes details = 1;              // an encoded ADVKeyIndexList
    optional bytes accountSignature = 2;
    optional bytes accountSignatureKey = 3;
}

// ---------------------------------------------------------------- messages
// The plaintext inside a Signal <enc> (Baileys src/Socket/messages-send.ts relayMessage pads an
// encoded Message and encrypts it; src/Utils/decode-wa-message.ts unwraps deviceSentMessage).

// ContextInfo: the quoted message of a reply, mentions, forwarding (a subset of WAProto's fields).
message ContextInfo {
    optional string stanzaId = 1;
    optional string participant = 2;
    optional Message quotedMessage = 3;
    optional string remoteJid = 4;
    repeated string mentionedJid = 15;
    optional uint32 forwardingScore = 21;
    optional bool isForwarded = 22;
    optional uint32 expiration = 25;
}

message MessageKey {
    optional string remoteJid = 1;
    optional bool fromMe = 2;
    optional string id = 3;
    optional string participant = 4;
}

message DeviceListMetadata {
    optional bytes senderKeyHash = 1;
    optional uint64 senderTimestamp = 2;
    repeated uint32 senderKeyIndexes = 3 [packed=true];
    optional ADVEncryptionType senderAccountType = 4;
    optional ADVEncryptionType receiverAccountType = 5;
    optional bytes recipientKeyHash = 8;
    optional uint64 recipientTimestamp = 9;
    repeated uint32 recipientKeyIndexes = 10 [packed=true];
}

message MessageContextInfo {
    optional DeviceListMetadata deviceListMetadata = 1;
    optional int32 deviceListMetadataVersion = 2;
    optional bytes messageSecret = 3;
    optional bytes paddingBytes = 4;
    optional uint32 messageAddOnDurationInSecs = 5;
    optional bytes botMessageSecret = 6;
    optional int32 reportingTokenVersion = 8;
    optional bool capiCreatedGroup = 11;
    optional string supportPayload = 12;
}

message Message {
    optional string conversation = 1;
    optional SenderKeyDistributionMessage senderKeyDistributionMessage = 2;
    optional ContactMessage contactMessage = 4;
    optional LocationMessage locationMessage = 5;
    optional ExtendedTextMessage extendedTextMessage = 6;
    optional ProtocolMessage protocolMessage = 12;
    optional SenderKeyDistributionMessage fastRatchetKeySenderKeyDistributionMessage = 15;
    optional DeviceSentMessage deviceSentMessage = 31;
    optional MessageContextInfo messageContextInfo = 35;
    optional ReactionMessage reactionMessage = 46;
    message ContactMessage {
        optional string displayName = 1;
        optional string vcard = 16;
        optional ContextInfo contextInfo = 17;
    }
    message LocationMessage {
        optional double degreesLatitude = 1;
        optional double degreesLongitude = 2;
        optional string name = 3;
        optional string address = 4;
        optional string url = 5;
        optional bool isLive = 6;
        optional uint32 accuracyInMeters = 7;
        optional float speedInMps = 8;
        optional uint32 degreesClockwiseFromMagneticNorth = 9;
        optional string comment = 11;
        optional bytes jpegThumbnail = 16;
        optional ContextInfo contextInfo = 17;
    }
    message ReactionMessage {
        optional MessageKey key = 1;
        optional string text = 2;
        optional string groupingKey = 3;
        optional int64 senderTimestampMs = 4;
    }
    message DeviceSentMessage {
        optional string destinationJid = 1;
        optional Message message = 2;
        optional string phash = 3;
    }
    message ExtendedTextMessage {
        optional string text = 1;
        optional string matchedText = 2;
        optional string description = 5;
        optional string title = 6;
        optional fixed32 textArgb = 7;
        optional fixed32 backgroundArgb = 8;
        optional FontType font = 9;
        optional PreviewType previewType = 10;
        optional bytes jpegThumbnail = 16;
        optional ContextInfo contextInfo = 17;
        optional bool doNotPlayInline = 18;
        optional int64 mediaKeyTimestamp = 23;
        optional bool viewOnce = 30;
        enum FontType {
            SYSTEM = 0;
            SYSTEM_TEXT = 1;
            FB_SCRIPT = 2;
            SYSTEM_BOLD = 6;
            MORNINGBREEZE_REGULAR = 7;
            CALISTOGA_REGULAR = 8;
            EXO2_EXTRABOLD = 9;
            COURIERPRIME_BOLD = 10;
        }
        enum PreviewType {
            NONE = 0;
            VIDEO = 1;
            PLACEHOLDER = 4;
            IMAGE = 5;
            PAYMENT_LINKS = 6;
            PROFILE = 7;
        }
    }
    message ProtocolMessage {
        optional MessageKey key = 1;
        optional Type type = 2;
        optional uint32 ephemeralExpiration = 4;
        optional int64 ephemeralSettingTimestamp = 5;
        optional Message editedMessage = 14;
        optional int64 timestampMs = 15;
        optional string invokerJid = 19;
        enum Type {
            REVOKE = 0;
            EPHEMERAL_SETTING = 3;
            EPHEMERAL_SYNC_RESPONSE = 4;
            HISTORY_SYNC_NOTIFICATION = 5;
            APP_STATE_SYNC_KEY_SHARE = 6;
            APP_STATE_SYNC_KEY_REQUEST = 7;
            MSG_FANOUT_BACKFILL_REQUEST = 8;
            INITIAL_SECURITY_NOTIFICATION_SETTING_SYNC = 9;
            APP_STATE_FATAL_EXCEPTION_NOTIFICATION = 10;
            SHARE_PHONE_NUMBER = 11;
            MESSAGE_EDIT = 14;
            PEER_DATA_OPERATION_REQUEST_MESSAGE = 16;
            PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE = 17;
            REQUEST_WELCOME_MESSAGE = 18;
            BOT_FEEDBACK_MESSAGE = 19;
            MEDIA_NOTIFY_MESSAGE = 20;
            CLOUD_API_THREAD_CONTROL_NOTIFICATION = 21;
            LID_MIGRATION_MAPPING_SYNC = 22;
            REMINDER_MESSAGE = 23;
            BOT_MEMU_ONBOARDING_MESSAGE = 24;
            STATUS_MENTION_MESSAGE = 25;
            STOP_GENERATION_MESSAGE = 26;
            LIMIT_SHARING = 27;
            AI_PSI_METADATA = 28;
            AI_QUERY_FANOUT = 29;
            GROUP_MEMBER_LABEL_CHANGE = 30;
        }
    }
    // Message.SenderKeyDistributionMessage (the Message field) wraps the top-level
    // SenderKeyDistributionMessage below, with a 1-byte version prefix, as axolotlSenderKeyDistributionMessage.
    message SenderKeyDistributionMessage {
        optional string groupId = 1;
        optional bytes axolotlSenderKeyDistributionMessage = 2;
    }
}

// ---------------------------------------------------------------- group sender keys (Signal)
// Baileys src/Signal/Group/sender-key-distribution-message.ts and sender-key-message.ts encode
// these themselves (after a 1-byte version prefix; SenderKeyMessage also has a 64-byte signature suffix).

message SenderKeyDistributionMessage {
    optional uint32 id = 1;
    optional uint32 iteration = 2;
    optional bytes chainKey = 3;
    optional bytes signingKey = 4;
}

message SenderKeyMessage {
    optional uint32 id = 1;
    optional uint32 iteration = 2;
    optional bytes ciphertext = 3;
}
`;
