import { WA_CERT_DETAILS } from "baileys";
import type { Connector } from "../../core/connector.js";
import { PairingCodeLoginSchema, WhatsAppWebConfigSchema } from "./config.js";
import type { BaileysLogLevel } from "./logger.js";
import { logoutRemote } from "./logout.js";
import { WHATSAPP_WEB_MESSAGES } from "./outbound.js";
import { WhatsAppWebSession } from "./session.js";
import type { SocketDeps } from "./socket.js";
import { VersionResolver } from "./version.js";
import { quietLibsignalConsole } from "./quiet-libsignal.js";
import { installSignatureCheck } from "./signature-check.js";

export { PairingCodeLoginSchema, WhatsAppWebConfigSchema, type WhatsAppWebConfig } from "./config.js";
export { CLOSE_POLICY, classifyClose, closeInfo } from "./close-codes.js";
export { PINNED_VERSION } from "./version.js";
export { WhatsAppWebSession } from "./session.js";
export type { BaileysLogLevel } from "./logger.js";

export interface WhatsAppWebConnectorOptions {
  /**
   * 32 bytes: the root public key WhatsApp's certificate chain must chain to, e.g. the WhatsApp Web
   * sandbox's `rootPublicKey`. Baileys keeps it in its exported `WA_CERT_DETAILS` — **process-wide**:
   * setting it makes every WhatsApp Web socket of this process (all instances, also bare Baileys
   * sockets) check the server against this root. For the sandbox and tests only. Default: Baileys'
   * built-in WhatsApp root, untouched.
   */
  trustRootPublicKey?: Uint8Array;
  /** Baileys' own log output reaching the gateway log. Default `warn`. */
  baileysLogLevel?: BaileysLogLevel;
  /**
   * Fetch the current WhatsApp Web version from web.whatsapp.com in the background (for instances
   * without a configured `version`). Default true; false keeps the pinned Baileys release's version.
   */
  fetchLatestVersion?: boolean;
  /**
   * The WhatsApp Web sandbox's chat URL (its `wsUrl`, e.g. `ws://127.0.0.1:40124/ws/chat`). For an
   * instance whose `websocketUrl` is this URL and whose config sets `qrTimeoutMs`, `?qrTimeoutMs=<n>`
   * is added to the WebSocket URL, so that the sandbox rotates its QR refs on the schedule this client
   * shows them (a scan of the QR on screen then works). Sandbox mode sets it. Default: none; every
   * URL is used as configured.
   */
  announceQrTimeoutTo?: string;
}

/**
 * The WhatsApp Web (linked device) connector on Baileys 7.0.0-rc14. See docs/whatsapp-web.md.
 */
export function whatsappWebConnector(opts: WhatsAppWebConnectorOptions = {}): Connector {
  quietLibsignalConsole(); // libsignal prints session keys to the console otherwise
  installSignatureCheck(); // Baileys' own check passes every well-formed signature: the server's certificate chain must verify
  if (opts.trustRootPublicKey) {
    if (opts.trustRootPublicKey.length !== 32) throw new TypeError("trustRootPublicKey must be 32 bytes");
    WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(opts.trustRootPublicKey);
  }
  const deps: SocketDeps = {
    versions: new VersionResolver(opts.fetchLatestVersion ?? true),
    logLevel: opts.baileysLogLevel ?? "warn",
    announceQrTimeoutTo: opts.announceQrTimeoutTo,
  };
  return {
    platform: "whatsapp-web",
    displayName: "WhatsApp (linked device)",
    configSchema: WhatsAppWebConfigSchema,
    capabilities: {
      login: [{ method: "qr" }, { method: "pairing_code", inputSchema: PairingCodeLoginSchema }],
      remoteLogout: true,
      send: true,
      messages: WHATSAPP_WEB_MESSAGES,
    },
    actions: [],
    connect: (ctx) => new WhatsAppWebSession(ctx, deps),
    logoutRemote: (ctx) => logoutRemote(ctx, deps),
  };
}
