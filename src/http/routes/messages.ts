import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import { err } from "../../core/errors.js";
import type { OutboundContent } from "../../core/messages.js";
import {
  DeleteMessageQuery,
  EditMessageBody,
  InstanceParams,
  MessageChangeSchema,
  MessageParams,
  SendMessageBody,
  SentMessageSchema,
  errorResponses,
} from "../schemas.js";
import type { RouteDeps } from "./deps.js";

/**
 * Messages (account token or the instance's own token; the instance must be connected, else 409
 * `INVALID_STATE`; what the platform lacks is 422 `NOT_SUPPORTED` naming it):
 * - `POST /v1/instances/:name/messages` `{threadId, content, replyTo?}` (or `{threadId, body}` for a
 *   text) → `{messageId, threadId, timestamp}`; both or neither of `body` and `content` → 400;
 * - `PATCH /v1/instances/:name/messages/:messageId` `{threadId, text}` → `{messageId, timestamp}`;
 * - `DELETE /v1/instances/:name/messages/:messageId?threadId=` → `{messageId, timestamp}` (for everyone).
 */
export function messageRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.post<{ Params: Static<typeof InstanceParams>; Body: Static<typeof SendMessageBody> }>(
    "/v1/instances/:name/messages",
    {
      config: { access: "instance" },
      schema: {
        tags: ["messages"],
        operationId: "sendMessage",
        summary: "Send a message",
        description:
          "Sends through the live session; the instance must be connected. `content` is a union on `type` (text, image, video, audio, voice, document, sticker, location, contact, reaction); `GET /v1/platforms` lists what each platform sends (`capabilities.messages`).",
        params: InstanceParams,
        body: SendMessageBody,
        response: { 200: SentMessageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { threadId, body, content, replyTo } = request.body;
      return gateway.send(request.params.name, { threadId, content: contentOf(body, content as OutboundContent | undefined), ...(replyTo !== undefined ? { replyTo } : {}) });
    },
  );

  app.patch<{ Params: Static<typeof MessageParams>; Body: Static<typeof EditMessageBody> }>(
    "/v1/instances/:name/messages/:messageId",
    {
      config: { access: "instance" },
      schema: {
        tags: ["messages"],
        operationId: "editMessage",
        summary: "Edit a sent message",
        description: "Replaces the text of a message the instance sent (a media message: its caption). Leaves a `message.edited` event.",
        params: MessageParams,
        body: EditMessageBody,
        response: { 200: MessageChangeSchema, ...errorResponses },
      },
    },
    async (request) => gateway.editMessage(request.params.name, { threadId: request.body.threadId, messageId: request.params.messageId, text: request.body.text }),
  );

  app.delete<{ Params: Static<typeof MessageParams>; Querystring: Static<typeof DeleteMessageQuery> }>(
    "/v1/instances/:name/messages/:messageId",
    {
      config: { access: "instance" },
      schema: {
        tags: ["messages"],
        operationId: "deleteMessage",
        summary: "Delete a message for everyone",
        description: "Deletes a message in the chat `threadId` for everyone, where the platform allows it. Leaves a `message.deleted` event.",
        params: MessageParams,
        querystring: DeleteMessageQuery,
        response: { 200: MessageChangeSchema, ...errorResponses },
      },
    },
    async (request) => gateway.deleteMessage(request.params.name, { threadId: request.query.threadId, messageId: request.params.messageId }),
  );
}

/**
 * The content of a send: `content`, or `body` as a text.
 * @throws `VALIDATION_FAILED` (`details.issues` at `body.content`) when both or neither are given.
 */
function contentOf(body: string | undefined, content: OutboundContent | undefined): OutboundContent {
  if (content !== undefined && body === undefined) return content;
  if (body !== undefined && content === undefined) return { type: "text", text: body };
  const message = content ? "Give either `body` (a text) or `content`, not both." : "Give `content` (or `body` for a text).";
  throw err("VALIDATION_FAILED", { message, details: { issues: [{ path: "body.content", message: content ? "Give body or content, not both" : "Required: content or body" }] } });
}
