/**
 * QR refs of one unpaired connection.
 *
 * After a registration login (a ClientPayload without `username`), the server sends one
 * `<iq type="set" xmlns="md"><pair-device><ref>…</ref>…</pair-device></iq>` carrying every ref at once.
 * The client shows them one after the other: the first for 60 s, each later one for 20 s, and when
 * it has none left it ends the connection itself with 408 "QR refs attempts ended"
 * (Baileys rc14 lib/Socket/socket.js, handler of `CB:iq,type:set,pair-device`; `qrTimeout` changes
 * both client durations). The sandbox keeps the same schedule on its own clock, so that a scan of a
 * ref that is no longer on screen is refused; a client that shows refs for another time says so in
 * its URL ({@link QR_TIMEOUT_PARAM}).
 *
 * Ref format: "2@" + 48 random bytes in base64 (our choice; Baileys treats refs as opaque strings).
 */
import { randomBytes } from "node:crypto";

/** The schedule of a real server. */
export const QR_FIRST_TTL_MS = 60_000;
export const QR_NEXT_TTL_MS = 20_000;
/** How many refs the sandbox sends by default (observed: WhatsApp sends 6). */
export const QR_REF_COUNT = 6;
/**
 * How long after its expiry a ref still scans, ms (our rule, not WhatsApp's). The client starts its
 * timer when the refs arrive, later than the sandbox's `issuedAtMs`, and its chained timers drift
 * later still, so the ref on the client's screen is for a moment one the sandbox's schedule has
 * already moved past. During this grace the outgoing ref and the next one are both current.
 */
export const QR_SCAN_GRACE_MS = 1_000;

export interface QrSchedule {
  /** Number of refs (≥ 1). Default {@link QR_REF_COUNT}. */
  count?: number;
  /** Lifetime of the first ref in ms. Default {@link QR_FIRST_TTL_MS}. */
  firstTtlMs?: number;
  /** Lifetime of each later ref in ms. Default {@link QR_NEXT_TTL_MS}. */
  nextTtlMs?: number;
  /** How long a ref still scans after its expiry, ms (≥ 0). Default {@link QR_SCAN_GRACE_MS}. */
  graceMs?: number;
}

/**
 * The query parameter of the chat URL that sets one connection's QR lifetime, ms: the client tells
 * the sandbox what Baileys' `qrTimeout` it uses, e.g. `ws://127.0.0.1:8082/ws/chat?qrTimeoutMs=5000`.
 */
export const QR_TIMEOUT_PARAM = "qrTimeoutMs";
/** Largest accepted {@link QR_TIMEOUT_PARAM}, ms. */
export const MAX_QR_TIMEOUT_MS = 600_000;

/**
 * The QR schedule of one connection: `base`, or — with `?qrTimeoutMs=<n>` in the URL it connected to
 * (a whole number of ms, 1–{@link MAX_QR_TIMEOUT_MS}) — every ref shown for n ms, as a Baileys client
 * with `qrTimeout: n` shows them (the ref count stays `base`'s).
 * @returns undefined for a malformed value.
 */
export function scheduleForQuery(base: QrSchedule, query: URLSearchParams): QrSchedule | undefined {
  const raw = query.get(QR_TIMEOUT_PARAM);
  if (raw === null) return base;
  if (!/^\d{1,6}$/.test(raw)) return undefined;
  const ms = Number(raw);
  if (ms < 1 || ms > MAX_QR_TIMEOUT_MS) return undefined;
  return { ...base, firstTtlMs: ms, nextTtlMs: ms };
}

/** Why a ref cannot be scanned (now). */
export type RefState = "current" | "expired" | "not-yet-shown" | "unknown";

export class QrRefs {
  /** The refs in the order the client shows them. */
  readonly refs: readonly string[];
  private readonly firstTtlMs: number;
  private readonly nextTtlMs: number;
  private readonly graceMs: number;

