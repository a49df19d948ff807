import { err } from "../../core/errors.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How webhooks are delivered. Every duration is in milliseconds. See `docs/events.md#webhooks`.
 */
export interface WebhookOptions {
  /**
   * Delays before each retry (the first attempt is immediate). Default 5 s, 5 min, 30 min, 2 h, 5 h,
   * 10 h, 10 h: 8 attempts spanning about 27.6 h. After the last one fails the delivery is given up
   * (`failed`; it can still be redelivered by hand).
   */
  retryScheduleMs: readonly number[];
  /**
   * Each delay is multiplied by a random factor in [1, 1 + jitter]: jitter only lengthens, so the
   * schedule never ends sooner than its sum. Default 0.2.
   */
  jitter: number;
  /**
   * Timeout of one attempt: for connecting, then for the response headers, then for each wait for
   * more of the response body. Default 10 000.
   */
  attemptTimeoutMs: number;
  /**
   * A subscription whose attempts all failed for at least this long (and at least
   * {@link disableAfterAttempts} times) is disabled, with a `webhook.disabled` event. Default 5 days.
   */
  disableAfterMs: number;
  /** See {@link disableAfterMs}. Default 20. */
  disableAfterAttempts: number;
  /** `maxConcurrency` of a new subscription when none is given. Default 8. */
  defaultMaxConcurrency: number;
  /** How long the previous secret keeps signing after a rotation when none is given. Default 24 h. */
  defaultRotationOverlapMs: number;
  /**
   * Allow URLs whose host resolves to loopback, private, link-local, unique-local, CGNAT, multicast,
   * reserved or unspecified addresses (`SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1`). Default false.
   */
  allowPrivateAddresses: boolean;
  /**
   * Recorded attempts older than this are pruned (deliveries go with their events). Default 7 days
   * (the server passes its event retention); 0 keeps them forever.
   */
  retentionMs: number;
  /** The dispatcher also looks for work this often (besides the event bus and its own timers). Default 1 000. */
  pollIntervalMs: number;
  /** Deliveries an endpoint holds in memory at most; the rest wait in the store. Default 1 000. */
  windowSize: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: Readonly<WebhookOptions> = Object.freeze({
  retryScheduleMs: Object.freeze([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
  jitter: 0.2,
  attemptTimeoutMs: 10 * SECOND,
  disableAfterMs: 5 * DAY,
  disableAfterAttempts: 20,
  defaultMaxConcurrency: 8,
  defaultRotationOverlapMs: DAY,
  allowPrivateAddresses: false,
  retentionMs: 7 * DAY,
  pollIntervalMs: SECOND,
  windowSize: 1_000,
});

/** Largest `maxConcurrency` of a subscription. */
export const MAX_CONCURRENCY = 64;
/** Subscriptions one instance may have (each runs a worker with its own connection pool). */
export const MAX_SUBSCRIPTIONS_PER_INSTANCE = 25;
/** Global subscriptions (account token, every instance) the gateway accepts. */
export const MAX_GLOBAL_SUBSCRIPTIONS = 100;
/** Longest rotation overlap: 7 days. */
export const MAX_ROTATION_OVERLAP_MS = 7 * DAY;

/**
 * Fills in defaults and checks the values.
 * @throws `VALIDATION_FAILED` for an empty schedule, negative or non-finite durations, a jitter
 *   outside [0, 1], or counts below 1.
 */
export function resolveWebhookOptions(partial: Partial<WebhookOptions> = {}): WebhookOptions {
  const o: WebhookOptions = { ...DEFAULT_WEBHOOK_OPTIONS, ...stripUndefined(partial) };
  const bad = (what: string): never => {
    throw err("VALIDATION_FAILED", { message: `Invalid webhook option: ${what}.` });
  };
  if (o.retryScheduleMs.length === 0 || o.retryScheduleMs.some((d) => !Number.isFinite(d) || d < 0)) bad("retryScheduleMs needs at least one delay ≥ 0");
  if (!(o.jitter >= 0 && o.jitter <= 1)) bad("jitter must be in [0, 1]");
  for (const k of ["attemptTimeoutMs", "pollIntervalMs"] as const) if (!(Number.isFinite(o[k]) && o[k] > 0)) bad(`${k} must be > 0`);
  for (const k of ["disableAfterMs", "retentionMs", "defaultRotationOverlapMs"] as const) if (!(Number.isFinite(o[k]) && o[k] >= 0)) bad(`${k} must be ≥ 0`);
  for (const k of ["disableAfterAttempts", "windowSize"] as const) if (!(Number.isInteger(o[k]) && o[k] >= 1)) bad(`${k} must be an integer ≥ 1`);
  if (!(Number.isInteger(o.defaultMaxConcurrency) && o.defaultMaxConcurrency >= 1 && o.defaultMaxConcurrency <= MAX_CONCURRENCY)) bad(`defaultMaxConcurrency must be 1–${MAX_CONCURRENCY}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The delay before the next attempt after `attemptsMade` failed attempts (1-based), with jitter; or
 * null when the schedule is exhausted (give up).
 * @param random a number in [0, 1).
 */
export function retryDelay(o: Pick<WebhookOptions, "retryScheduleMs" | "jitter">, attemptsMade: number, random: number): number | null {
  const base = o.retryScheduleMs[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 + o.jitter * random));
}

/**
 * Parses a retry schedule written as comma-separated durations (`5s,5m,30m,2h,5h,10h,10h`; units
 * ms, s, m, h, d; a bare number is ms), as the CLI and environment take it.
 * @throws `VALIDATION_FAILED` for anything else.
 */
export function parseSchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, "": 1 };
  return text.split(",").map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)\s*$/.exec(part);
    const unit = m ? units[m[2] ?? ""] : undefined;
    if (!m || unit === undefined) throw err("VALIDATION_FAILED", { message: `Not a duration: "${part.trim()}" (use e.g. 5s,5m,2h).` });
    return Math.round(Number(m[1]) * unit);
  });
}

/**
 * The shortest event retention that keeps every event until its last webhook retry (ms): the
 * schedule's sum with the largest jitter. Events pruned sooner would leave retries without a body.
 */
export function retryHorizonMs(o: Pick<WebhookOptions, "retryScheduleMs" | "jitter">): number {
  return Math.ceil(o.retryScheduleMs.reduce((a, b) => a + b, 0) * (1 + o.jitter));
}
