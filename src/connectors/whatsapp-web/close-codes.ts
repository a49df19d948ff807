import { DisconnectReason } from "baileys";
import type { ErrorInfo } from "../../core/errors.js";
import type { DisconnectKind } from "../../core/status.js";
import type { Disconnect } from "../kit/session-end.js";

/** What a session reports when its socket closed. */
export type { Disconnect } from "../kit/session-end.js";

/**
 * How Baileys (7.0.0-rc14) reported a close: `lastDisconnect.error` of `connection.update`
 * `{connection: "close"}` is a Boom; `output.statusCode` is the code (`DisconnectReason`), `message`
 * the Boom message, `data` the stream-error child node (`{tag, attrs}`, e.g. `conflict
 * type=device_removed`) or the `<failure>` attributes (`{reason, location}`).
 */
export interface CloseInfo {
  statusCode: number | undefined;
  message: string;
  /** The stream error's reason, e.g. `conflict/device_removed`, `failure/401`; "" when none. */
  reason: string;
}

/** Baileys' message when the QR refs of a login ran out (lib/Socket/socket.js `genPairQR`). */
export const QR_REFS_ENDED = "QR refs attempts ended";

/**
 * Baileys' messages when the server's Noise certificate chain fails (lib/Utils/noise-handler.js,
 * status 400): a malformed leaf or intermediate, a bad signature, another issuer serial.
 */
export const CERTIFICATE_FAILURE = /^(invalid noise (leaf|intermediate) certificate|noise (intermediate )?certificate signature invalid|certification match failed)$/;

/** One row of the close-code policy. */
export interface CloseRule {
  /** The status code this row handles; `undefined` matches a close without one. */
  statusCode: number | undefined;
  /** Further condition on the close (first matching row wins). */
  when?: (c: CloseInfo) => boolean;
  kind: DisconnectKind;
  code: ErrorInfo["code"];
  /** What happened, for the status and the logs (secret-free). */
  describe: string;
}

/**
 * THE close-code policy of the WhatsApp Web connector (DESIGN §2, issue 6), first match wins.
 * Codes as Baileys rc14 reports them (`DisconnectReason`):
 *
 * | code | Baileys name / how it arises | kind |
 * |---|---|---|
 * | 401 | `loggedOut`: stream error `<conflict type="device_removed"/>` (the phone removed the device), `<failure reason="401">` on login (credentials no longer linked) | `logged_out` (the core wipes; a new connect shows a QR) |
 * | 440 | `connectionReplaced`: stream error `<conflict type="replaced"/>`, another client logged in with these credentials | `conflict` (no reconnect) |
 * | 515 | `restartRequired`: stream error after pairing, the server wants a fresh login with the new credentials | `restart_required` |
 * | 400 + a certificate message | the server's Noise certificate chain does not verify against the trusted root (`WA_CERT_DETAILS`): not WhatsApp, or a sandbox whose root is not trusted | `fatal` `PLATFORM_UNTRUSTED` (no retry: nothing is sent to that server) |
 * | 408 + "QR refs attempts ended" | `timedOut`: the QR refs of this login ran out (client-side timer) | `login_expired` (stopped, no loop) |
 * | 408 | `connectionLost`: the keepalive saw no frame for `keepAliveIntervalMs` + 5 s (watchdog), a query timed out, or a socket error `E…`/"timed out" | `transient` |
 * | 428 | `connectionClosed`: the socket closed, the server ended the stream | `transient` |
 * | 503 | `unavailableService` | `transient` |
 * | 500 | `badSession`: a stream error with no known reason, a WebSocket error | `transient` (bounded by the core's backoff cap, then `failed`) |
 * | 403 | `forbidden`: `<failure reason="403">`, the account is banned or blocked from WhatsApp Web | `fatal` (no retry can fix it; credentials kept) |
 * | 411 | `multideviceMismatch`: the server downgraded the client | `fatal` (this client cannot work with the account) |
 * | other / none | unknown codes and errors without a status | `transient` (bounded by the core's cap: an unknown reason must neither wipe credentials nor loop forever) |
 */
