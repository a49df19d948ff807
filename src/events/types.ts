import type { ReceivedContent } from "../core/messages.js";
import type { InstanceStatus, RemoteLogoutOutcome, StatusState } from "../core/status.js";

/**
 * The one event envelope (DESIGN §3): webhook body, stream frame, SDK callback and replay all carry
 * this shape. `id` is unique and stable (receivers dedupe on it); `ts` is epoch ms; `metadata` echoes
 * the instance's free metadata. Events never carry secrets other than a pending QR / pairing code,
 * which exist to be shown (and are stored sealed, and dropped once of no more use).
 */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  /** The instance's name; null only for gateway-level events (e.g. a global webhook subscription disabled). */
  instance: string | null;
  /** The instance's platform; null exactly when `instance` is. */
  platform: string | null;
  ts: number;
  metadata: Record<string, unknown>;
  data: EventData[T];
}

/** The payload of each event type. New types may be added; consumers ignore unknown ones. */
export interface EventData {
  /** The observed status changed (transient flaps are debounced first). `status` never carries the QR or pairing code. */
  "instance.status": { status: InstanceStatus; previous: StatusState; desired: "running" | "stopped" };
  /**
   * A new QR code to show (one per rotation). `qr` is null once a newer QR replaced it, it expired,
   * or the login ended: stored sealed, a login secret is dropped when it is of no more use.
   */
  "instance.qr": { qr: string | null; expiresAt: number | null; attempt: number };
  /** A new pairing code to enter on the phone. `code` is null once replaced, expired or the login ended. */
  "instance.pairing_code": { code: string | null; expiresAt: number | null };
  /** Credentials were wiped: by the logout verb (`reason: user`) or by the platform (`reason: remote`). */
  "instance.logged_out": { reason: "user" | "remote"; remote: RemoteLogoutOutcome; credentialsWiped: true };
  /** The instance and everything of it were purged. */
  "instance.deleted": { remote: RemoteLogoutOutcome };
  /** A message arrived from the platform (stored before the platform was acknowledged). */
  "message.received": MessageData & { raw?: unknown };
  /** A message the gateway sent was accepted by the platform. */
  "message.sent": MessageData;
  /** The platform reported a delivery state of a message (sent, delivered to the device, read, failed). */
  "message.status": MessageStatusData;
  /** A message was edited (by its author): the new content. */
  "message.edited": MessageEditedData;
  /** A message was deleted for everyone. */
  "message.deleted": MessageDeletedData;
  /** Someone reacted to a message (an empty `emoji`: they removed their reaction). */
  "message.reaction": MessageReactionData;
  /**
   * A webhook subscription failed for long enough and was disabled. An instance's event for an
   * instance's subscription; a gateway-level event (`instance: null`) for a global one.
   */
  "webhook.disabled": WebhookDisabledData;
}

/**
 * The normalised fields of a message (DESIGN §3). Ids are the platform's own, as strings;
 * `timestamp` is epoch ms as the platform dated the message.
 */
export interface MessageData {
  /** The conversation: a chat id, a JID, a stream id. */
  threadId: string;
  /** Who wrote it (for `message.sent`: the instance's own account id). */
  senderId: string;
  /** The text, or the caption of media; empty for messages without either. */
  body: string;
  messageId: string;
  timestamp: number;
  /** What the message carries (src/core/messages.ts); absent only in events stored before the message model. */
  content?: ReceivedContent;
  /** The sender as the platform names them (where it does). */
  sender?: { name?: string; username?: string };
  /** The conversation's kind, and its title for groups and channels. */
  chat?: { type: "private" | "group" | "channel"; title?: string };
  /** The message this one quotes. */
  replyTo?: { messageId: string };
}

/** An edit of a message: its new content (`body`: the new text or caption). `timestamp` is epoch ms of the edit. */
export interface MessageEditedData {
  threadId: string;
  messageId: string;
  senderId: string;
  body: string;
  content: ReceivedContent;
  timestamp: number;
}

/** A message deleted for everyone. `timestamp` is epoch ms as the platform dated it. */
export interface MessageDeletedData {
  threadId: string;
  messageId: string;
  /** Who deleted it, where the platform says. */
  senderId?: string;
  timestamp: number;
}

/** A reaction on `messageId` by `senderId`: `emoji`, or "" when they removed theirs. `timestamp` is epoch ms. */
export interface MessageReactionData {
  threadId: string;
  messageId: string;
  senderId: string;
  emoji: string;
  timestamp: number;
}

/**
 * A delivery state of a message, as the platform reported it. `timestamp` is epoch ms as the platform
 * dated the change.
 */
export interface MessageStatusData {
  messageId: string;
  threadId: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp: number;
}

/** Why and since when a webhook subscription was disabled. Timestamps are epoch ms. */
export interface WebhookDisabledData {
  webhookId: string;
  description: string;
  /** `"failing"`: every attempt failed for at least the configured period and number of attempts. */
  reason: "failing";
  /** Epoch ms of the first failed attempt of the streak. */
  failingSince: number;
  /** Failed attempts in the streak. */
  failedAttempts: number;
}

/**
 * Every event type. Each one also has a JSON Schema in `schema.ts` (published in the OpenAPI
 * document); a compile-time check there fails when the two disagree, so a new type is added in both.
 */
export type EventType = keyof EventData;
