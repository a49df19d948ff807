import type { Agent as HttpsAgent } from "node:https";
import { type AuthenticationState, type UserFacingSocketConfig, type WASocket, makeWASocket } from "baileys";
import type { ConnectorLogger, OutboundNet } from "../../core/connector.js";
import type { WhatsAppWebConfig } from "./config.js";
import { type BaileysLogLevel, baileysLogger } from "./logger.js";
import { ignoredChat } from "./messages.js";
import { proxyAgent } from "./proxy.js";
import type { VersionResolver } from "./version.js";

/**
 * The query parameter by which the WhatsApp Web sandbox takes a connection's QR lifetime, ms
 * (docs/sandbox-whatsapp-web.md; the sandbox's own `QR_TIMEOUT_PARAM`, kept equal by a test: the
 * connector does not depend on the sandbox's code).
 */
export const SANDBOX_QR_TIMEOUT_PARAM = "qrTimeoutMs";

/** What every socket of this connector shares (from `whatsappWebConnector` options). */
export interface SocketDeps {
  versions: VersionResolver;
  logLevel: BaileysLogLevel;
  /**
   * The WhatsApp Web sandbox's chat URL (`ws://…/ws/chat`) to which a configured `qrTimeoutMs` is
   * announced (see `WhatsAppWebConnectorOptions.announceQrTimeoutTo`).
   */
  announceQrTimeoutTo?: string;
}

/**
 * The WebSocket URL for a config: `websocketUrl` (undefined: Baileys' default, WhatsApp's server),
 * with `?qrTimeoutMs=<n>` ({@link SANDBOX_QR_TIMEOUT_PARAM}) added only when the config has a
 * `qrTimeoutMs` and its `websocketUrl` is `sandboxUrl` (compared as parsed URLs, so `ws://h:1/ws/chat`
 * and `WS://H:1/ws/chat` match). Any other URL, WhatsApp's own included, is used as configured.
 */
export function socketUrl(config: Pick<WhatsAppWebConfig, "websocketUrl" | "qrTimeoutMs">, sandboxUrl: string | undefined): string | undefined {
  const base = config.websocketUrl;
  if (sandboxUrl === undefined || base === undefined || config.qrTimeoutMs === undefined) return base;
  if (!sameUrl(base, sandboxUrl)) return base;
  const url = new URL(base);
  url.searchParams.set(SANDBOX_QR_TIMEOUT_PARAM, String(config.qrTimeoutMs));
  return url.toString();
}

/** Whether two absolute URLs are the same once parsed; false when either does not parse. */
function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/** WhatsApp's own chat endpoint (Baileys' default `waWebSocketUrl`). */
export const WHATSAPP_WEBSOCKET_URL = "wss://web.whatsapp.com/ws/chat";

/**
 * Opens a Baileys socket for an instance config. The WebSocket goes through the configured proxy,
 * else through `net`'s SSRF guard for the configured `websocketUrl`; the connection to the proxy
 * goes through the same rules (`proxyAgent`). `extra` overrides single settings (the logout's
 * short-lived socket ignores every chat). Baileys' transaction commits are retried twice, 500 ms
 * apart (default: 10 times, 3 s apart): a store that fails is reported by the auth state at once and
 * ends the session, so long retries would only hold Baileys' key locks.
 * @throws synchronously when Baileys refuses the settings (e.g. an unusable URL), or the refusal of
 *   a proxy on an address the SSRF rules do not allow (`code: "ERR_ADDRESS_REFUSED"`).
 */
export function openSocket(
  config: WhatsAppWebConfig,
  auth: AuthenticationState,
  deps: SocketDeps,
  logger: ConnectorLogger,
  net: OutboundNet,
  extra: Partial<UserFacingSocketConfig> = {},
): WASocket {
  const proxy = config.proxyUrl ? proxyAgent(config.proxyUrl, net) : undefined;
  const guarded = proxy ? undefined : net.agentFor(config.websocketUrl ?? WHATSAPP_WEBSOCKET_URL);
  return makeWASocket({
    auth,
    logger: baileysLogger(logger, deps.logLevel),
    version: deps.versions.resolve(config.version, logger),
    browser: [config.deviceName, config.browser, "1.0"],
    ...(config.websocketUrl ? { waWebSocketUrl: socketUrl(config, deps.announceQrTimeoutTo) } : {}),
    // Baileys shows each QR for `qrTimeout` ms; unset, 60 s for the first and 20 s for each later one.
    ...(config.qrTimeoutMs !== undefined ? { qrTimeout: config.qrTimeoutMs } : {}),
    // Baileys types `agent` as an https.Agent; ws takes any http.Agent (a ws:// URL needs a plain one).
    ...(proxy ? { agent: proxy, fetchAgent: proxy } : guarded ? { agent: guarded as HttpsAgent } : {}),
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
