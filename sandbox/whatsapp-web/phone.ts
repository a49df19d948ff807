/**
 * A sandbox phone: the primary device of one WhatsApp account. It owns the account signature key
 * (Curve25519), links companion devices by scanning their QR, and keeps the list of linked devices.
 *
 * Linking (Baileys rc14 lib/Utils/validate-connection.js `configureSuccessfulPairing`, which checks
 * exactly this; the server side is ours):
 *   details    = ADVDeviceIdentity {rawId, timestamp (s), keyIndex, accountType E2EE, deviceType E2EE}
 *   accountSig = XEdDSA(accountKey, 06 00 ‖ details ‖ companion identity key)
 *   signed     = ADVSignedDeviceIdentity {details, accountSignatureKey, accountSignature}
 *   identity   = ADVSignedDeviceIdentityHMAC {details: signed, hmac: HMAC-SHA256(advSecret, signed)}
 * sent as `<pair-success><device-identity key-index=…>identity</device-identity>
 * <device jid="user:device@s.whatsapp.net" lid="lid:device@lid"/><platform name=…/></pair-success>`.
 * The companion answers with its own signature, which {@link verifyDeviceSignature} checks:
 *   deviceSig  = XEdDSA(identityKey, 06 01 ‖ details ‖ identity key ‖ accountSignatureKey).
 * (Keys in these messages are 32 bytes, no type prefix.)
 */
import { createHmac, randomInt } from "node:crypto";
import { type KeyPair, generateKeyPair, sign, verify } from "./noise/crypto.js";
import { ADVEncryptionType, proto } from "./proto/index.js";
import { SandboxError } from "./state.js";

/** Companion devices one phone may have linked at once (WhatsApp's limit: 4 linked devices). */
export const MAX_COMPANIONS = 4;

const ACCOUNT_SIG_PREFIX = Uint8Array.of(6, 0);
const DEVICE_SIG_PREFIX = Uint8Array.of(6, 1);

/** A companion device linked to a phone. */
export interface LinkedDevice {
  /** Device number (1..255) in the JID "user:device@s.whatsapp.net". */
  device: number;
  jid: string;
  lid: string;
  /** The companion's Noise static key (32 bytes): a login must come with it. */
  noiseKey: Uint8Array;
  /** The companion's identity key (32 bytes). */
  identityKey: Uint8Array;
  /** The key index of its ADVDeviceIdentity. */
  keyIndex: number;
  /** Companion platform id from the QR. */
  platform: string;
  /** Clock ms. */
  linkedAt: number;
  /** True once the companion returned a valid device signature. */
  confirmed: boolean;
  /** The companion's DeviceProps.os, e.g. "Ubuntu" (devices.ts `companionProps`), if it sent one. */
  name?: string;
  /** The companion's DeviceProps.platformType name, e.g. "CHROME", if it sent one. */
  platformType?: string;
  /** Clock ms of the device's last login or session end (devices.ts). */
  lastSeen?: number;
}

/** What a pair-success stanza carries for one companion. */
export interface PairSuccess {
  device: LinkedDevice;
  /** Encoded ADVSignedDeviceIdentityHMAC. */
  deviceIdentity: Uint8Array;
  /** Encoded ADVDeviceIdentity (the `details` both signatures cover). */
  details: Uint8Array;
}

/**
 * The phone's app, sent as `<platform name=…>` in pair-success (Baileys rc14 validate-connection.js
 * `configureSuccessfulPairing` stores it as `creds.platform`; generics.js `isWABusinessPlatform`:
 * "smba"/"smbi" are WhatsApp Business on Android/iOS). Names from Baileys' token dictionary.
 */
export const PHONE_PLATFORMS = ["android", "iphone", "smba", "smbi"] as const;
export type PhonePlatform = (typeof PHONE_PLATFORMS)[number];

export interface PhoneInfo {
  id: string;
  /** The phone's app: "android" (default), "iphone", "smba" or "smbi" (business). */
  platform: PhonePlatform;
  /** Phone number, digits only (the user part of the account JID). */
  number: string;
  /** The account's LID user part (digits). */
  lid: string;
  devices: { jid: string; lid: string; platform: string; linkedAt: number }[];
}

export class SandboxPhone {
  readonly accountKey: KeyPair = generateKeyPair();
  readonly devices = new Map<number, LinkedDevice>();
  private nextDevice = 1;
  private nextKeyIndex = 1;

