import type { TSchema } from "@sinclair/typebox";
import type { ActionSpec, AppWebhookRequest, Capabilities, LoginRequest, PlatformMedia, SentMessage, WebhookRequest } from "./connector.js";
import type { DeleteRequest, EditRequest, SendRequest } from "./message-verbs.js";
import type { Readable } from "node:stream";
import type { UploadRecord } from "../media/uploads.js";
import type { DesiredState, InstanceStatus, LogoutResult, RemoteLogoutOutcome, StatusState } from "./status.js";
import type { HistoryEntry, TokenRecord } from "../store/types.js";

/** Instance names: URL-safe, lower case, 1–63 characters (JSON Schema / RegExp source). */
export const INSTANCE_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$";

/**
 * The verbs of the gateway, as the REST API, the CLI and tests call them. Implemented by
 * {@link import("./gateway.js").Gateway}. Every method answers after its effect is real (DESIGN §2
 * rule 1) and rejects with a `SwitchboardError` from the catalog.
 */
export interface GatewayApi {
  /** The registered connectors, as data. */
  platforms(): PlatformInfo[];

  /**
   * Creates an instance and its first instance token (returned once, stored hashed).
   * With `start: true`, also runs `connect` (without waiting).
   * @throws `VALIDATION_FAILED` (bad name or config), `URL_REFUSED` (a config URL the SSRF guard
   *   refuses), `PLATFORM_UNKNOWN`, `INSTANCE_EXISTS`.
   */
  createInstance(input: CreateInstanceInput): Promise<{ instance: InstanceView; token: string }>;
  /** @throws `INSTANCE_NOT_FOUND`. Includes the last status transitions. */
  getInstance(name: string): Promise<InstanceView>;
  /** Ascending by name; `next` is the cursor for the following page, or null. */
  listInstances(opts: { limit: number; after?: string; platform?: string }): Promise<{ items: InstanceView[]; next: string | null }>;

  /**
   * desired = running. Restores from stored credentials or starts a login. Single-flight: concurrent
   * calls share one attempt. With `wait`, resolves once the status reaches that state (or a terminal
   * one) or `timeoutMs` passes (then `TIMEOUT` with the current status in `details`).
   * @throws `INSTANCE_NOT_FOUND`, `VALIDATION_FAILED` (bad login input), `TIMEOUT`, `INVALID_STATE`.
   */
  connect(name: string, opts?: ConnectOptions): Promise<InstanceView>;
  /** desired = stopped; ends the local session only; keeps credentials. Idempotent. */
  close(name: string): Promise<InstanceView>;
  /** close, then connect. Same options as connect. */
  restart(name: string, opts?: ConnectOptions): Promise<InstanceView>;
  /**
   * Ends the session at the platform, then wipes credentials (DESIGN §2 rule 2). Idempotent: a
   * logged-out instance answers the same shape again.
   * @throws `LOGOUT_UNCONFIRMED` (502, or 504 after the timeout) when the platform cannot be reached
   *   and `force` is not set; credentials are kept then.
   */
  logout(name: string, opts?: { force?: boolean }): Promise<LogoutResult>;
  /** Logout (remote best effort), then purge everything of the instance. Afterwards: `INSTANCE_NOT_FOUND`. */
  deleteInstance(name: string): Promise<{ instance: string; deleted: true; remote: RemoteLogoutOutcome }>;

  /** The pending QR. @throws `NO_LOGIN_PENDING` when the instance is not `awaiting_login` with a QR. */
  qr(name: string): Promise<{ qr: string; expiresAt: number | null; attempt: number }>;
  /**
   * Asks for a pairing code for `phoneNumber` while a login is pending.
   * @throws `NO_LOGIN_PENDING`, `NOT_SUPPORTED`.
   */
  requestPairingCode(name: string, phoneNumber: string): Promise<{ code: string; expiresAt: number | null }>;
  /**
   * Runs a declared platform action. `caller` is the scope of the token asking (default `account`):
   * an action whose `access` is `account` refuses `instance`.
   * @throws `ACTION_UNKNOWN`, `FORBIDDEN` (an instance token on an account-only action),
   *   `VALIDATION_FAILED`, `URL_REFUSED` (a URL in the input or the resulting config that the SSRF
   *   guard refuses), `INVALID_STATE`, `NOT_SUPPORTED`.
   */
  runAction(name: string, action: string, input: unknown, opts?: { caller?: "account" | "instance" }): Promise<unknown>;
  /**
   * Sends a message (any content of the message model) through the live session.
   * @throws `INVALID_STATE` when not connected, `NOT_SUPPORTED` (the platform lacks the content type or `replyTo`), `TIMEOUT`.
   */
  send(name: string, request: SendRequest): Promise<SentMessage>;
  /**
   * Stores a file for a later send (`{mediaId}`), streamed, at most the platform's `maxMediaBytes`.
   * @throws `NOT_SUPPORTED` (no media store, or a platform that sends no media), `VALIDATION_FAILED` 413 / 400, `STORAGE_FAILED`.
   */
  uploadMedia(name: string, file: Readable, meta: { mimeType: string; fileName?: string }): Promise<UploadRecord>;
  /**
   * The bytes of a received file (`content.media.mediaId`), fetched from the platform through the
   * live session, as a stream. @throws `INVALID_STATE` (not connected), `NOT_SUPPORTED`, `NOT_FOUND`,
   * `VALIDATION_FAILED` 413, `PLATFORM_UNREACHABLE`, `TIMEOUT` (no answer within `platformCallMs`).
   */
  fetchMedia(name: string, mediaId: string): Promise<PlatformMedia>;
  /** Edits a message the instance sent (text, or a media caption). @throws as {@link send}, and `NOT_FOUND`. */
  editMessage(name: string, request: EditRequest): Promise<{ messageId: string; timestamp: number }>;
  /** Deletes a message for everyone. @throws as {@link send}, and `NOT_FOUND`. */
  deleteMessage(name: string, request: DeleteRequest): Promise<{ messageId: string; timestamp: number }>;