export const CLOSE_POLICY: readonly CloseRule[] = [
  {
    statusCode: DisconnectReason.loggedOut,
    kind: "logged_out",
    code: "UNAUTHENTICATED",
    describe: "WhatsApp ended the linked device (removed on the phone, or the credentials are no longer linked)",
  },
  {
    statusCode: 400,
    when: (c) => CERTIFICATE_FAILURE.test(c.message),
    kind: "fatal",
    code: "PLATFORM_UNTRUSTED",
    describe: "The server is not WhatsApp: its certificate chain does not lead to the trusted root key",
  },
  { statusCode: DisconnectReason.connectionReplaced, kind: "conflict", code: "INVALID_STATE", describe: "Another client took over this WhatsApp session" },
  { statusCode: DisconnectReason.restartRequired, kind: "restart_required", code: "PLATFORM_UNREACHABLE", describe: "WhatsApp asked for a restart (after pairing)" },
  {
    statusCode: DisconnectReason.timedOut,
    when: (c) => c.message === QR_REFS_ENDED,
    kind: "login_expired",
    code: "TIMEOUT",
    describe: "The QR codes of this login ran out without a scan",
  },
  { statusCode: DisconnectReason.connectionLost, kind: "transient", code: "PLATFORM_UNREACHABLE", describe: "The connection to WhatsApp was lost or timed out" },
  { statusCode: DisconnectReason.connectionClosed, kind: "transient", code: "PLATFORM_UNREACHABLE", describe: "The connection to WhatsApp closed" },
  { statusCode: DisconnectReason.unavailableService, kind: "transient", code: "PLATFORM_UNREACHABLE", describe: "WhatsApp is unavailable" },
  { statusCode: DisconnectReason.badSession, kind: "transient", code: "PLATFORM_UNREACHABLE", describe: "WhatsApp ended the stream with an error" },
  { statusCode: DisconnectReason.forbidden, kind: "fatal", code: "FORBIDDEN", describe: "WhatsApp refused this account (banned or blocked from linked devices)" },
  {
    statusCode: DisconnectReason.multideviceMismatch,
    kind: "fatal",
    code: "NOT_SUPPORTED",
    describe: "WhatsApp refused this client for this account (multi-device mismatch)",
  },
];

/** The row for anything {@link CLOSE_POLICY} does not name. */
export const UNKNOWN_CLOSE: Omit<CloseRule, "statusCode"> = {
  kind: "transient",
  code: "PLATFORM_UNREACHABLE",
  describe: "The connection to WhatsApp ended",
};

/** Reads Baileys' `lastDisconnect.error` (a Boom, or any error) into a {@link CloseInfo}. */
export function closeInfo(error: unknown): CloseInfo {
  const e = error as { output?: { statusCode?: unknown }; message?: unknown; data?: unknown } | undefined;
  const statusCode = typeof e?.output?.statusCode === "number" ? e.output.statusCode : undefined;
  const message = typeof e?.message === "string" ? e.message : "";
  return { statusCode, message, reason: reasonOf(e?.data) };
}

/** Classifies a close by {@link CLOSE_POLICY}. The message names the code and reason, never secrets. */
export function classifyClose(c: CloseInfo): Disconnect {
  const rule = CLOSE_POLICY.find((r) => r.statusCode === c.statusCode && (!r.when || r.when(c))) ?? UNKNOWN_CLOSE;
  const detail = [c.statusCode === undefined ? "no status" : String(c.statusCode), c.reason].filter(Boolean).join(" ");
  return { kind: rule.kind, error: { code: rule.code, message: `${rule.describe} (${detail}).` } };
}

/** `tag/type` of a stream-error child node, or `failure/<reason>` of failure attributes; "" otherwise. */
function reasonOf(data: unknown): string {
  if (!data || typeof data !== "object") return "";
  const d = data as { tag?: unknown; attrs?: Record<string, unknown>; reason?: unknown };
  const clean = (s: unknown): string => (typeof s === "string" ? s.replace(/[^\w.-]/g, "").slice(0, 40) : "");
  if (typeof d.tag === "string") return [clean(d.tag), clean(d.attrs?.type)].filter(Boolean).join("/");
  if (d.reason !== undefined) return `failure/${clean(String(d.reason))}`;
  return "";
}
