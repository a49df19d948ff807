/**
 * Sandbox mode (`switchboard serve --sandbox`, `startServer({sandbox: true})`): the Telegram Bot API
 * sandbox and the WhatsApp Web sandbox run in the gateway's process on free loopback ports, and
 * instances created meanwhile point at them. See docs/sandbox-mode.md.
 *
 * The sandboxes are loaded lazily (a gateway without sandbox mode never loads them). This module does
 * not import connectors: it says which connector options and config defaults sandbox mode needs, and
 * `src/server.ts` builds the connectors with them.
 */
import type { TelegramSandbox } from "../../sandbox/telegram/index.js";
import type { WhatsAppWebSandbox } from "../../sandbox/whatsapp-web/index.js";
import type { ConfigDefaults } from "./config-defaults.js";
import type { SandboxTargets } from "./targets.js";

export { withConfigDefaults, type ConfigDefaults } from "./config-defaults.js";
export type { SandboxTargets } from "./targets.js";

/** Where the sandboxes listen, as `RunningServer.sandbox` and the serve banner show it. */
export interface SandboxInfo {
  telegram: {
    /** The Bot API root, e.g. `http://127.0.0.1:40123` (methods at `/bot<token>/<method>`). */
    apiRoot: string;
    /** The sandbox's own control API, `${apiRoot}/sandbox`. */
    controlUrl: string;
  };
  whatsappWeb: {
    /** Base URL, e.g. `http://127.0.0.1:40124`. */
    url: string;
    /** Baileys' `waWebSocketUrl`, e.g. `ws://127.0.0.1:40124/ws/chat`. */
    wsUrl: string;
    /** The sandbox's own control API, `${url}/sandbox`. */
    controlUrl: string;
    /** 32 bytes, base64: the root key of its certificate chain (trusted process-wide in sandbox mode). */
    rootPublicKey: string;
  };
}

/** Both sandboxes, running. */
export interface SandboxMode {
  info: SandboxInfo;
  /** The control APIs the gateway's `/sandbox/*` proxy forwards to. */
  targets: SandboxTargets;
  /** Instance config defaults: telegram `apiRoot`, whatsapp-web `websocketUrl`. */
  configDefaults: ConfigDefaults;
  /** Options for the built-in connectors (see `telegramConnector`, `whatsappWebConnector`). */
  connectorOptions: {
    /** `log-out-cloud` / `use-cloud` treat the sandbox as "the cloud" (so `use-cloud` never leaves it). */
    telegram: { cloudApiRoot: string };
    /**
     * The sandbox's root key (Baileys' `WA_CERT_DETAILS`, process-wide); no version fetch from
     * web.whatsapp.com; the `qrTimeoutMs` of an instance connecting to the sandbox's `wsUrl` told to
     * the sandbox in the WebSocket URL, so both ends rotate the QR on the same schedule.
     */
    whatsappWeb: { trustRootPublicKey: Uint8Array; fetchLatestVersion: false; announceQrTimeoutTo: string };
  };
  /** Closes both sandboxes (their connections and ports). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startSandboxMode}. */
export interface SandboxModeOptions {
  /** Interface the sandboxes listen on. Default `127.0.0.1`. */
  host?: string;
  /** Where the sandboxes' own log lines go (Telegram: internal errors; WhatsApp Web: protocol errors). */
  log?: (sandbox: "telegram" | "whatsapp-web", line: string) => void;
}

/**
 * One root key pair per process: Baileys trusts a single root process-wide, so every sandbox-mode
 * gateway of a process (tests start several) signs with the same root and stays trusted.
 */
let processRoot: WhatsAppWebSandbox["certs"]["root"] | undefined;

/**
 * Starts the Telegram and WhatsApp Web sandboxes on free ports of `host`; resolves once both listen.
 * Their state (bots, users, phones, contacts, links) is in memory and gone when they close.
 * @throws listen errors of either (the other is closed first).
 */
export async function startSandboxMode(opts: SandboxModeOptions = {}): Promise<SandboxMode> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => {});
  const [tgModule, waModule] = await Promise.all([import("../../sandbox/telegram/index.js"), import("../../sandbox/whatsapp-web/index.js")]);
  let telegram: TelegramSandbox | undefined;
  let whatsapp: WhatsAppWebSandbox | undefined;
  try {
    telegram = await tgModule.startTelegramSandbox({ host, port: 0, log: (line) => log("telegram", line) });
    whatsapp = await waModule.startWhatsAppWebSandbox({
      host,
      port: 0,
      log: (line) => log("whatsapp-web", line),
      ...(processRoot ? { rootKey: processRoot } : {}),
    });
  } catch (e) {
    await telegram?.close();
    throw e;
  }
  processRoot ??= whatsapp.certs.root;
  const tg = telegram;
  const wa = whatsapp;
  let closing: Promise<void> | undefined;
  return {
    info: {
      telegram: { apiRoot: tg.url, controlUrl: tg.controlUrl },
      whatsappWeb: {
        url: wa.url,
        wsUrl: wa.wsUrl,
        controlUrl: `${wa.url}/sandbox`,
        rootPublicKey: Buffer.from(wa.rootPublicKey).toString("base64"),
      },
    },
    targets: { telegram: tg.url, "whatsapp-web": wa.url },
    configDefaults: { telegram: { apiRoot: tg.url }, "whatsapp-web": { websocketUrl: wa.wsUrl } },
    connectorOptions: {
      telegram: { cloudApiRoot: tg.url },
      whatsappWeb: { trustRootPublicKey: wa.rootPublicKey, fetchLatestVersion: false, announceQrTimeoutTo: wa.wsUrl },
    },
    close: () => (closing ??= Promise.all([tg.close(), wa.close()]).then(() => undefined)),
  };
}
