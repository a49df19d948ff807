/** Time words for the dashboard. Pure: no DOM. All times are epoch milliseconds. */

/** "9:58" for 598 000 ms, "1:02:03" past an hour, "0:00" for anything ≤ 0. Rounds up to the second. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "14:03:07" in the browser's locale-independent 24 h form (UTC offset of `date`'s zone). */
export function clock(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/**
 * The epoch-ms lock end in an action's answer, when it has one: Telegram `log-out-cloud` answers
 * `{loggedOut, apiRoot, cloudLockedUntil}`; `use-cloud` refused early carries
 * `details.cloudLockedUntil`. Any object with a numeric `cloudLockedUntil` (or `lockedUntil`) counts.
 */
export function lockedUntilOf(result: unknown): number | undefined {
  if (!result || typeof result !== "object") return undefined;
  const r = result as Record<string, unknown>;
  for (const key of ["cloudLockedUntil", "lockedUntil"]) {
    const v = r[key];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
}
