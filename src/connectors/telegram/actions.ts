import { Type } from "@sinclair/typebox";
import type { ActionResult, ActionSpec, RemoteContext } from "../../core/connector.js";
import { PlatformUnreachableError, err } from "../../core/errors.js";
import { UrlString } from "../../core/url-field.js";
import { apiSignal, botApi, classify, type BotApiFailure } from "./bot-api.js";
import { readConfig, readCredentials, trimRoot, type TelegramConfig } from "./config.js";
import { TelegramSession } from "./session.js";

/** After `logOut`, the cloud Bot API refuses the bot for 10 minutes (Bot API docs, `logOut`). */
export const CLOUD_LOCKOUT_MS = 10 * 60 * 1000;

export const ACTIONS: readonly ActionSpec[] = [
  {
    name: "log-out-cloud",
    description:
      "Logs the bot out of the cloud Bot API (Bot API logOut) and points the instance at a local Bot API server. " +
      "The cloud refuses the bot for 10 minutes afterwards.",
    inputSchema: Type.Object(
      {
        localApiRoot: UrlString({
          protocols: ["http", "https"],
          credentials: true,
          description: "Root URL of the local telegram-bot-api server (the bot token is sent there).",
        }),
      },
      { additionalProperties: false },
    ),
    confirm: true,
  },
  {
    name: "use-cloud",
    description: "Points the instance back at the cloud Bot API (https://api.telegram.org) once the 10-minute lockout after log-out-cloud has passed.",
    inputSchema: Type.Object({}, { additionalProperties: false }),
  },
  {
    name: "close-bot",
    description:
      "Closes the bot instance on its Bot API server (Bot API close), before moving it to another local server. " +
      "Close the instance first: a running session would launch the bot again. Refused for 10 minutes after the bot was launched.",
    inputSchema: Type.Object({}, { additionalProperties: false }),
    confirm: true,
  },
];

export interface ActionDeps {
  now: () => number;
  cloudApiRoot: string;
}

/** Runs a declared action. Input has been validated against the action's schema by the core. */
export async function runAction(name: string, input: unknown, ctx: RemoteContext, deps: ActionDeps): Promise<ActionResult> {
  const config = readConfig(ctx.config);
  switch (name) {
    case "log-out-cloud":
      return logOutCloud((input as { localApiRoot: string }).localApiRoot, config, ctx, deps);
    case "use-cloud":
      return useCloud(config, deps);
    case "close-bot":
      return closeBot(config, ctx);
    default:
      throw err("ACTION_UNKNOWN", { details: { action: name } });
  }
}

async function logOutCloud(localApiRoot: string, config: TelegramConfig, ctx: RemoteContext, deps: ActionDeps): Promise<ActionResult> {
  const cloud = trimRoot(deps.cloudApiRoot);
  const local = trimRoot(localApiRoot);
  if (config.apiRoot !== cloud) {
    throw err("INVALID_STATE", {
      message: "The instance does not use the cloud Bot API; log-out-cloud moves a bot from the cloud to a local server.",
      details: { apiRoot: config.apiRoot },
    });
  }
  if (local === cloud) throw err("VALIDATION_FAILED", { message: "localApiRoot must be a local Bot API server, not the cloud one." });
  const token = tokenOf(ctx);
  const api = botApi(token, { apiRoot: cloud, environment: config.environment }, ctx.net);
  const logOut = (): Promise<true> => api.logOut(apiSignal(ctx.signal)).catch((e: unknown) => rethrow("logOut", classify(e, token), ctx.signal, e));
  const session = ctx.session instanceof TelegramSession ? ctx.session : null;
  await (session ? session.duringLogout(logOut) : logOut());
  const cloudLockedUntil = deps.now() + CLOUD_LOCKOUT_MS;
  ctx.logger.info({ cloudLockedUntil }, "telegram bot logged out of the cloud Bot API");
  return { result: { loggedOut: true, apiRoot: local, cloudLockedUntil }, config: { apiRoot: local, cloudLockedUntil } };
}

function useCloud(config: TelegramConfig, deps: ActionDeps): ActionResult {
  const now = deps.now();
  const until = config.cloudLockedUntil;
  if (until !== null && now < until) {
    const left = until - now;
    throw err("INVALID_STATE", {
      message: `The bot logged out of the cloud Bot API; it can return in ${Math.ceil(left / 1000)}s.`,
      retryAfterMs: left,
      details: { cloudLockedUntil: until },
    });
  }
  const apiRoot = trimRoot(deps.cloudApiRoot);
  return { result: { apiRoot, cloudLockedUntil: null }, config: { apiRoot, cloudLockedUntil: null } };
}

async function closeBot(config: TelegramConfig, ctx: RemoteContext): Promise<ActionResult> {
  if (ctx.session) {
    throw err("INVALID_STATE", { message: "Close the instance first: its running session would launch the bot again right after close." });
  }
  const token = tokenOf(ctx);
  const api = botApi(token, config, ctx.net);
  await api.close(apiSignal(ctx.signal)).catch((e: unknown) => rethrow("close", classify(e, token), ctx.signal, e));
  return { result: { closed: true, apiRoot: config.apiRoot } };
}

function tokenOf(ctx: RemoteContext): string {
  const creds = readCredentials(ctx.credentials);
  if (!creds) throw err("INVALID_STATE", { message: "The instance has no bot token: connect it with a token first." });
  return creds.token;
}

/** Turns a Bot API failure of an action into the catalog error the caller gets. Secret-free. */
function rethrow(method: string, f: BotApiFailure, signal: AbortSignal, cause?: unknown): never {
  switch (f.kind) {
    case "rate_limited":
      throw err("PLATFORM_RATE_LIMITED", { message: `The Bot API refused ${method} for now: ${f.description}`, retryAfterMs: f.retryAfterMs });
    case "unauthorized":
    case "not_found":
      throw err("INVALID_STATE", { message: `The Bot API rejected the bot token (${f.status} ${f.description}).`, details: { status: f.status } });
    case "bad_request":
    case "forbidden":
    case "conflict":
      throw err("INVALID_STATE", { message: `The Bot API refused ${method}: ${f.description}`, details: { status: f.status } });
    case "server":
      throw new PlatformUnreachableError(`The Bot API failed ${method} (${f.status}).`, { cause });
    case "network":
      throw new PlatformUnreachableError(
        signal.aborted ? `The Bot API did not answer ${method} in time.` : `The Telegram Bot API could not be reached (${method}).`,
        { cause },
      );
  }
}
