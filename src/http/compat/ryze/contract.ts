import type { StatusState } from "../../../core/status.js";

/**
 * RyzeAPI's hosted instance API, as data: the routes, their access, their answers and how each maps
 * onto Switchboard's verbs and statuses. Source: RyzeAPI's documentation (docs.ryzeapi.cloud, "API
 * → Instance": logout, connect, reconnect, delete, create, list). docs/compat.md renders these
 * tables; routes.ts serves them.
 */

/** The `status` words of the contract (`instance.status`, `status`). */
export type RyzeStatus = "connected" | "connecting" | "disconnected" | "loggedout" | "qr" | "pairing" | "deleted";

/**
 * Our status → theirs. `loggedout` is only what a logout (ours, or the phone's) leaves: the device
 * is unlinked and no credentials remain.
 */
export const RYZE_STATUS: Readonly<Record<StatusState, RyzeStatus>> = {
  stopped: "disconnected",
  starting: "connecting",
  awaiting_login: "qr",
  connected: "connected",
  reconnecting: "connecting",
  logging_out: "disconnected",
  logged_out: "loggedout",
  conflict: "disconnected",
  failed: "disconnected",
};

/** Who may call a route: `instance` = TokenAccount or that instance's TokenInstance; `account` = TokenAccount. */
export type RyzeAccess = "instance" | "account";

/** The verbs of the profile, each one route. */
export type RyzeVerb = "create" | "list" | "connect" | "status" | "reconnect" | "logout" | "delete";

/** One route of the contract. */
export interface RyzeRoute {
  verb: RyzeVerb;
  method: "GET" | "POST" | "DELETE";
  /** Fastify path; `:instance` is the instance name. */
  url: string;
  access: RyzeAccess;
  /** What it does here, in our verbs (docs/compat.md). */
  does: string;
  /** `message` of the success answer (per outcome where it varies). */
  ok: string;
  /**
   * `error.message` of a 500, when the platform or the gateway could not do it. `withReason`: the
   * contract appends `: <reason>` (our error's message).
   */
  failure: { message: string; withReason: boolean };
}

/** Every route is under this prefix; an unknown path under it is answered `404 Not found` in the contract's shape. */
export const RYZE_PREFIX = "/api/instance";

/** Every route. `POST /api/instance/create` is the same as `create` at RyzeAPI's documented `/new`. */
export const RYZE_ROUTES: readonly RyzeRoute[] = [
  {
    verb: "create",
    method: "POST",
    url: "/api/instance/new",
    access: "account",
    does: "create a whatsapp-web instance (not connected); answers its instance token once",
    ok: "Instance created",
    failure: { message: "Failed to create instance", withReason: true },
  },
  {
    verb: "list",
    method: "GET",
    url: "/api/instance/list",
    access: "instance",
    does: "the instances the token sees (an instance token: its own; `?instanceName=a,b` filters for the account token) with their status",
    ok: "Instances found",
    failure: { message: "Failed to list instances", withReason: true },
  },
  {
    verb: "connect",
    method: "GET",
    url: "/api/instance/connect/:instance",
    access: "instance",
    does: "connect, waiting up to 60 s for the QR (or with ?number= the pairing code); restores from credentials when it holds them",
    ok: "QR code generated",
    failure: { message: "Failed to connect instance", withReason: true },
  },
  {
    verb: "status",
    method: "GET",
    url: "/api/instance/status/:instance",
    access: "instance",
    does: "read the instance's status",
    ok: "Instance status",
    failure: { message: "Failed to get instance", withReason: false },
  },
  {
    verb: "reconnect",
    method: "POST",
    url: "/api/instance/reconnect/:instance",
    access: "instance",
    does: "connect from the stored credentials; refused (400) when there are none, e.g. after a logout",
    ok: "Reconnect initiated",
    failure: { message: "Failed to reconnect", withReason: true },
  },
  {
    verb: "logout",
    method: "DELETE",
    url: "/api/instance/logout/:instance",
    access: "instance",
    does: "logout: unlink the device at WhatsApp, end the session, wipe the credentials; keeps the instance and its tokens; idempotent",
    ok: "Instance logged out",
    failure: { message: "Failed to logout instance", withReason: false },
  },
  {
    verb: "delete",
    method: "DELETE",
    url: "/api/instance/delete/:instance",
    access: "account",
    does: "delete: logout (best effort), then remove the instance, its tokens, events and webhook deliveries",
    ok: "Instance deleted",
    failure: { message: "Failed to delete instance", withReason: true },
  },
];

/** The alias of `create` (the path this project's issue named). */
export const RYZE_CREATE_ALIAS = "/api/instance/create";

/** Other answers of the contract (`success: false`, `error.message`). */
export const RYZE_ERRORS = {
  invalidToken: { status: 401, message: "Invalid token" },
  notFound: { status: 404, message: "Instance not found" },
  rateLimited: { status: 429, message: "Rate limit exceeded. Try again later." },
  noSession: { status: 400, message: "Instance has no saved session — call /connect first" },
  exists: { status: 409, message: "Instance already exists" },
  unknownRoute: { status: 404, message: "Not found" },
} as const;

/** Other success messages. */
export const RYZE_MESSAGES = {
  pairingCode: "Pairing code generated",
  alreadyConnected: "Instance already connected",
} as const;

/** The profile's own budget: 100 requests per minute per token (per client IP without a valid one). */
export const RYZE_RATE_LIMIT = { points: 100, durationMs: 60_000 } as const;

/** `create`'s own budget on top of that, as RyzeAPI documents it: 20 per minute per token. */
export const RYZE_CREATE_RATE_LIMIT = { points: 20, durationMs: 60_000 } as const;

/**
 * Fields of RyzeAPI's `create` body that switch on an integration this profile does not configure
 * (proxy, webhook, WebSocket, Chatwoot, S3): `true` is refused (400) rather than silently ignored,
 * so that a client never believes it is behind a proxy or has a webhook it has not.
 */
export const RYZE_UNSUPPORTED_SWITCHES = ["proxyEnabled", "webhookEnabled", "websocketEnabled", "chatwootEnabled", "s3Enabled"] as const;

/** How long `connect` waits for the QR or the pairing code, ms ("blocks until a code or error … ~60 s"). */
export const RYZE_CONNECT_WAIT_MS = 60_000;
