import type { Clock } from "./clock.js";

/** Rejection reason of {@link withTimeout} when the time runs out. */
export class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * Runs `fn` with an AbortSignal that aborts after `ms`, and settles by then at the latest: resolves
 * or rejects with `fn`'s outcome, or rejects with {@link TimeoutError} when `ms` passes first.
 * `fn` keeps running after a timeout unless it honours the signal.
 */
export function withTimeout<T>(clock: Clock, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      const e = new TimeoutError(ms);
      ac.abort(e);
      reject(e);
    }, ms);
    let p: Promise<T>;
    try {
      p = fn(ac.signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(timer);
        reject(e);
      },
    );
  });
}
