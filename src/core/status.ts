import type { ErrorInfo } from "./errors.js";

/** What the API asked for. Set only by verbs; the reconciler drives the observed status toward it. */
export type DesiredState = "running" | "stopped";

/** How a pending login is completed. `qr` and `pairing_code` are shown to a person; the rest are inputs. */
export type LoginMethod = "qr" | "pairing_code" | "token" | "cookies" | "key";

/** Who the connected account is on the platform (ids are platform-native, e.g. a JID or a bot id). */
export interface SelfInfo {
  id: string;
  name?: string;
}

/** Why an instance is `stopped`. */
export type StopReason =
  /** Just created: never connected yet. */
  | "created"
  /** The `close` verb. */
  | "user"
  /** The gateway shut down; desired stays `running` and boot restores it. */
  | "shutdown"
  /** The login codes ran out (DESIGN §2 `login_expired`): no loop, a person must connect again. */
  | "login_expired";

/**
 * The observed status, a discriminated union on `state` (DESIGN §2). Timestamps are epoch ms.
 * Set by the runtime only; never by a verb directly.
 */
export type InstanceStatus =
  | { state: "stopped"; reason?: StopReason }
  | { state: "starting" }
  | {
      state: "awaiting_login";
      method: LoginMethod;
      /** The raw QR string, for `method: "qr"`. A secret while valid: never logged. */
      qr?: string;
      /** The pairing code, for `method: "pairing_code"`. */
      code?: string;
      /** When this QR or code stops being valid (epoch ms). */
      expiresAt?: number;
      /** 1 for the first QR/code of this login, then 2, 3, … */
      attempt: number;
    }
  | { state: "connected"; since: number; self: SelfInfo }
  | { state: "reconnecting"; attempt: number; retryAt: number; lastError: ErrorInfo }
  | { state: "logging_out" }
  | { state: "logged_out"; reason: "user" | "remote"; /** What the platform said, for an idempotent repeat of `logout`. */ remote: RemoteLogoutOutcome }
  | { state: "conflict"; error?: ErrorInfo }
  | { state: "failed"; error: ErrorInfo };

/** The `state` tags of {@link InstanceStatus}. */
export type StatusState = InstanceStatus["state"];

/** Every status tag, in lifecycle order (used for metrics and validation). */
export const STATUS_STATES: readonly StatusState[] = [
  "stopped",
  "starting",
  "awaiting_login",
  "connected",
  "reconnecting",
  "logging_out",
  "logged_out",
  "conflict",
  "failed",
];

/**
 * How a connector classifies the end of a session (DESIGN §2). The core, not the connector, decides
 * what follows:
 * - `transient`: back off with jitter and a cap, then `failed` after `maxAttempts`;
 * - `restart_required`: reconnect once at once (e.g. WhatsApp 515 after pairing);
 * - `logged_out`: the platform ended the session (device removed, token revoked): wipe, `logged_out {reason: remote}`;
 * - `conflict`: another client took the session over: stop, no reconnect;
 * - `login_expired`: the QR codes / pairing window ran out: `stopped {reason: login_expired}`, no loop;
 * - `fatal`: a permanent error that retrying cannot fix (bad config): `failed`.
 */
export type DisconnectKind = "transient" | "restart_required" | "logged_out" | "conflict" | "login_expired" | "fatal";

/** What the platform said when asked to end the session (DESIGN §2 rule 2). */
export type RemoteLogoutOutcome = "revoked" | "already_revoked" | "not_supported" | "unconfirmed";

/** The answer of the `logout` verb. */
export interface LogoutResult {
  instance: string;
  status: "logged_out";
  remote: RemoteLogoutOutcome;
  credentialsWiped: true;
}

/** True for statuses in which a session object is (or is being) held by the runtime. */
export function isLive(s: InstanceStatus): boolean {
  return s.state === "starting" || s.state === "awaiting_login" || s.state === "connected";
}

/**
 * The status without a pending QR or pairing code, as stored and as carried by `instance.status`
 * events: those live in memory, in `GET …/qr` and in the dedicated `instance.qr` /
 * `instance.pairing_code` events only.
 */
export function withoutLoginSecrets(s: InstanceStatus): InstanceStatus {
  if (s.state !== "awaiting_login") return s;
  const { qr: _qr, code: _code, ...rest } = s;
  return rest;
}
