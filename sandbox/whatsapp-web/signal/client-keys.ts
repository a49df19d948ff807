/**
 * What the server holds for one client device's Signal keys, to answer other devices' key
 * fetches for it: identity, registration id, current signed prekey and the queue of uploaded
 * one-time prekeys. Each fetch hands out (and drops) one one-time prekey, as WhatsApp's server
 * does; the count iq reports how many are left (Baileys uploads more when it is ≤ 5, see ./nodes.ts).
 */
import type { DevicePairingRegistrationData } from "../proto/index.js";
import type { PreKeyBundle } from "./bundle.js";
import { type PreKeyUpload, type UploadedSignedPreKey, bundleFromPairingData } from "./nodes.js";

export class ClientDeviceKeys {
  private readonly preKeys: { keyId: number; publicKey: Uint8Array }[] = [];

  private constructor(
    public registrationId: number,
    public identityKey: Uint8Array,
    public signedPreKey: UploadedSignedPreKey,
  ) {}

  /** From a companion's registration payload (no one-time prekeys yet). */
  static fromPairingData(data: DevicePairingRegistrationData): ClientDeviceKeys {
    const b = bundleFromPairingData(data);
    return new ClientDeviceKeys(b.registrationId, b.identityKey, b.signedPreKey);
  }

  static fromUpload(upload: PreKeyUpload): ClientDeviceKeys {
    const keys = new ClientDeviceKeys(upload.registrationId, upload.identityKey, upload.signedPreKey);
    keys.applyUpload(upload);
    return keys;
  }

  /**
   * Applies an upload: registration id and signed prekey are replaced; one-time prekeys are
   * appended (an id already queued is replaced in place). A different identity key starts over:
   * the queued prekeys of the old identity are dropped (the encrypt handler refuses such uploads
   * from a linked device before they get here: handlers/keys.ts).
   */
  applyUpload(upload: PreKeyUpload): void {
    if (!sameBytes(upload.identityKey, this.identityKey)) this.preKeys.length = 0;
    this.registrationId = upload.registrationId;
    this.identityKey = upload.identityKey;
    this.signedPreKey = upload.signedPreKey;
    for (const key of upload.preKeys) {
      const at = this.preKeys.findIndex((k) => k.keyId === key.keyId);
      if (at >= 0) this.preKeys[at] = key;
      else this.preKeys.push(key);
    }
  }

  /** A `<rotate>`d signed prekey (already verified by parseSignedPreKeyRotate). */
  rotateSignedPreKey(signedPreKey: UploadedSignedPreKey): void {
    this.signedPreKey = signedPreKey;
  }

  /** One-time prekeys not yet handed out: the `<count value>`. */
  get preKeyCount(): number {
    return this.preKeys.length;
  }

  /** The bundle for one key fetch, using up the oldest one-time prekey (none when the queue is empty). */
  takeBundle(): PreKeyBundle {
    const preKey = this.preKeys.shift();
    return {
      registrationId: this.registrationId,
      identityKey: this.identityKey,
      signedPreKey: this.signedPreKey,
      ...(preKey ? { preKey } : {}),
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
