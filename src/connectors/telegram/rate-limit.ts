/**
 * Outbound pacing for one bot, after the Bot API FAQ: no more than about 30 messages per second in
 * total, and about one per second in any one chat. Every send *reserves* a time slot before it
 * waits, so concurrent sends never pick the same slot:
 *
 * - per chat: a slot is at least `perChatMs` after the chat's previous slot;
 * - per bot: no two slots are closer than `1000 / perSecond` ms (so never more than `perSecond`
 *   in any second), and a send may take a free gap between slots reserved further ahead — a message
 *   to a quiet chat does not queue behind one waiting for a busy chat.
 *
 * A 429 from Telegram pushes the chat's next slot out by `retry_after` ({@link RateLimiter.backOff}).
 */
export interface RateLimitOptions {
  /** Minimum spacing of messages in one chat, ms. Default 1000. */
  perChatMs?: number;
  /** Maximum messages per second for the whole bot. Default 30. */
  perSecond?: number;
}

export class RateLimiter {
  private readonly perChatMs: number;
  private readonly spacingMs: number;
  /** chat → the earliest time its next message may go. */
  private readonly chatNext = new Map<string, number>();
  /** Reserved bot-wide slots, ascending. */
  private slots: number[] = [];

  constructor(
    opts: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.perChatMs = opts.perChatMs ?? 1000;
    this.spacingMs = Math.ceil(1000 / (opts.perSecond ?? 30)); // whole ms: never more than perSecond in a second
  }

  /**
   * Reserves the earliest slot for a message to `chat` and returns how long to wait for it (ms), or
   * returns `null` without reserving anything when that wait would exceed `maxWaitMs`.
   */
  reserve(chat: string, maxWaitMs = Infinity): number | null {
    const { now, t, index } = this.earliest(chat);
    if (t - now > maxWaitMs) return null;
    this.slots.splice(index, 0, t);
    this.chatNext.set(chat, t + this.perChatMs);
    return t - now;
  }

  /** How long a message to `chat` would wait now (ms), without reserving anything. */
  peek(chat: string): number {
    const { now, t } = this.earliest(chat);
    return t - now;
  }

  /** The earliest free slot for `chat` and where it goes in {@link slots}. */
  private earliest(chat: string): { now: number; t: number; index: number } {
    const now = this.now();
    this.prune(now);
    let t = Math.max(now, this.chatNext.get(chat) ?? 0);
    // Earliest t at least `spacing` away from every reserved slot (slots are ascending).
    let i = 0;
    for (; i < this.slots.length; i++) {
      const s = this.slots[i] as number;
      if (s <= t - this.spacingMs) continue;
      if (s >= t + this.spacingMs) break;
      t = s + this.spacingMs;
    }
    return { now, t, index: i };
  }

  /** Telegram answered 429 for `chat`: nothing goes there for `ms`. */
  backOff(chat: string, ms: number): void {
    const until = this.now() + ms;
    if ((this.chatNext.get(chat) ?? 0) < until) this.chatNext.set(chat, until);
  }

  private prune(now: number): void {
    let k = 0;
    while (k < this.slots.length && (this.slots[k] as number) <= now - this.spacingMs) k++;
    if (k > 0) this.slots = this.slots.slice(k);
    if (this.chatNext.size > 1000) for (const [c, t] of this.chatNext) if (t <= now) this.chatNext.delete(c);
  }
}