  /**
   * A request a platform pushed for an instance (`POST /v1/intake/:name`), verified and stored by
   * the live session. @throws `INSTANCE_NOT_FOUND`, `INVALID_STATE`, `UNAUTHENTICATED`.
   */
  webhook(name: string, request: WebhookRequest): Promise<void>;
  /**
   * A request to a platform app's callback (`GET|POST /v1/intake/:platform/:app`): verified by the
   * platform's connector against the secrets of the app's instances, each entry resolved to its
   * instance and stored, before the answer. Entries naming no instance of the app are acknowledged
   * and counted (`switchboard_intake_entries_total{outcome="unknown"}`), never stored.
   * @returns what to answer: the handshake's challenge (text), or `{stored, unknown, ignored}`.
   * @throws `NOT_FOUND` (the platform takes no app-level webhooks), `UNAUTHENTICATED` (401: bad or
   *   missing signature), `FORBIDDEN` (403: wrong verify token, or an app with no instance),
   *   `VALIDATION_FAILED` (unreadable), `STORAGE_FAILED`.
   */
  appWebhook(platform: string, request: AppWebhookRequest): Promise<{ kind: "challenge"; body: string } | { kind: "stored"; stored: number; unknown: number; ignored: number }>;
  /** Resolves a presented token string. Constant-time on the hash. Never throws for bad input. */
  authenticate(token: string): Promise<TokenRecord | undefined>;
  /**
   * {@link authenticate} without waiting, for a token this gateway resolved in the last few seconds
   * (its token cache): the record, or undefined when the cache does not know the token (then call
   * `authenticate`). Never throws.
   */
  cachedToken(token: string): TokenRecord | undefined;
  /** {@link instanceNameOf} without waiting, when this gateway knows the instance; undefined otherwise. */
  cachedInstanceName(id: string): string | undefined;
  /**
   * The name of the instance with immutable id `id` (e.g. `TokenRecord.instanceId`), or undefined when
   * there is none. Used to scope instance tokens.
   */
  instanceNameOf(id: string): Promise<string | undefined>;
  /** Issues a token; the plain token is returned once. @throws `INSTANCE_NOT_FOUND` for an instance token. */
  createToken(input: { scope: "account" | "instance"; instance?: string; label?: string }): Promise<{ token: string; record: TokenView }>;
  listTokens(opts?: { instance?: string }): Promise<TokenView[]>;
  /** @throws `TOKEN_NOT_FOUND`. */
  revokeToken(id: string): Promise<void>;
}

/** A connector as shown to API users. */
export interface PlatformInfo {
  platform: string;
  displayName: string;
  configSchema: TSchema;
  capabilities: Capabilities;
  actions: readonly ActionSpec[];
}

export interface CreateInstanceInput {
  name: string;
  platform: string;
  config?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  start?: boolean;
}

export interface ConnectOptions {
  /** The login to start when there are no credentials: `{ method, ...input }`. */
  login?: LoginRequest;
  /** Resolve once the status reaches this state. */
  wait?: Extract<StatusState, "awaiting_login" | "connected">;
  /** Upper bound for `wait`, ms (default 30 000, max 300 000). */
  timeoutMs?: number;
}

/** An instance as shown to API users. Holds no secret. */
export interface InstanceView {
  name: string;
  platform: string;
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  desired: DesiredState;
  status: InstanceStatus;
  hasCredentials: boolean;
  /** Set while a logout is stored but not finished (crash recovery). */
  logoutPending: boolean;
  createdAt: number;
  updatedAt: number;
  /** Newest first; present on `getInstance`. */
  history?: HistoryEntry[];
}

/** A token as listed (never the token itself). */
export interface TokenView {
  id: string;
  scope: "account" | "instance";
  instance: string | null;
  label: string;
  createdAt: number;
}
