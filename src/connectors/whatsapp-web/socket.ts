import { type AuthenticationState, type UserFacingSocketConfig, type WASocket, makeWASocket } from "baileys";
import type { ConnectorLogger } from "../../core/connector.js";
import type { WhatsAppWebConfig } from "./config.js";
import { type BaileysLogLevel, baileysLogger } from "./logger.js";
import { ignoredChat } from "./messages.js";
import { proxyAgent } from "./proxy.js";
import type { VersionResolver } from "./version.js";

/** What every socket of this connector shares (from `whatsappWebConnector` options). */
export interface SocketDeps {
  versions: VersionResolver;
  logLevel: BaileysLogLevel;
}

/**
 * Opens a Baileys socket for an instance config. `extra` overrides single settings (the logout's
 * short-lived socket ignores every chat). Baileys' transaction commits are retried twice, 500 ms
 * apart (default: 10 times, 3 s apart): a store that fails is reported by the auth state at once and
 * ends the session, so long retries would only hold Baileys' key locks.
 * @throws synchronously when Baileys refuses the settings (e.g. an unusable URL).
 */
export function openSocket(
  config: WhatsAppWebConfig,
  auth: AuthenticationState,
  deps: SocketDeps,
  logger: ConnectorLogger,
  extra: Partial<UserFacingSocketConfig> = {},
): WASocket {
  const agent = config.proxyUrl ? proxyAgent(config.proxyUrl) : undefined;
  return makeWASocket({
    auth,
    logger: baileysLogger(logger, deps.logLevel),
    version: deps.versions.resolve(config.version, logger),
    browser: [config.deviceName, config.browser, "1.0"],
    ...(config.websocketUrl ? { waWebSocketUrl: config.websocketUrl } : {}),
    ...(agent ? { agent, fetchAgent: agent } : {}),
    keepAliveIntervalMs: config.keepAliveIntervalMs,
    markOnlineOnConnect: config.markOnline,
    syncFullHistory: false,
    // No history sync: the gateway emits live messages only, and with history sync on, Baileys
    // buffers every event of a first connection until the history arrives (up to 20 s).
    shouldSyncHistoryMessage: () => false,
    shouldIgnoreJid: (jid) => ignoredChat(jid, config),
    transactionOpts: { maxCommitRetries: 2, delayBetweenTriesMs: 500 },
    ...extra,
  });
}
