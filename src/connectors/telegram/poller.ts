import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { ConnectorLogger, InboundEvent, SessionHost } from "../../core/connector.js";
import { isSwitchboardError } from "../../core/errors.js";
import { apiSignal, classify, type BotApiFailure } from "./bot-api.js";
import type { TelegramConfig } from "./config.js";
import { toEvent } from "./updates.js";
import { sleep } from "./util.js";

/** How a polling loop ended. */
export type PollEnd =
  /** `signal` aborted (the session is closing), or the core refused a batch because the session is closed. */
  | { type: "stopped" }
  /** A Bot API failure the loop cannot continue after (never a 429: those are waited out). */
  | { type: "failed"; failure: BotApiFailure }
  /** The core could not store a batch (`STORAGE_FAILED`): not confirmed, the next session polls it again. */
  | { type: "store_failed"; error: unknown };

export interface PollOptions {
  api: Api;
  host: SessionHost;
  config: TelegramConfig;
  botId: string;
  /** The first offset (from the stored connector state), or undefined for "whatever is pending". */
  offset: number | undefined;
  /** Which Bot API server the offset belongs to ({@link serverKey}); stored with it. */
  server: string;
  signal: AbortSignal;
  token: string;
  logger?: ConnectorLogger;
  /** Monotonic milliseconds (default `performance.now`), to time each poll. */
  now?: () => number;
}

/** Bot API `allowed_updates`: names of Update fields (the server ignores unknown ones). */
export type AllowedUpdates = ReadonlyArray<Exclude<keyof Update, "update_id">>;

/**
 * Identifies the update sequence an offset belongs to. Update ids are numbered by the Bot API server:
 * a local server starts its own sequence (at a random point), so an offset stored against the cloud
 * would make a local server drop every update below it. A stored offset is used only on the server
 * it came from.
 */
export function serverKey(config: Pick<TelegramConfig, "apiRoot" | "environment">): string {
  return `${config.apiRoot}#${config.environment}`;
}

/** The offset to start from: the stored one when it belongs to this server, else none (the server's pending updates). */
export function startOffset(state: Record<string, unknown>, server: string): number | undefined {
  return typeof state.offset === "number" && state.server === server ? state.offset : undefined;
}

/** Delay between empty polls when `pollTimeoutS` is 0 (short polling), so the loop does not spin. */
const SHORT_POLL_PAUSE_MS = 1000;

/**
 * An empty answer that came back before half of its long-poll timeout was "early": the server does
 * not hold the request (a misconfigured or hostile Bot API root). The loop then pauses before the
 * next poll, doubling from {@link EARLY_PAUSE_MIN_MS} up to {@link EARLY_PAUSE_MAX_MS}, and goes back
 * to polling at once after a poll that waited or brought updates.
 */
const EARLY_PAUSE_MIN_MS = 1_000;
const EARLY_PAUSE_MAX_MS = 30_000;

/** The pause after the `n`-th early empty answer in a row (n ≥ 1), ms. */
export function earlyPollPauseMs(n: number): number {
  return Math.min(EARLY_PAUSE_MAX_MS, EARLY_PAUSE_MIN_MS * 2 ** Math.max(0, n - 1));
}

/**
 * The long-polling loop. Each batch is handed to `host.receive` with the next offset as connector
 * state, and the next `getUpdates` (which confirms the batch at the Bot API server) is sent only
 * once the core has stored both: a crash or restart neither loses nor repeats an update. Updates that
 * map to no event still move the offset. A server that answers empty polls without waiting is
 * polled with growing pauses (see {@link earlyPollPauseMs}), never in a tight loop.
 */
export async function poll(o: PollOptions): Promise<PollEnd> {
  let offset = o.offset;
  const allowed = o.config.allowedUpdates as AllowedUpdates | undefined;
  const now = o.now ?? (() => performance.now());
  let early = 0;
  while (!o.signal.aborted) {
    let updates: Update[];
    const started = now();
    try {
      updates = await o.api.getUpdates(
        { ...(offset !== undefined ? { offset } : {}), timeout: o.config.pollTimeoutS, ...(allowed ? { allowed_updates: allowed } : {}) },
        apiSignal(o.signal),
      );
    } catch (e) {
      if (o.signal.aborted) break;
      const failure = classify(e, o.token);
      if (failure.kind === "rate_limited") {
        await sleep(failure.retryAfterMs, o.signal);
        continue;
      }
      return { type: "failed", failure };
    }
    if (updates.length === 0) {
      if (o.config.pollTimeoutS === 0) {
        await sleep(SHORT_POLL_PAUSE_MS, o.signal);
      } else if (now() - started < (o.config.pollTimeoutS * 1000) / 2) {
        early++;
        if (early === 3) {
          o.logger?.warn({ pollTimeoutS: o.config.pollTimeoutS }, "the Bot API server answers getUpdates without waiting (no long polling); polling with pauses");
        }
        await sleep(earlyPollPauseMs(early), o.signal);
      } else {
        early = 0;
      }
      continue;
    }
    early = 0;
    const next = Math.max(...updates.map((u) => u.update_id)) + 1;
    const events = updates.map((u) => toEvent(u, o.botId, o.config.includeRaw)).filter((e): e is InboundEvent => e !== null);
    try {
      await o.host.receive({ events, state: { offset: next, server: o.server } });
    } catch (e) {
      if (o.signal.aborted || isSwitchboardError(e, "INVALID_STATE")) break;
      return { type: "store_failed", error: e };
    }
    offset = next;
  }
  return { type: "stopped" };
}