  constructor(
    readonly id: string,
    readonly number: string,
    readonly lid: string,
    /** The phone's app, sent in pair-success ({@link PHONE_PLATFORMS}). */
    readonly platform: PhonePlatform = "android",
  ) {}

  get jid(): string {
    return `${this.number}@s.whatsapp.net`;
  }

  /**
   * Signs a new companion identity for the client whose QR was scanned (not yet in the list as
   * confirmed; see {@link confirm}). SandboxError 409 `too_many_devices` when {@link MAX_COMPANIONS}
   * companions are linked (or being linked) already, 409 `device_numbers_exhausted` after 255 links
   * (device numbers are never reused).
   */
  link(input: {
    noiseKey: Uint8Array;
    identityKey: Uint8Array;
    advSecret: Uint8Array;
    platform: string;
    nowMs: number;
    /** What the companion said about itself (devices.ts `companionProps` of its registration payload). */
    props?: { name?: string; platformType?: string };
  }): PairSuccess {
    if (this.devices.size >= MAX_COMPANIONS) {
      throw new SandboxError(409, "too_many_devices", `this phone has ${MAX_COMPANIONS} linked devices; remove one first`);
    }
    if (this.nextDevice > 255) throw new SandboxError(409, "device_numbers_exhausted", "this phone has used up its 255 device numbers");
    const device = this.nextDevice++;
    const keyIndex = this.nextKeyIndex++;
    const details = proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31),
      timestamp: Math.floor(input.nowMs / 1000),
      keyIndex,
      accountType: ADVEncryptionType.E2EE,
      deviceType: ADVEncryptionType.E2EE,
    });
    const accountSignature = sign(this.accountKey.private, concat(ACCOUNT_SIG_PREFIX, details, input.identityKey));
    const signed = proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: this.accountKey.public, accountSignature });
    const hmac = new Uint8Array(createHmac("sha256", input.advSecret).update(signed).digest());
    const deviceIdentity = proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac });
    const linked: LinkedDevice = {
      device,
      jid: `${this.number}:${device}@s.whatsapp.net`,
      lid: `${this.lid}:${device}@lid`,
      noiseKey: input.noiseKey,
      identityKey: input.identityKey,
      keyIndex,
      platform: input.platform,
      linkedAt: input.nowMs,
      confirmed: false,
      ...input.props,
    };
    this.devices.set(device, linked);
    return { device: linked, deviceIdentity, details };
  }

  /**
   * Checks the companion's `pair-device-sign` answer (an encoded ADVSignedDeviceIdentity without
   * the account signature key) and marks the device confirmed. Returns false (and unlinks it) if
   * the device signature does not verify.
   */
  confirm(device: number, signedIdentity: Uint8Array): boolean {
    const linked = this.devices.get(device);
    if (!linked) return false;
    const signed = proto.ADVSignedDeviceIdentity.decode(signedIdentity);
    const ok =
      signed.details !== undefined &&
      signed.deviceSignature !== undefined &&
      verifyDeviceSignature(linked.identityKey, signed.details, this.accountKey.public, signed.deviceSignature);
    if (ok) linked.confirmed = true;
    else this.devices.delete(device);
    return ok;
  }

  /** The confirmed device `device` if its Noise key is `noiseKey`. */
  deviceFor(device: number, noiseKey: Uint8Array): LinkedDevice | undefined {
    const linked = this.devices.get(device);
    return linked?.confirmed && equal(linked.noiseKey, noiseKey) ? linked : undefined;
  }

  info(): PhoneInfo {
    return {
      id: this.id,
      platform: this.platform,
      number: this.number,
      lid: this.lid,
      devices: [...this.devices.values()]
        .filter((d) => d.confirmed)
        .map((d) => ({ jid: d.jid, lid: d.lid, platform: d.platform, linkedAt: d.linkedAt })),
    };
  }
}

/** Whether `signature` is the companion's device signature over `details` (see the module comment). */
export function verifyDeviceSignature(identityKey: Uint8Array, details: Uint8Array, accountKey: Uint8Array, signature: Uint8Array): boolean {
  return verify(identityKey, concat(DEVICE_SIG_PREFIX, details, identityKey, accountKey), signature);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
