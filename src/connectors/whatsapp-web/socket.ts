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
  /** Put a configured `qrTimeoutMs` into the WebSocket URL's query (see `WhatsAppWebConnectorOptions.announceQrTimeout`). */
  announceQrTimeout?: boolean;
}

/** The query parameter that tells the WhatsApp Web sandbox the client's QR lifetime, ms. */
export const QR_TIMEOUT_PARAM = "qrTimeoutMs";

/**
 * The WebSocket URL for a config: `websocketUrl` (undefined: Baileys' default, WhatsApp's server),
 * with `?qrTimeoutMs=<n>` added when `announce` is set and the config has both a `websocketUrl` and a
 * `qrTimeoutMs`. The URL of WhatsApp's own server is never changed.
 */
export function socketUrl(config: Pick<WhatsAppWebConfig, "websocketUrl" | "qrTimeoutMs">, announce: boolean): string | undefined {
  const base = config.websocketUrl;
  if (!announce || base === undefined || config.qrTimeoutMs === undefined) return base;
  const url = new URL(base);
  url.searchParams.set(QR_TIMEOUT_PARAM, String(config.qrTimeoutMs));
  return url.toString();
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
    ...(config.websocketUrl ? { waWebSocketUrl: socketUrl(config, deps.announceQrTimeout === true) } : {}),
    // Baileys shows each QR for `qrTimeout` ms; unset, 60 s for the first and 20 s for each later one.
    ...(config.qrTimeoutMs !== undefined ? { qrTimeout: config.qrTimeoutMs } : {}),
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
