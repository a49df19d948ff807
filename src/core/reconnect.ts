/**
 * The reconnect policy, owned by the core (DESIGN §2): connectors classify disconnects, the core
 * decides when to try again.
 */
export interface ReconnectPolicy {
  /** Delay before the first retry, ms. Default 1 000. */
  baseMs: number;
  /** Upper bound of one delay, ms. Default 60 000. */
  capMs: number;
  /** Growth factor per attempt. Default 2. */
  factor: number;
  /** Consecutive transient failures tolerated; the next one moves the instance to `failed`. Default 10. */
  maxAttempts: number;
  /**
   * How long a `connected → reconnecting` flap is held back before it becomes an `instance.status`
   * event, ms. A reconnect that succeeds within the window produces no event. Default 3 000.
   */
  debounceMs: number;
  /** Consecutive `restart_required` ends tolerated before they count as transient failures. Default 3. */
  maxRestarts: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  baseMs: 1_000,
  capMs: 60_000,
  factor: 2,
  maxAttempts: 10,
  debounceMs: 3_000,
  maxRestarts: 3,
};

/**
 * The delay before retry number `attempt` (1-based), in ms: exponential growth capped at `capMs`,
 * with "equal jitter" — half the delay is fixed, half is random — so a fleet of instances that lost
 * the network together does not reconnect in lockstep, and no delay is ever below half its step.
 *
 * Pure: `random` is a number in [0, 1) supplied by the caller (tests pass fixed values).
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: number): number {
  const n = Math.max(1, Math.floor(attempt));
  const step = Math.min(policy.capMs, policy.baseMs * policy.factor ** (n - 1));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(step / 2 + (step / 2) * r);
}
