/**
 * The sandbox's Signal layer (1:1 end-to-end encryption of WhatsApp messages), on `libsignal`
 * 6.0.0 (the package Baileys uses):
 *
 *   new SignalDevice()                      a simulated device: identity, prekeys, sessions (./device.ts)
 *     .takeBundle()                         its bundle for one key fetch (uses up a one-time prekey)
 *     .encrypt(peerJid, message, bundle?)   → { type: "pkmsg" | "msg", ciphertext }   (<enc v="2" type>)
 *     .decrypt(peerJid, { type, ciphertext }) → Message          (SignalDecryptError on failure)
 *   parsePreKeyUpload(iq) / parseSignedPreKeyRotate / parseKeyFetch / keyFetchResultList /
 *   keyBundleUserNode / preKeyCountNode / bundleFromPairingData / encryptIqKind      (./nodes.ts)
 *   ClientDeviceKeys                       the server's record of a client device's keys (./client-keys.ts)
 *
 * Not here: group sender keys (`skmsg`), device fan-out (the server decides which devices get a
 * copy), `<device-identity>` in pkmsg stanzas, retry receipts (../handlers/retry-receipts.ts).
 */
export { signalAddress } from "./address.js";
export { type PreKeyBundle, toLibsignalBundle } from "./bundle.js";
export { ClientDeviceKeys } from "./client-keys.js";
export { type EncPayload, type EncType, SignalDevice, type SignalDeviceOptions } from "./device.js";
export {
  SignalDecryptError,
  type SignalDecryptReason,
  SignalLayerError,
  SignalNoSessionError,
  SignalNodeError,
} from "./errors.js";
export {
  KEY_TYPE_DJB,
  type KeyPair,
  type PreKey,
  type SignedPreKey,
  generateKeyPair,
  generateRegistrationId,
  generateSignedPreKey,
  toSignalKey,
  toWireKey,
  verifySignedPreKey,
} from "./keys.js";
export {
  type EncryptIqKind,
  type KeyFetchUser,
  type PreKeyUpload,
  type UploadedSignedPreKey,
  bundleFromPairingData,
  encryptIqKind,
  keyBundleUserNode,
  keyFetchResultList,
  parseKeyFetch,
  parsePreKeyUpload,
  parseSignedPreKeyRotate,
  preKeyCountNode,
} from "./nodes.js";
export { padRandomMax16, unpadRandomMax16 } from "./padding.js";
