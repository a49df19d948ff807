/** What a Bot API method implementation receives, and what it may answer. */
import type { TelegramEngine } from "../engine.js";
import type { Params } from "../params.js";
import type { BotRecord, World } from "../state.js";

export interface MethodContext {
  engine: TelegramEngine;
  world: World;
  bot: BotRecord;
  params: Params;
  /** The method name, lower-cased (the server matches names case-insensitively). */
  method: string;
  /** Registers a callback for when the client goes away before the answer (long polling). */
  onAbort(fn: () => void): void;
}

/** A successful answer with the optional top-level `description` (e.g. setWebhook's "Webhook was set"). */
export class Answer {
  constructor(
    readonly result: unknown,
    readonly description?: string,
  ) {}
}

export type MethodHandler = (ctx: MethodContext) => unknown;
