import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Waits `ms`, or less when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A webhook `secret_token`: 256 random bits, base64url (the Bot API allows `A-Za-z0-9_-`, 1–256 chars). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed first,
 * so the buffers given to `timingSafeEqual` have equal length and the secret's length does not leak.
 */
export function secretMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}
