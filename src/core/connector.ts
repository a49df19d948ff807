import type { Agent } from "node:http";
import type { LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import type { TSchema } from "@sinclair/typebox";
import type { EventData } from "../events/types.js";
import type { ErrorInfo } from "./errors.js";
import type { MessageSupport, SendContent } from "./messages.js";
import type { DisconnectKind, LoginMethod, RemoteLogoutOutcome, SelfInfo } from "./status.js";

/**
 * The connector interface: the code for one platform (DESIGN §1). A connector *reports*; the core
 * *decides* (reconnect policy, wipes, status). Modelled on mautrix bridgev2's NetworkConnector /
 * NetworkAPI split: a {@link Connector} is stateless and declares what it can do as data; a
 * {@link Session} is one live connection of one instance.
 *
 * Connectors never import HTTP code and never touch the store directly: credentials come in through
 * {@link SessionContext.credentials} and go out through {@link SessionHost.saveCredentials}.
 */
export interface Connector {
  /** Platform id, URL-safe, e.g. `"telegram"`, `"whatsapp-web"`. */
  readonly platform: string;
  /** Human name for dashboards, e.g. `"Telegram bot"`. */
  readonly displayName: string;
  /** JSON Schema (TypeBox) of the instance `config`; validated on create. Must not hold secrets. */
  readonly configSchema: TSchema;
  /** What the platform offers (DESIGN §2 per-platform table). */
  readonly capabilities: Capabilities;
  /** Explicit platform actions, declared as data, run through {@link Connector.runAction}. */
  readonly actions: readonly ActionSpec[];

  /**
   * Opens a session for one instance. **Never throws** and never rejects: every outcome is reported
   * through `ctx.host` (`loginStep`, `connected`, `disconnected`). Returns at once; the connection is
   * made in the background. After `disconnected` is reported, the session is dead and the core opens
   * a new one if it wants to reconnect.
   */
  connect(ctx: SessionContext): Session;

  /**
   * Ends the session **at the platform** (unlink the device, revoke the token) where the platform
   * allows it. Called with the live session when there is one, else with the stored credentials only.
   * Must be idempotent at the platform: a second call answers `already_revoked`.
   *
   * @returns `revoked` | `already_revoked` | `not_supported`.
   * @throws {PlatformUnreachableError} when the platform cannot be reached or does not answer before
   *   `signal` aborts; the core then keeps the credentials unless the caller forced the logout.
   */
  logoutRemote(ctx: RemoteContext): Promise<Exclude<RemoteLogoutOutcome, "unconfirmed">>;

  /**
   * Runs a declared platform action (`name` is one of {@link Connector.actions}). `input` has been
   * validated against the action's `inputSchema`. Runs under the instance queue.
   * @returns the JSON-serialisable `result` for the caller, and optionally a `config` patch (merged
   *   into the instance config, validated, stored; a live session is then restarted with it — e.g.
   *   Telegram's `log-out-cloud` pointing the instance at a local Bot API server).
   * @throws {SwitchboardError} `NOT_SUPPORTED`, `INVALID_STATE`, `PLATFORM_UNREACHABLE`, …
   */
  runAction?(name: string, input: unknown, ctx: RemoteContext): Promise<ActionResult>;

  /**
   * App-level webhooks: the platform pushes to one callback per app
   * (`GET|POST /v1/intake/<platform>/<app>`), one request carrying entries for many instances
   * (Meta's webhooks). Absent: the platform pushes per instance, if at all ({@link Session.handleWebhook}).
   */
  readonly appWebhooks?: AppWebhooks;
}

/**
 * How a connector reads its platform's app-level webhooks. The core finds the app's instances
 * ({@link AppWebhooks.appOf}), lets the connector verify and split the request
 * ({@link AppWebhooks.open}), resolves every entry to its instance by one function (so that cluster
 * mode can forward an entry to the node that owns the instance), turns each entry into events
 * ({@link AppWebhooks.events}) and stores them before it answers. Pure functions: no I/O, never
 * throw for bad input (a malformed request is `refused`).
 */
export interface AppWebhooks {
  /** The app whose callback this instance's entries arrive at (e.g. its config's `appId`), or null. */
  appOf(config: Record<string, unknown>): string | null;
  /** The id by which entries name this instance (e.g. a phone number id, a page id), or null. */
  keyOf(config: Record<string, unknown>): string | null;
  /**
   * Verifies and reads a request to the app's callback. `credentials` are those of the app's
   * instances that hold any: the app's secrets (an app secret, a verify token) live there; each
   * distinct one is tried, in constant time. Answers the handshake's `challenge` (a GET), a
   * refusal (`401`: bad or missing signature; `403`: wrong verify token), or the entries by key.
   * Secrets never appear in the answer.
   */
  open(request: AppWebhookRequest, credentials: readonly Credentials[]): AppWebhookOpening;
  /**
   * The events of one entry for the instance it names. Ids must be stable per platform item, so a
   * redelivered request stores nothing twice.
   */
  events(entry: unknown, instance: InstanceRef, config: Record<string, unknown>): InboundEvent[];
}

/** A request to an app-level callback, as the gateway received it. Header names are lower case. */
export interface AppWebhookRequest {
  method: "GET" | "POST";
  /** The app id from the URL. */
  app: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The exact bytes of the body (signatures are over them); empty for a GET. */
  rawBody: Buffer;
}

/** What {@link AppWebhooks.open} made of a request. */
export type AppWebhookOpening =
  /** A verification handshake that passed: answer `body` as text/plain with 200. */
  | { kind: "challenge"; body: string }
  /** Refused: 401 (signature), 403 (verify token), 400 (unreadable); `message` is secret-free. */
  | { kind: "refused"; status: 400 | 401 | 403; message: string }
  /**
   * Verified: the entries, each with the key of the instance it names, and `verified`, the indices of
   * the `credentials` whose secret verified the request. The gateway stores an entry only for an
   * instance whose own credentials are among them, so one instance's secret cannot speak for another.
   */
  | { kind: "entries"; entries: ReadonlyArray<{ key: string; entry: unknown }>; verified: readonly number[] };

/** What an action answers: `result` for the caller, `config` to merge into the instance config. */
export interface ActionResult {
  result: unknown;
  config?: Record<string, unknown>;
}

/** What a connector offers. */
export interface Capabilities {
  /** Login methods, in order of preference; the first is the default. Empty: restore-only. */
  login: readonly LoginMethodSpec[];
  /** Whether `logoutRemote` can end the session at the platform (false → it answers `not_supported`). */
  remoteLogout: boolean;
  /**
   * Whether the platform can send messages at all: the one source of truth. The gateway answers
   * `NOT_SUPPORTED` for a send when it is false, without asking the session; when it is true,
   * {@link Session.send} sends what {@link messages} declares.
   */
  send: boolean;
  /**
   * Which contents and operations the platform sends and receives (src/core/messages.ts), as data:
   * the gateway refuses the others with `NOT_SUPPORTED`, and the docs' support table is made from
   * it. Absent: text only (`TEXT_ONLY`).
   */
  messages?: MessageSupport;
}

/** One login method with the input it needs (e.g. `{token}` for a bot token, `{phoneNumber}` for a pairing code). */
export interface LoginMethodSpec {
  method: LoginMethod;
  /** JSON Schema of the login input given to `connect` (`login: {method, ...input}`); absent: none. */
  inputSchema?: TSchema;
}

/** A declared platform action (e.g. Telegram `log-out-cloud`). */
export interface ActionSpec {
  /** URL-safe name used in `POST /v1/instances/:name/actions/:action`. */
  name: string;
  description: string;
  /** JSON Schema of the action input; absent: no input. */
  inputSchema?: TSchema;
  /** True when the action is destructive or rate-limited at the platform and UIs should ask first. */
  confirm?: boolean;
  /** True when the action needs a live session (`connected`). */
  requiresSession?: boolean;
  /**
   * Who may run it: `account` (the account token only) or `instance` (also the instance's own
   * token). Absent: `account` when the input has a URL field that receives the instance's
   * credentials (`UrlString({credentials: true})`, it changes where they are sent), else `instance`.
   * `GET /v1/platforms` shows the resolved value.
   */
  access?: "account" | "instance";
}

/**
 * The gateway's SSRF policy for the connections a connector makes to URLs from an instance's config
 * or an action input (see `UrlGuard`). Connectors pass {@link OutboundNet.agentFor}'s agent to
 * every HTTP or WebSocket client they open to such a URL.
 */
export interface OutboundNet {
  /**
   * An `http.Agent` (keep-alive, shared) that refuses connections to loopback, private and other
   * non-global addresses at connect time, for connections to `url`; undefined when no rule applies
   * (the operator allows private addresses, or the URL is one the code or operator chose, such as a
   * config default). Refused connections fail with an error whose message is
   * `refused: <address> is a <range> address`.
   */
  agentFor(url: string): Agent | undefined;
  /**
   * Socket options for a connection to a proxy at `url` (the proxy agent's own connection, which no
   * agent of {@link agentFor} makes): a `lookup` that refuses a name resolving to a non-global
   * address. Undefined when no rule applies. Never throws.
   * @returns `refused`: the proxy's host is an IP literal that is not allowed (a connection to it
   *   must not be opened), with the same message as a refused connection.
   */
  proxyOptions(url: string): { lookup: LookupFunction } | { refused: Error } | undefined;
}

/** Identifies the instance a connector works for. Holds nothing secret. */
export interface InstanceRef {
  id: string;
  name: string;
  platform: string;
}

/** Secret-free logger given to connectors (pino-compatible subset). Never log credentials. */
export interface ConnectorLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Opaque credentials of one instance, as the connector shaped them (JSON). Encrypted at rest by the vault. */
export type Credentials = Record<string, unknown>;

/** Everything a connector gets to open a session. */
export interface SessionContext {
  instance: InstanceRef;
  /** The validated instance config. */
  config: Record<string, unknown>;
  /** Stored credentials, or `null` when a login is needed (never dead credentials: they are wiped first). */
  credentials: Credentials | null;
  /** The login the caller asked for when there are no credentials: `{method, ...input}`. */
  login: LoginRequest | null;
  /** The connector state stored with the last accepted batch (see {@link SessionHost.receive}); `{}` at first. */
  state: Record<string, unknown>;
  /**
   * Where the platform can push to this instance, when the gateway has a public URL
   * (`publicUrl`): `POST <url>` reaches {@link Session.handleWebhook}. Absent: webhooks are not possible.
   */
  webhookUrl: string | null;
  /** Encrypted key–value storage for bulky session key material (e.g. Signal keys); wiped with the credentials. */
  keys: SessionKeyStore;
  host: SessionHost;
  logger: ConnectorLogger;
  /** The SSRF policy for connections to URLs of the config. */
  net: OutboundNet;
}

/**
 * Encrypted per-instance storage for session key material too bulky or too often written to live in
 * the credentials object (Signal pre-keys, sessions, sender keys, app-state keys). Values are JSON
 * (Buffers allowed); names are free strings. Everything is sealed by the vault, counted as credential
 * material (`hasCredentials`) and removed by the same verified wipe as the credentials.
 * Writes of a closed session are refused, so a late write can never follow a wipe.
 */
export interface SessionKeyStore {
  /** The stored values of `names`; missing names are absent from the map. @throws `STORAGE_FAILED`. */
  get(names: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Writes `entries` (value `null` deletes) in one transaction; resolves once durable.
   * @throws `STORAGE_FAILED` (nothing written); `INVALID_STATE` once the session was closed.
   */
  set(entries: ReadonlyArray<readonly [name: string, value: unknown]>): Promise<void>;
}

/** A login request: the method and its validated input (e.g. `{ method: "token", token: "…" }`). */
export interface LoginRequest {
  method: LoginMethod;
  input: Record<string, unknown>;
}

/** Context for remote operations that may run without a live session (logout, actions). */
export interface RemoteContext {
  instance: InstanceRef;
  config: Record<string, unknown>;
  credentials: Credentials | null;
  /** The live session, when the instance has one. */
  session: Session | null;
  /** Aborted when the core's timeout for this operation expires. */
  signal: AbortSignal;
  logger: ConnectorLogger;
  /** The SSRF policy for connections to URLs of the config or the action input. */
  net: OutboundNet;
}

/**
 * What a session reports to the core. Calls after the session was closed or replaced are ignored,
 * so a connector need not guard against late callbacks.
 */
export interface SessionHost {
  /** A login step is pending: a QR to show, a pairing code to enter. */
  loginStep(step: LoginStep): void;
  /** The session is up and authenticated. */
  connected(info: { self: SelfInfo }): void;
  /** The session ended; `kind` decides what the core does next. `error` must be secret-free. */
  disconnected(info: { kind: DisconnectKind; error: ErrorInfo }): void;
  /**
   * Persists (replaces) the instance's credentials, encrypted. Resolves once durable.
   * @throws {SwitchboardError} `STORAGE_FAILED` or `INVALID_STATE` (the session was closed meanwhile);
   *   never swallowed.
   */
  saveCredentials(credentials: Credentials): Promise<void>;
  /**
   * Hands inbound events to the core. They are stored durably — an event whose `id` was stored
   * before is skipped — together with `state` (the connector's cursor, e.g. Telegram's update offset,
   * JSON, never secret) in one transaction, then published. Resolves once durable: only then may the
   * connector acknowledge the items to the platform. A restart therefore neither loses nor repeats one.
   * @throws {SwitchboardError} `STORAGE_FAILED`; `INVALID_STATE` when the session was closed meanwhile
   *   (nothing stored: the platform will deliver the items again).
   */
  receive(batch: { events: readonly InboundEvent[]; state?: Record<string, unknown> }): Promise<void>;
  /**
   * A message this instance sent, as stored with its `message.sent` event (`threadId`, `body`), for
   * a platform that asks for it to be sent again (WhatsApp's retry receipts); null when it was never
   * stored or has been pruned. Never throws (a failed read is logged and answers null).
   */
  sentMessage(messageId: string): Promise<{ threadId: string; body: string } | null>;
  /**
   * A message of this instance's history by its platform id, sent or received (from its stored
   * `message.sent` / `message.received` event): for a platform that quotes or reacts by the whole
   * message key (WhatsApp). Null when not stored. Never throws (a failed read is logged).
   */
  storedMessage(messageId: string): Promise<StoredMessageRef | null>;
}

/** A message as {@link SessionHost.storedMessage} finds it. */
export interface StoredMessageRef {
  direction: "sent" | "received";
  threadId: string;
  senderId: string;
  body: string;
}

/**
 * An event from the platform. `id` must be the same every time the platform delivers the same item
 * (e.g. `tg:<bot id>:<update_id>`), so a redelivery is stored once.
 */
export type InboundEvent =
  | InboundEventOf<"message.received">
  | InboundEventOf<"message.status">
  | InboundEventOf<"message.edited">
  | InboundEventOf<"message.deleted">
  | InboundEventOf<"message.reaction">;

/** The event types a connector reports (the others are the core's own). */
export type InboundEventType = "message.received" | "message.status" | "message.edited" | "message.deleted" | "message.reaction";

/** One platform event of type `T` for {@link SessionHost.receive}. */
export interface InboundEventOf<T extends InboundEventType> {
  /** Stable per platform item, so a redelivered item is stored once (e.g. `tg:<bot>:<update_id>`). */
  id: string;
  type: T;
  data: EventData[T];
  /** When it happened, epoch ms (default: now). */
  ts?: number;
}

/** A pending login step, shown to a person. */
export interface LoginStep {
  method: LoginMethod;
  /** The raw QR string (`method: "qr"`). */
  qr?: string;
  /** The pairing code (`method: "pairing_code"`). */
  code?: string;
  /** When the QR/code expires, epoch ms. */
  expiresAt?: number;
  /** 1-based count of QR codes / codes issued in this login. */
  attempt: number;
}

/** One live connection of one instance. */
export interface Session {
  /** Ends the local session only; never calls a platform logout. **Idempotent, never throws.** */
  close(): Promise<void>;
  /**
   * Sends a message. Called only when the connector declares `capabilities.send`, and only with a
   * content type (and `replyTo`) its `capabilities.messages` declares; a connector that declares
   * `send` false implements this by throwing `NOT_SUPPORTED`.
   * @throws {SwitchboardError} `INVALID_STATE` when not connected, `VALIDATION_FAILED` (a thread id
   *   the platform cannot address, a `replyTo` it does not know), `PLATFORM_UNREACHABLE`,
   *   `PLATFORM_RATE_LIMITED`, `NOT_SUPPORTED`.
   */
  send(message: OutboundMessage): Promise<SentMessage>;
  /**
   * Edits a message this instance sent: its text (text messages) or caption (media). Present when
   * `capabilities.messages.operations` has `edit`.
   * @throws {SwitchboardError} as {@link send}; `NOT_FOUND` for a message the platform does not know.
   */
  edit?(edit: MessageEdit): Promise<{ timestamp: number }>;
  /**
   * Deletes a message for everyone. Present when `capabilities.messages.operations` has `delete`.
   * @throws {SwitchboardError} as {@link send}; `NOT_FOUND` for a message the platform does not know.
   */
  delete?(target: { threadId: string; messageId: string }): Promise<{ timestamp: number }>;
  /**
   * The bytes of a received file (`content.media.mediaId` of a `message.received`), fetched from the
   * platform now, as a stream (never buffered whole). Present where the platform lets the instance
   * download received media.
   * @throws {SwitchboardError} `NOT_FOUND` (the platform does not know the file), `VALIDATION_FAILED`
   *   413 (over the platform's download limit), `INVALID_STATE`, `PLATFORM_UNREACHABLE`.
   */
  fetchMedia?(mediaId: string): Promise<PlatformMedia>;
  /**
   * Asks the platform for a pairing code for `phoneNumber` (digits, country code first) while a
   * login is pending. Also reports it through `host.loginStep`.
   * @throws {SwitchboardError} `NO_LOGIN_PENDING`, `NOT_SUPPORTED`, `PLATFORM_UNREACHABLE`.
   */
  requestPairingCode?(phoneNumber: string): Promise<{ code: string; expiresAt?: number }>;
  /**
   * A request the platform pushed to {@link SessionContext.webhookUrl}. Verify it (in constant time
   * for shared secrets), hand its items to `host.receive`, and resolve once they are stored: the
   * gateway then answers 200. Must answer fast (store, do not process).
   * @throws {SwitchboardError} `UNAUTHENTICATED` (bad signature or secret; answered 401),
   *   `VALIDATION_FAILED` (unreadable body).
   */
  handleWebhook?(request: WebhookRequest): Promise<void>;
}

/** A pushed request, as the gateway received it. Header names are lower case. */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body. */
  body: unknown;
}

/** A message to send: the content (media resolved by the gateway), and the message it quotes. */
export interface OutboundMessage {
  threadId: string;
  content: SendContent;
  /** The platform id of the message to quote (`capabilities.messages.operations` has `reply`). */
  replyTo?: string;
}

/** A received file as the platform serves it: the bytes as a stream, and what is known of them (bytes; MIME type). */
export interface PlatformMedia {
  stream: Readable;
  mimeType?: string;
  size?: number;
  fileName?: string;
}

/** A new text for a sent message (its text, or its caption when it carries media). */
export interface MessageEdit {
  threadId: string;
  messageId: string;
  text: string;
}

/** What the platform answered for a sent message. `timestamp` is epoch ms. */
export interface SentMessage {
  messageId: string;
  threadId: string;
  timestamp: number;
}
