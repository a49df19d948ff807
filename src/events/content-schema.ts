/**
 * JSON Schemas (TypeBox) of the message model's contents (src/core/messages.ts): what events carry
 * (`ReceivedContentSchema`) and what callers send (`OutboundContentSchema`, used by the REST API).
 * schema.ts checks at compile time that the received schemas equal the TypeScript types; the
 * outbound one is checked in src/http/schemas.ts.
 */
import { Type } from "@sinclair/typebox";

const Caption = Type.Optional(Type.String({ maxLength: 4096, description: "Shown with the media, where the platform has captions." }));

export const TextContentSchema = Type.Object({ type: Type.Literal("text"), text: Type.String() }, { description: "A text message." });

export const LocationContentSchema = Type.Object(
  {
    type: Type.Literal("location"),
    latitude: Type.Number({ minimum: -90, maximum: 90, description: "Degrees (WGS 84)." }),
    longitude: Type.Number({ minimum: -180, maximum: 180, description: "Degrees (WGS 84)." }),
    name: Type.Optional(Type.String({ maxLength: 256, description: "A place name." })),
    address: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { description: "A location." },
);

export const ContactContentSchema = Type.Object(
  {
    type: Type.Literal("contact"),
    vcard: Type.String({ minLength: 1, maxLength: 16_384, description: "A vCard 3.0 (`BEGIN:VCARD` … `END:VCARD`)." }),
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { description: "A contact card." },
);

export const ReactionContentSchema = Type.Object(
  {
    type: Type.Literal("reaction"),
    messageId: Type.String({ minLength: 1, maxLength: 512, description: "The message reacted to." }),
    emoji: Type.String({ maxLength: 32, description: "One emoji; empty removes the reaction." }),
  },
  { description: "An emoji on a message." },
);

/** Inbound media metadata (`ReceivedMedia`). */
export const ReceivedMediaSchema = Type.Object(
  {
    mediaId: Type.String({ description: "Names the file for `GET /v1/instances/:name/media/:mediaId` (bytes fetched from the platform on demand)." }),
    mimeType: Type.Optional(Type.String()),
    size: Type.Optional(Type.Integer({ minimum: 0, description: "Bytes." })),
    fileName: Type.Optional(Type.String()),
    sha256: Type.Optional(Type.String({ description: "Hex SHA-256 of the plain bytes, where the platform gives it." })),
    width: Type.Optional(Type.Integer({ minimum: 0, description: "Pixels." })),
    height: Type.Optional(Type.Integer({ minimum: 0, description: "Pixels." })),
    durationS: Type.Optional(Type.Number({ minimum: 0, description: "Seconds." })),
  },
  { description: "What the platform told about a file." },
);

/** A media content with the given media schema (a source when sending, metadata when received). */
function mediaContents<M extends ReturnType<typeof Type.Object> | ReturnType<typeof Type.Union>>(media: M) {
  return [
    Type.Object({ type: Type.Union([Type.Literal("image"), Type.Literal("video")]), media, caption: Caption }),
    Type.Object({ type: Type.Literal("document"), media, caption: Caption, fileName: Type.Optional(Type.String({ maxLength: 255 })) }),
    Type.Object({ type: Type.Union([Type.Literal("audio"), Type.Literal("voice"), Type.Literal("sticker")]), media }),
  ] as const;
}

export const UnsupportedContentSchema = Type.Object(
  { type: Type.Literal("unsupported"), platformType: Type.String({ description: "The platform's name for it, e.g. `poll`." }) },
  { description: "A content the message model does not cover." },
);

/** What a received (or sent) message carries (`ReceivedContent`). */
export const ReceivedContentSchema = Type.Union(
  [TextContentSchema, ...mediaContents(ReceivedMediaSchema), LocationContentSchema, ContactContentSchema, ReactionContentSchema, UnsupportedContentSchema],
  { description: "The content, a union on `type`: text, image, video, audio, voice, document, sticker, location, contact, reaction, or unsupported." },
);

/** Where outbound media comes from (`MediaSource`). */
export const MediaSourceSchema = Type.Union(
  [
    Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048, description: "An http(s) URL, fetched by the gateway through its SSRF guard." }) }, { additionalProperties: false }),
    Type.Object({ mediaId: Type.String({ minLength: 1, maxLength: 128, description: "An upload's id (`POST /v1/instances/:name/media`)." }) }, { additionalProperties: false }),
  ],
  { description: "`{url}` or `{mediaId}`." },
);

/** What a caller sends (`OutboundContent`). */
export const OutboundContentSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal("text"), text: Type.String({ minLength: 1, maxLength: 65_536 }) }, { additionalProperties: false }),
    ...mediaContents(MediaSourceSchema).map((s) => Type.Object(s.properties, { additionalProperties: false })),
    Type.Object(LocationContentSchema.properties, { additionalProperties: false }),
    Type.Object(ContactContentSchema.properties, { additionalProperties: false }),
    Type.Object(ReactionContentSchema.properties, { additionalProperties: false }),
  ],
  { description: "The content to send, a union on `type`." },
);

/** The sender as the platform names them. */
export const SenderSchema = Type.Object(
  { name: Type.Optional(Type.String({ description: "Display name." })), username: Type.Optional(Type.String({ description: "e.g. Telegram's @username, without the @." })) },
  { description: "Who wrote it, as the platform names them." },
);

/** The conversation's kind and title. */
export const ChatInfoSchema = Type.Object(
  {
    type: Type.Union([Type.Literal("private"), Type.Literal("group"), Type.Literal("channel")]),
    title: Type.Optional(Type.String({ description: "Groups and channels." })),
  },
  { description: "The conversation: `private` (one person), `group` or `channel`." },
);
