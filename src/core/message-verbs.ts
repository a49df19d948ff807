/**
 * The message verbs of the gateway: send (any content of the message model), edit and delete a sent
 * message. Each checks what the platform declares (`capabilities.messages`, `NOT_SUPPORTED` naming
 * the platform and the content type or operation), needs a connected session (`INVALID_STATE`), runs
 * the platform call bounded by `platformCallMs` (`TIMEOUT`), and stores the event it leaves:
 * `message.sent` for a message, `message.reaction` for a reaction, `message.edited` /
 * `message.deleted` for the operations (with the instance's own account as `senderId`).
 */
import { randomUUID } from "node:crypto";
import type { EventData, EventEnvelope, EventType } from "../events/types.js";
import type { Connector, OutboundMessage, SentMessage, Session } from "./connector.js";
import { err } from "./errors.js";
import { type OutboundContent, type ReceivedContent, type SendContent, TEXT_ONLY, assertSupported, bodyOf, isMediaContent } from "./messages.js";
import type { InstanceRuntime } from "./runtime.js";
import { type MediaResolverDeps, resolveMedia } from "../media/resolve.js";

/** `POST /v1/instances/:name/messages`: what to send, where, quoting what. */
export interface SendRequest {
  threadId: string;
  content: OutboundContent;
  /** The platform id of a message to quote. */
  replyTo?: string;
}

/** A new text (or caption) for a message the instance sent. */
export interface EditRequest {
  threadId: string;
  messageId: string;
  text: string;
}

/** A message to delete for everyone. */
export interface DeleteRequest {
  threadId: string;
  messageId: string;
}

/** The slowest upload a media send is given time for: 64 KB/s (bytes per ms). */
export const MEDIA_MIN_RATE = 64;

export interface MessageVerbDeps {
  /** Uploads and the URL guard, for media contents (absent: media is refused with NOT_SUPPORTED). */
  media?: MediaResolverDeps;
  /** The gateway's own cap on a file, bytes (below the platform's when lower). */
  maxUploadBytes?: number;
  /** Epoch ms (the gateway's clock). */
  now(): number;
  connectorOf(rt: InstanceRuntime): Connector;
  /** Runs a platform call bounded by `platformCallMs` plus `extraMs` (`TIMEOUT` when it does not answer). */
  bounded<T>(what: string, fn: () => Promise<T>, extraMs?: number): Promise<T>;
}

export class MessageVerbs {
  constructor(private readonly deps: MessageVerbDeps) {}

  /**
   * Sends `req` through the live session of `rt` and stores its event. Media is resolved first
   * (src/media/resolve.ts: an upload, or the URL fetched into a temporary copy, removed after the send).
   * @throws {SwitchboardError} `NOT_SUPPORTED`, `INVALID_STATE`, `VALIDATION_FAILED` (400/413),
   *   `URL_REFUSED`, `TIMEOUT`, and what the session throws.
   */
  async send(rt: InstanceRuntime, req: SendRequest): Promise<SentMessage> {
    const connector = this.deps.connectorOf(rt);
    if (!connector.capabilities.send) throw err("NOT_SUPPORTED", { message: `${connector.platform} cannot send messages.`, details: { platform: connector.platform } });
    const support = connector.capabilities.messages ?? TEXT_ONLY;
    assertSupported(connector.platform, support, { contentType: req.content.type });
    if (req.replyTo !== undefined) assertSupported(connector.platform, support, { operation: "reply" });
    const session = this.connected(rt);
    const resolved = await this.resolve(rt, req.content, Math.min(support.maxMediaBytes, this.deps.maxUploadBytes ?? Infinity));
    const content = resolved.content;
    const message: OutboundMessage = { threadId: req.threadId, content, ...(req.replyTo !== undefined ? { replyTo: req.replyTo } : {}) };
    // A file gets time to travel: at least MEDIA_MIN_RATE bytes per ms on top of the call's bound.
    const extraMs = isMediaContent(content) ? Math.ceil(content.media.size / MEDIA_MIN_RATE) : 0;
    const sent = await this.deps.bounded("send", () => session.send(message), extraMs).finally(() => resolved.release());
    const self = this.self(rt);
    if (content.type === "reaction") {
      await this.store(rt, "message.reaction", { threadId: sent.threadId, messageId: content.messageId, senderId: self, emoji: content.emoji, timestamp: sent.timestamp });
    } else {
      await this.store(rt, "message.sent", {
        threadId: sent.threadId,
        senderId: self,
        body: bodyOf(content),
        messageId: sent.messageId,
        timestamp: sent.timestamp,
        content: sentContent(content, req.content),
        ...(req.replyTo !== undefined ? { replyTo: { messageId: req.replyTo } } : {}),
      });
    }
    return sent;
  }

