/**
 * Flood limits on sending, from the Bot API FAQ ("My bot is hitting limits, how do I avoid this?"):
 * about one message per second in a private chat (short bursts tolerated), at most 20 messages per
 * minute in a group, about 30 messages per second in total. Each rule is a token bucket: `limit`
 * messages per `windowMs` sustained, up to `burst` at once (default `limit`). A send that finds an
 * empty bucket is refused with `429 Too Many Requests: retry after N`, N the whole seconds until
 * the bucket holds a message again; a refused send does not count.
 */
import type { Clock } from "../kit/clock.js";

export interface FloodRule {
  limit: number;
  windowMs: number;
  burst?: number;
}

export interface FloodSettings {
  privateChat: FloodRule;
  groupChat: FloodRule;
  bot: FloodRule;
}

export const DEFAULT_FLOOD: FloodSettings = {
  privateChat: { limit: 1, windowMs: 1_000, burst: 3 },
  groupChat: { limit: 20, windowMs: 60_000 },
  bot: { limit: 30, windowMs: 1_000 },
};

interface Bucket {
  tokens: number;
  at: number;
}

export class FloodControl {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private settings: FloodSettings | false,
  ) {}

  configure(settings: FloodSettings | false): void {
    this.settings = settings;
    this.buckets.clear();
  }

  current(): FloodSettings | false {
    return this.settings;
  }

  /**
   * Takes one message from the bot's total bucket and the chat's bucket, or returns the seconds
   * to wait (nothing is taken then).
   */
  take(botKey: string, chatId: number, isPrivate: boolean): { ok: true } | { ok: false; retryAfter: number } {
    const s = this.settings;
    if (s === false) return { ok: true };
    const now = this.clock.now();
    const checks: Array<[string, FloodRule]> = [
      [`${botKey}`, s.bot],
      [`${botKey}/${chatId}`, isPrivate ? s.privateChat : s.groupChat],
    ];
    let wait = 0;
    const refilled: Array<[string, Bucket, FloodRule]> = [];
    for (const [key, rule] of checks) {
      const capacity = rule.burst ?? rule.limit;
      const rate = rule.limit / rule.windowMs;
      const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
      const tokens = Math.min(capacity, b.tokens + (now - b.at) * rate);
      const bucket = { tokens, at: now };
      refilled.push([key, bucket, rule]);
      if (tokens < 1) wait = Math.max(wait, (1 - tokens) / rate);
    }
    if (wait > 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
    for (const [key, bucket] of refilled) this.buckets.set(key, { tokens: bucket.tokens - 1, at: bucket.at });
    return { ok: true };
  }
}
