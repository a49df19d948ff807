/**
 * Webhook delivery for sandboxes that push to a receiver (Telegram's `setWebhook`, Meta's app
 * callbacks): one attempt ({@link deliverOnce}: a POST bounded by a timeout on the sandbox clock,
 * redirects not followed, the answer read up to a size limit) and the retry schedule
 * ({@link nextRetryDelayS}: at once after the first failure, then doubling up to a cap, or the
 * receiver's `Retry-After`). Each sandbox keeps its own queue and words its own errors.
 */
import type { Clock } from "./clock.js";

/** What one attempt gave. */
export type DeliveryOutcome =
  | { ok: true; status: number; body: string }
  | {
      ok: false;
      /** `status`: a non-2xx answer; `timeout`: no answer in time; `network`: no connection (see `code`). */
      reason: "status" | "timeout" | "network";
      status?: number;
      statusText?: string;
      /** The receiver's `Retry-After`, seconds (0 when absent). */
      retryAfterS: number;
      /** The system error code of a network failure (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…). */
      code?: string;
      message?: string;
    };

/** Options of {@link deliverOnce}. */
export interface DeliveryOptions {
  url: string | URL;
  headers: Record<string, string>;
  body: string;
  clock: Clock;
  /** The attempt's bound, on the sandbox clock, ms. */
  timeoutMs: number;
  /** Answers longer than this are read as "" (default 1 MiB). */
  maxReplyBytes?: number;
}

/** One attempt in flight: its outcome, and `abort()` to give it up (the outcome is then never used). */
export interface DeliveryAttempt {
  outcome: Promise<DeliveryOutcome>;
  abort(): void;
}

/** POSTs once. The outcome never rejects. */
export function deliverOnce(o: DeliveryOptions): DeliveryAttempt {
  const abort = new AbortController();
  let timedOut = false;
  const timer = o.clock.setTimer(o.timeoutMs, () => {
    timedOut = true;
    abort.abort();
  });
  const max = o.maxReplyBytes ?? 1 << 20;
  const outcome = fetch(o.url, { method: "POST", headers: o.headers, body: o.body, signal: abort.signal, redirect: "manual" })
    .then(async (res): Promise<DeliveryOutcome> => {
      let body = "";
      try {
        const buf = Buffer.from(await res.arrayBuffer());
        body = buf.length > max ? "" : buf.toString("utf8");
      } catch {
        // an unreadable answer counts by its status
      }
      if (res.status >= 200 && res.status <= 299) return { ok: true, status: res.status, body };
      return { ok: false, reason: "status", status: res.status, statusText: res.statusText, retryAfterS: retryAfterOf(res.headers.get("retry-after")) };
    })
    .catch((e: unknown): DeliveryOutcome => {
      if (timedOut) return { ok: false, reason: "timeout", retryAfterS: 0 };
      const cause = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      const code = cause?.code ?? (e as { code?: string } | undefined)?.code;
      return { ok: false, reason: "network", retryAfterS: 0, ...(code ? { code } : {}), message: cause?.message ?? (e instanceof Error ? e.message : String(e)) };
    })
    .finally(() => o.clock.clearTimer(timer));
  return { outcome, abort: () => abort.abort() };
}

/**
 * The delay before the next attempt, seconds: the receiver's `Retry-After` when given (at most
 * `maxRetryAfterS`); else 0 after the first failure (at once), then `previousS × 2` up to `maxS`.
 * @param failures failed attempts so far, this one included.
 */
export function nextRetryDelayS(failures: number, previousS: number, retryAfterS: number, limits: { maxS: number; maxRetryAfterS: number }): number {
  if (retryAfterS > 0) return Math.min(limits.maxRetryAfterS, retryAfterS);
  if (failures <= 1) return 0;
  return Math.min(limits.maxS, Math.max(1, previousS * 2));
}

function retryAfterOf(v: string | null): number {
  if (v === null) return 0;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