  /**
   * @param issuedAtMs when the pair-device IQ was sent (clock milliseconds)
   * @throws RangeError for a count < 1 or a negative lifetime or grace
   */
  constructor(
    readonly issuedAtMs: number,
    schedule: QrSchedule = {},
    makeRef: () => string = () => "2@" + randomBytes(48).toString("base64"),
  ) {
    const count = schedule.count ?? QR_REF_COUNT;
    this.firstTtlMs = schedule.firstTtlMs ?? QR_FIRST_TTL_MS;
    this.nextTtlMs = schedule.nextTtlMs ?? QR_NEXT_TTL_MS;
    this.graceMs = schedule.graceMs ?? QR_SCAN_GRACE_MS;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`QR ref count must be a positive integer, got ${count}`);
    if (this.firstTtlMs < 0 || this.nextTtlMs < 0) throw new RangeError("QR ref lifetimes must be ≥ 0");
    if (this.graceMs < 0) throw new RangeError("QR scan grace must be ≥ 0");
    this.refs = Array.from({ length: count }, makeRef);
  }

  /** Clock time (ms) at which ref number `index` (0-based) stops being shown. */
  expiresAt(index: number): number {
    return this.issuedAtMs + this.firstTtlMs + index * this.nextTtlMs;
  }

  /** Clock time (ms) after which no ref is left: the client ends with 408 then. */
  endsAt(): number {
    return this.expiresAt(this.refs.length - 1);
  }

  /** Index of the ref on screen at `nowMs`, or undefined once all have expired. */
  currentIndex(nowMs: number): number | undefined {
    for (let i = 0; i < this.refs.length; i++) if (nowMs < this.expiresAt(i)) return i;
    return undefined;
  }

  /** The ref on screen at `nowMs`, if any. */
  current(nowMs: number): string | undefined {
    const i = this.currentIndex(nowMs);
    return i === undefined ? undefined : this.refs[i];
  }

  /**
   * Whether `ref` can be scanned at `nowMs`, and if not, why: "current" from the moment it is shown
   * until its expiry plus the grace ({@link QrSchedule.graceMs}), so for the grace after a rotation
   * both the previous and the new ref are current; "not-yet-shown" before, "expired" after.
   */
  state(ref: string, nowMs: number): RefState {
    const i = this.refs.indexOf(ref);
    if (i < 0) return "unknown";
    const shownAt = i === 0 ? this.issuedAtMs : this.expiresAt(i - 1);
    if (nowMs < shownAt) return "not-yet-shown";
    return nowMs < this.expiresAt(i) + this.graceMs ? "current" : "expired";
  }
}

/** The parts of a QR string Baileys shows (lib/Utils/companion-reg-client-utils.js `buildPairingQRData`). */
export interface QrData {
  ref: string;
  /** base64 of the client's Noise static public key (32 bytes). */
  noiseKeyB64: string;
  /** base64 of the client's identity public key (32 bytes). */
  identityKeyB64: string;
  /** base64 of the client's 32-byte ADV secret (the key of the pair-success HMAC). */
  advSecretB64: string;
  /** Companion platform id (a decimal string). */
  platform: string;
}

const QR_URL_PREFIX = "https://wa.me/settings/linked_devices#";

/**
 * Parses "https://wa.me/settings/linked_devices#ref,noiseKey,identityKey,advSecret,platform" (the
 * URL prefix is optional). Throws SyntaxError if it does not have those five parts.
 */
export function parseQr(qr: string): QrData {
  const body = qr.startsWith(QR_URL_PREFIX) ? qr.slice(QR_URL_PREFIX.length) : qr;
  const parts = body.split(",");
  if (parts.length !== 5 || parts.some((p) => p.length === 0)) throw new SyntaxError("a QR string has 5 comma-separated parts");
  const [ref, noiseKeyB64, identityKeyB64, advSecretB64, platform] = parts as [string, string, string, string, string];
  return { ref, noiseKeyB64, identityKeyB64, advSecretB64, platform };
}
