import type { StatusState } from "../../../core/status.js";

/**
 * The single-session API that REST servers around whatsapp-web.js expose (one `Client`, one linked
 * device per server process), as data: the routes, what each does in our verbs, and the `state`
 * words of `GET /api/state`. One instance is bound to the profile (`--compat-instance`). docs/compat.md
 * renders these tables; routes.ts serves them.
 *
 * One deliberate difference: those servers keep the saved session (`LocalAuth`'s folder) after a
 * logout, so the next start may restore it without a scan. Here a logout wipes the credentials: the
 * next `POST /api/auth/start` always shows a new QR.
 */

/** The `state` words of `GET /api/state`. */
export type WwebjsState = "stopped" | "starting" | "qr" | "pairing" | "ready" | "reconnecting" | "stopping" | "conflict" | "failed";

/** Our status → theirs (`awaiting_login` is `qr` or, for a pairing code, `pairing`). */
export const WWEBJS_STATE: Readonly<Record<StatusState, WwebjsState>> = {
  stopped: "stopped",
  starting: "starting",
  awaiting_login: "qr",
  connected: "ready",
  reconnecting: "reconnecting",
  logging_out: "stopping",
  logged_out: "stopped",
  conflict: "conflict",
  failed: "failed",
};

/** The verbs of the profile, each one route. */
export type WwebjsVerb = "start" | "pairingCode" | "qrPage" | "state" | "logout";

/** One route of the contract. */
export interface WwebjsRoute {
  verb: WwebjsVerb;
  method: "GET" | "POST";
  url: string;
  /** What it does here, in our verbs (docs/compat.md). */
  does: string;
  /** The answer's shape, for the docs. */
  answers: string;
}

/** Every route. */
export const WWEBJS_ROUTES: readonly WwebjsRoute[] = [
  {
    verb: "start",
    method: "POST",
    url: "/api/auth/start",
    does: "create the bound instance if it does not exist (account token), then connect: restore from credentials, or start a QR login; waits up to 60 s for the QR or the session",
    answers: "`{ok: true, state, ready, qr, info}`",
  },
  {
    verb: "pairingCode",
    method: "POST",
    url: "/api/pairing-code",
    does: "a pairing code for `{phoneNumber}` instead of the QR (starts the login when none is pending)",
    answers: "`{ok: true, code}`",
  },
  {
    verb: "qrPage",
    method: "GET",
    url: "/qr",
    does: "an HTML page with the current QR for a person to scan; it reloads itself every few seconds, so it follows the QR as it rotates and shows when the device is linked",
    answers: "`text/html`",
  },
  {
    verb: "state",
    method: "GET",
    url: "/api/state",
    does: "read the status",
    answers: "`{state, ready, qr, info}`: `info` is `{wid, pushname}` when ready, else null",
  },
  {
    verb: "logout",
    method: "POST",
    url: "/api/logout",
    does: "logout: unlink the device from the account's Linked Devices, end the session, wipe the credentials; with no session running it still resets; idempotent",
    answers: "`{ok: true}`",
  },
];

/** How long `start` and `pairing-code` wait for the QR, the code or the session, ms. */
export const WWEBJS_WAIT_MS = 60_000;

/** How often the QR page reloads itself, s. */
export const QR_PAGE_REFRESH_S = 3;
