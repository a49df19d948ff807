/**
 * The sandbox's world: phones (accounts) and the client connections waiting to be linked.
 * Used by the WebSocket server (logins, pairing answers) and the control API (create phones, scan).
 */
import { ControlError } from "../kit/control.js";
import { randomInt } from "node:crypto";
import type { Clock } from "../kit/clock.js";
import { companionProps } from "./devices.js";
import { parseQr } from "./pairing.js";
import { PHONE_PLATFORMS, type PhoneInfo, type PhonePlatform, SandboxPhone } from "./phone.js";
import type { Connection } from "./server.js";

/** A control-API error: HTTP status, stable code, message. */
export class SandboxError extends ControlError {
  override readonly name = "SandboxError";
}

export interface CreatePhoneInput {
  /** Digits only, 8–15 of them; default: a fresh "1555" number. */
  number?: string;
  /** The phone's app (phone.ts PHONE_PLATFORMS); default "android". */
  platform?: PhonePlatform;
}

export class SandboxState {
  readonly phones = new Map<string, SandboxPhone>();
  readonly connections = new Set<Connection>();
  private nextPhone = 1;

  constructor(readonly clock: Clock) {}

  /**
   * Creates a phone. SandboxError 400 `bad_number` (also when not a string), 400 `bad_platform`,
   * 409 `number_taken`. Inputs may come straight from JSON, so their types are checked here.
   */
  createPhone(input: CreatePhoneInput = {}): PhoneInfo {
    const number: unknown = input.number ?? `1555${String(this.nextPhone).padStart(7, "0")}`;
    const platform: unknown = input.platform ?? "android";
    if (!PHONE_PLATFORMS.includes(platform as PhonePlatform)) throw new SandboxError(400, "bad_platform", `platform must be one of ${PHONE_PLATFORMS.join(", ")}`);
    if (typeof number !== "string" || !/^[1-9]\d{7,14}$/.test(number)) throw new SandboxError(400, "bad_number", "number must be a string of 8–15 digits, not starting with 0");
    if (this.phoneByNumber(number)) throw new SandboxError(409, "number_taken", `a phone with number ${number} exists`);
    const id = `phone-${this.nextPhone++}`;
    const lid = String(randomInt(10_000_000, 2 ** 47)) + String(randomInt(10, 99));
    const phone = new SandboxPhone(id, number, lid, platform as PhonePlatform);
    this.phones.set(id, phone);
    return phone.info();
  }

  /** Every phone, in the order they were created (ids `phone-1`, `phone-2`, …), with its linked devices. */
  listPhones(): PhoneInfo[] {
    return [...this.phones.values()].map((p) => p.info());
  }

  /** The phone `id`. SandboxError 404 `phone_not_found`. */
  phone(id: string): SandboxPhone {
    const phone = this.phones.get(id);
    if (!phone) throw new SandboxError(404, "phone_not_found", `no phone ${id}`);
    return phone;
  }

  phoneByNumber(number: string): SandboxPhone | undefined {
    for (const p of this.phones.values()) if (p.number === number) return p;
    return undefined;
  }

  /**
   * The phone scans `qr` (Baileys' QR string): the connection that shows it gets pair-success, and
   * the promise resolves once the client has signed its device identity (the server then sends
   * the 515 restart). SandboxError 400 `bad_qr`, 404 `qr_not_found` (no open connection shows this
   * ref), 410 `qr_expired`, 409 `qr_not_shown_yet`, 409 `qr_mismatch` (keys differ from the
   * connection's), 409 `pairing_in_progress` (another scan of this client, by this or another phone,
   * or a pairing code, awaits the client's answer), 502 `pairing_failed` (the client's answer did
   * not verify or the socket closed).
   */
  async scan(phoneId: string, qr: string): Promise<{ jid: string; lid: string }> {
    const phone = this.phone(phoneId);
    let data;
    try {
      data = parseQr(qr);
    } catch (e) {
      throw new SandboxError(400, "bad_qr", (e as Error).message);
    }
    const conn = [...this.connections].find((c) => c.qrRefs?.refs.includes(data.ref));
    if (!conn?.qrRefs || !conn.registration) throw new SandboxError(404, "qr_not_found", "no open connection shows this QR");
    const state = conn.qrRefs.state(data.ref, this.clock.now());
    if (state === "expired") throw new SandboxError(410, "qr_expired", "this QR ref has expired");
    if (state === "not-yet-shown") throw new SandboxError(409, "qr_not_shown_yet", "this QR ref is not on screen yet");
    const noiseKey = Buffer.from(data.noiseKeyB64, "base64");
    const identityKey = Buffer.from(data.identityKeyB64, "base64");
    if (!noiseKey.equals(conn.registration.noiseKey) || !identityKey.equals(conn.registration.identityKey)) {
      throw new SandboxError(409, "qr_mismatch", "the QR's keys are not those of the connection showing it");
    }
    if (conn.pairPending) throw new SandboxError(409, "pairing_in_progress", "this client is being linked already (another scan or a pairing code)");
    const pair = phone.link({
      noiseKey: new Uint8Array(noiseKey),
      identityKey: new Uint8Array(identityKey),
      advSecret: Buffer.from(data.advSecretB64, "base64"),
      platform: data.platform,
      nowMs: this.clock.now(),
      props: companionProps(conn.payload),
    });
    const ok = await conn.pairSuccess(phone, pair);
    if (!ok) throw new SandboxError(502, "pairing_failed", "the client did not confirm the pairing");
    return { jid: pair.device.jid, lid: pair.device.lid };
  }
}
