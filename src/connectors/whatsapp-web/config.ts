import { Type, type Static } from "@sinclair/typebox";
import { UrlString } from "../../core/url-field.js";
import { EXPECTED_KEYWORD } from "../../core/validation.js";

/** A `major.minor.patch` WhatsApp Web version, e.g. `2.3000.1043857760`. */
const VERSION = "^\\d{1,4}\\.\\d{1,6}\\.\\d{1,12}$";
/** A proxy URL without user info: the config is not a place for secrets (see docs/whatsapp-web.md). */
const PROXY_URL = "^(https?|socks[45]?h?)://[^\\s/?#@]+/?$";

/** The browsers WhatsApp knows as companion platforms (the phone shows the matching icon). */
export const BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", "Opera", "Desktop"] as const;

/**
 * The instance `config` of a WhatsApp Web (linked device) instance, validated on create. Holds no
 * secret: the Baileys credentials and Signal keys live in the encrypted credential store.
 */
export const WhatsAppWebConfigSchema = Type.Object(
  {
    deviceName: Type.String({
      minLength: 1,
      maxLength: 50,
      default: "Switchboard",
      description: "The name the phone lists under Linked devices (shown as `<browser> (<deviceName>)`).",
    }),
    browser: Type.Union(
      BROWSERS.map((b) => Type.Literal(b)),
      { default: "Chrome", description: "The companion platform announced to WhatsApp (decides the icon on the phone)." },
    ),
    proxyUrl: Type.Optional(
      UrlString({
        protocols: ["http", "https", "socks", "socks4", "socks4a", "socks5", "socks5h"],
        credentials: false,
        pattern: PROXY_URL,
        expected: "a proxy URL such as http://host:port or socks5://host:port, without user info or path",
        description: "Proxy for the WebSocket and media requests: http(s)://host:port or socks5://host:port (no credentials in the URL).",
      }),
    ),
    ignoreGroups: Type.Boolean({ default: false, description: "Drop group messages (Baileys does not decrypt them at all)." }),
    ignoreStatusBroadcasts: Type.Boolean({ default: true, description: "Drop status updates (status@broadcast)." }),
    ignoreNewsletters: Type.Boolean({ default: true, description: "Drop channel (newsletter) posts." }),
    version: Type.Optional(
      Type.String({
        pattern: VERSION,
        [EXPECTED_KEYWORD]: "a WhatsApp Web version such as 2.3000.1043857760",
        description:
          "WhatsApp Web version to announce. Absent: the current one fetched from web.whatsapp.com when online, else the pinned Baileys release's.",
      }),
    ),
    websocketUrl: Type.Optional(
      UrlString({
        protocols: ["ws", "wss"],
        credentials: true,
        description: "WebSocket endpoint; absent: wss://web.whatsapp.com/ws/chat. For the sandbox and tests (the session authenticates there).",
      }),
    ),
    keepAliveIntervalMs: Type.Integer({
      minimum: 1_000,
      maximum: 120_000,
      default: 30_000,
      description: "Ping interval, ms. No frame for one interval plus 5 s ends the connection (transient, reconnected by the core).",
    }),
    qrTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1_000,
        maximum: 300_000,
        description:
          "How long each QR code is shown before the next one, ms (Baileys' `qrTimeout`; the first and every later code). " +
          "Absent: WhatsApp Web's own schedule, 60 s for the first code and 20 s for each later one. " +
          "The whole QR login then ends after the number of codes times this (6 × 5 000 ms = 30 s), then login_expired; a pairing code is valid as long. " +
          "Meant for the sandbox, which follows it; against WhatsApp, which keeps its own validity per code, the effect on scans is untested.",
      }),
    ),
    markOnline: Type.Boolean({
      default: false,
      description: "Announce presence `available` on connect (the phone then stops showing notifications).",
    }),
    includeRaw: Type.Boolean({ default: false, description: "Put Baileys' WAMessage into `message.received` as `raw`." }),
  },
  { additionalProperties: false },
);

export type WhatsAppWebConfig = Static<typeof WhatsAppWebConfigSchema>;

/** The login input of method `pairing_code`. */
export const PairingCodeLoginSchema = Type.Object(
  {
    phoneNumber: Type.String({
      pattern: "^\\d{7,15}$",
      [EXPECTED_KEYWORD]: "the account's phone number as 7–15 digits, country code first, without '+' or spaces (4915123456789)",
      description: "The account's phone number, digits only, country code first (E.164 without `+`).",
    }),
  },
  { additionalProperties: false },
);

/**
 * The config with defaults filled in. The core validates (and defaults) the config before a
 * connector sees it; this only guards against a config stored by an older release.
 */
export function readConfig(raw: Record<string, unknown>): WhatsAppWebConfig {
  const c = raw as Partial<WhatsAppWebConfig>;
  return {
    deviceName: typeof c.deviceName === "string" && c.deviceName !== "" ? c.deviceName : "Switchboard",
    browser: BROWSERS.includes(c.browser as (typeof BROWSERS)[number]) ? (c.browser as WhatsAppWebConfig["browser"]) : "Chrome",
    ...(typeof c.proxyUrl === "string" ? { proxyUrl: c.proxyUrl } : {}),
    ignoreGroups: c.ignoreGroups === true,
    ignoreStatusBroadcasts: c.ignoreStatusBroadcasts !== false,
    ignoreNewsletters: c.ignoreNewsletters !== false,
    ...(typeof c.version === "string" ? { version: c.version } : {}),
    ...(typeof c.websocketUrl === "string" ? { websocketUrl: c.websocketUrl } : {}),
    keepAliveIntervalMs: typeof c.keepAliveIntervalMs === "number" ? c.keepAliveIntervalMs : 30_000,
    ...(typeof c.qrTimeoutMs === "number" ? { qrTimeoutMs: c.qrTimeoutMs } : {}),
    markOnline: c.markOnline === true,
    includeRaw: c.includeRaw === true,
  };
}

/** A configured `major.minor.patch` as Baileys' version triple. */
export function parseVersion(v: string): [number, number, number] {
  const [a, b, c] = v.split(".").map(Number);
  return [a ?? 0, b ?? 0, c ?? 0];
}
