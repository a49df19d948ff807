/**
 * The data shapes of the SDK. Those the gateway defines are imported (type-only) from its sources,
 * so the SDK and the API cannot drift apart; the build inlines them into the package's `.d.ts`.
 * Shapes that exist only on the wire (JSON Schema instead of TypeBox objects) are declared here.
 */
import type { CreateInstanceInput, InstanceView, TokenView } from "../../src/core/api.js";
import type { SentMessage } from "../../src/core/connector.js";
import type { ContentType, MessageOperation, MessageSupport, OutboundContent, ReceivedContent, ReceivedMedia } from "../../src/core/messages.js";
import type {
  DesiredState,
  InstanceStatus,
  LoginMethod,
  LogoutResult,
  RemoteLogoutOutcome,
  SelfInfo,
  StatusState,
} from "../../src/core/status.js";
import type { ErrorCode, ErrorInfo } from "../../src/core/errors.js";
import type {
  EventData,
  EventEnvelope,
  EventType,
  MessageData,
  MessageDeletedData,
  MessageEditedData,
  MessageReactionData,
} from "../../src/events/types.js";
import type { HistoryEntry } from "../../src/store/types.js";

export type {
  CreateInstanceInput,
  DesiredState,
  ErrorCode,
  ErrorInfo,
  EventData,
  EventEnvelope,
  EventType,
  HistoryEntry,
  InstanceStatus,
  InstanceView,
  LoginMethod,
  LogoutResult,
  ContentType,
  MessageData,
  MessageDeletedData,
  MessageEditedData,
  MessageOperation,
  MessageReactionData,
  MessageSupport,
  OutboundContent,
  ReceivedContent,
  ReceivedMedia,
  RemoteLogoutOutcome,
  SelfInfo,
  SentMessage,
  StatusState,
  TokenView,
};

/**
 * One event of any known type, as a discriminated union on `type`: after
 * `if (event.type === "message.received")`, `event.data` is a {@link MessageData}. Gateways may add
 * types newer than this SDK; such events are delivered too (ignore what you do not know).
 */
export type SwitchboardEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

/**
 * What `sendMessage` takes: `content` (any type of the message model: text, image, …, location,
 * contact, reaction) or `body` (shorthand for a text), the chat, and optionally a message to quote.
 */
export type SendMessageInput = ({ content: OutboundContent; body?: never } | { body: string; content?: never }) & { threadId: string; replyTo?: string };

/** What `uploadMedia` answers: give `mediaId` as `content.media.mediaId` in a send. Bytes; epoch ms. */
export interface UploadedMedia {
  mediaId: string;
  mimeType: string;
  size: number;
  fileName?: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  expiresAt: number;
}

/** A JSON Schema document, as the gateway publishes it. */
export type JsonSchema = Record<string, unknown>;

/** A connector as listed by `GET /v1/platforms`. */
export interface PlatformInfo {
  platform: string;
  displayName: string;
  configSchema: JsonSchema;
  capabilities: {
    /** Login methods, in order of preference; the first is the default. */
    login: { method: LoginMethod; inputSchema?: JsonSchema }[];
    remoteLogout: boolean;
    send: boolean;
    /** What the platform sends and receives, and the operations it has (absent: text only). */
    messages?: MessageSupport;
  };
  actions: {
    name: string;
    description: string;
    inputSchema?: JsonSchema;
    /** UIs should ask first: destructive or rate-limited at the platform. */
    confirm?: boolean;
    requiresSession?: boolean;
    /** `account`: only the account token may run it (it changes where the instance's credentials are sent). */
    access: "account" | "instance";
  }[];
}

/** The answer of `createInstance`: the instance and its instance token (shown once; null on an idempotent replay). */
export interface CreatedInstance {
  instance: InstanceView;
  token: string | null;
}

/** A page of a cursor-paginated list: `next` is the cursor of the following page, or null on the last. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * Options of `connect` and `restart`. `login` is the wire shape `{ method, ...input }` (e.g.
 * `{ method: "token", token: "123:abc" }`); `wait` resolves once the status reaches that state (or a
 * terminal one), else rejects with `TIMEOUT` after `timeoutMs` (default 30 000, max 300 000).
 */
export interface ConnectOptions {
  login?: { method: LoginMethod } & Record<string, unknown>;
  wait?: Extract<StatusState, "awaiting_login" | "connected">;
  timeoutMs?: number;
}

/** The answer of `delete`. */
export interface DeletedInstance {
  instance: string;
  deleted: true;
  remote: RemoteLogoutOutcome;
}

/** The pending QR of a QR login (`qr` is the raw string; a secret while valid). */
export interface PendingQr {
  qr: string;
  expiresAt: number | null;
  attempt: number;
}

/** A pairing code to enter on the phone. */
export interface PairingCode {
  code: string;
  expiresAt: number | null;
}

/** Filters of a replay (`GET …/events`). */
export interface ReplayOptions {
  /** Start after this event id (exclusive). Omitted: from the oldest retained event. */
  after?: string;
  /** Page size (1–1000; the gateway's default is 100). */
  limit?: number;
  /**
   * Only the newest `last` events (1–1000), still oldest first; the page's `next` is then null.
   * Instead of `limit` (giving both is refused with `VALIDATION_FAILED`).
   */
  last?: number;
  /** Only these event types. */
  types?: readonly EventType[] | readonly string[];
  /** Aborts the requests. */
  signal?: AbortSignal;
}

/** Filters of the account-wide replay (`GET /v1/events`). */
export interface GlobalReplayOptions extends ReplayOptions {
  /** Only this instance. */
  instance?: string;
}