  /**
   * Edits a message the instance sent (its text, or a media message's caption).
   * @throws {SwitchboardError} `NOT_SUPPORTED`, `INVALID_STATE`, `TIMEOUT`, `NOT_FOUND`, and what the session throws.
   */
  async edit(rt: InstanceRuntime, req: EditRequest): Promise<{ messageId: string; timestamp: number }> {
    const connector = this.deps.connectorOf(rt);
    assertSupported(connector.platform, connector.capabilities.messages ?? TEXT_ONLY, { operation: "edit" });
    const session = this.connected(rt);
    const edit = session.edit?.bind(session);
    if (!edit) throw err("NOT_SUPPORTED", { details: { platform: connector.platform, operation: "edit" } });
    const { timestamp } = await this.deps.bounded("edit", () => edit(req));
    await this.store(rt, "message.edited", { threadId: req.threadId, messageId: req.messageId, senderId: this.self(rt), body: req.text, content: { type: "text", text: req.text }, timestamp });
    return { messageId: req.messageId, timestamp };
  }

  /**
   * Deletes a message for everyone.
   * @throws {SwitchboardError} `NOT_SUPPORTED`, `INVALID_STATE`, `TIMEOUT`, `NOT_FOUND`, and what the session throws.
   */
  async delete(rt: InstanceRuntime, req: DeleteRequest): Promise<{ messageId: string; timestamp: number }> {
    const connector = this.deps.connectorOf(rt);
    assertSupported(connector.platform, connector.capabilities.messages ?? TEXT_ONLY, { operation: "delete" });
    const session = this.connected(rt);
    const remove = session.delete?.bind(session);
    if (!remove) throw err("NOT_SUPPORTED", { details: { platform: connector.platform, operation: "delete" } });
    const { timestamp } = await this.deps.bounded("delete", () => remove(req));
    await this.store(rt, "message.deleted", { threadId: req.threadId, messageId: req.messageId, senderId: this.self(rt), timestamp });
    return { messageId: req.messageId, timestamp };
  }

  /** The outbound content as the connector gets it: media resolved to a stream (src/media/resolve.ts). */
  private async resolve(rt: InstanceRuntime, content: OutboundContent, limitBytes: number): Promise<{ content: SendContent; release(): Promise<void> }> {
    if (!isMediaContent(content)) return { content: content as SendContent, release: async () => {} };
    if (!this.deps.media) {
      throw err("NOT_SUPPORTED", { message: "This gateway keeps no media store, so it cannot send media.", details: { contentType: content.type } });
    }
    return resolveMedia(this.deps.media, rt.current.id, content, limitBytes);
  }

  private connected(rt: InstanceRuntime): Session {
    const session = rt.liveSession();
    if (rt.status.state !== "connected" || !session) {
      throw err("INVALID_STATE", { message: "The instance is not connected.", details: { status: rt.status.state } });
    }
    return session;
  }

  private self(rt: InstanceRuntime): string {
    return rt.status.state === "connected" ? rt.status.self.id : "";
  }

  private async store<T extends EventType>(rt: InstanceRuntime, type: T, data: EventData[T]): Promise<void> {
    const event = { id: `evt_${randomUUID()}`, type, ...rt.source(), ts: this.deps.now(), data } as EventEnvelope;
    await rt.storeEvents([event]);
  }
}

/** How a sent content is recorded in its `message.sent` event (media as metadata, never bytes). */
function sentContent(content: SendContent, asked: OutboundContent): ReceivedContent {
  if (!isMediaContent(content)) return content as ReceivedContent;
  const m = content.media;
  const mediaId = isMediaContent(asked) && "mediaId" in asked.media ? asked.media.mediaId : "url";
  const media = { mediaId, mimeType: m.mimeType, size: m.size, ...(m.fileName ? { fileName: m.fileName } : {}) };
  return { ...content, media } as ReceivedContent;
}
