/**
 * JSON Schemas (TypeBox) of the event envelope and of every event type, published in the OpenAPI
 * document (`components.schemas`: `Event`, one `<Name>Event` per type, `EventPage`). The TypeScript
 * types in `types.ts` are what code and the SDK import; {@link EventSchemasMatchTypes} below is a
 * compile-time check, in both directions, that each schema's static type equals its TypeScript type,
 * so the two cannot drift apart: a new event type must be added to both or the build fails.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { InstanceStatus, StatusState } from "../core/status.js";
import { ChatInfoSchema, ReceivedContentSchema, SenderSchema } from "./content-schema.js";
import type { EventData, EventType } from "./types.js";

const EpochMs = Type.Integer({ minimum: 0, description: "Epoch milliseconds." });
const ErrorInfoSchema = Type.Object({ code: Type.String(), message: Type.String() });
const LoginMethodSchema = Type.Union(
  (["qr", "pairing_code", "token", "cookies", "key"] as const).map((m) => Type.Literal(m)),
  { description: "Login method." },
);
const RemoteOutcomeSchema = Type.Union(
  (["revoked", "already_revoked", "not_supported", "unconfirmed"] as const).map((r) => Type.Literal(r)),
  { description: "What the platform said when asked to end the session." },
);
const STATES = ["stopped", "starting", "awaiting_login", "connected", "reconnecting", "logging_out", "logged_out", "conflict", "failed"] as const;

/** The observed status of an instance, a discriminated union on `state` (DESIGN §2). Mirrors `InstanceStatus`. */
export const InstanceStatusSchema = Type.Union(
  [
    Type.Object({
      state: Type.Literal("stopped"),
      reason: Type.Optional(
        Type.Union([Type.Literal("created"), Type.Literal("user"), Type.Literal("shutdown"), Type.Literal("login_expired")], {
          description: "`created`: new, never connected; `user`: the close verb; `shutdown`: the gateway stopped (boot restores it); `login_expired`: the QR codes or pairing window ran out.",
        }),
      ),
    }),
    Type.Object({ state: Type.Literal("starting") }),
    Type.Object({
      state: Type.Literal("awaiting_login"),
      method: LoginMethodSchema,
      qr: Type.Optional(Type.String()),
      code: Type.Optional(Type.String()),
      expiresAt: Type.Optional(EpochMs),
      attempt: Type.Integer({ minimum: 1 }),
    }),
    Type.Object({
      state: Type.Literal("connected"),
      since: EpochMs,
      self: Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) }),
    }),
    Type.Object({ state: Type.Literal("reconnecting"), attempt: Type.Integer(), retryAt: EpochMs, lastError: ErrorInfoSchema }),
    Type.Object({ state: Type.Literal("logging_out") }),
    Type.Object({ state: Type.Literal("logged_out"), reason: Type.Union([Type.Literal("user"), Type.Literal("remote")]), remote: RemoteOutcomeSchema }),
    Type.Object({ state: Type.Literal("conflict"), error: Type.Optional(ErrorInfoSchema) }),
    Type.Object({ state: Type.Literal("failed"), error: ErrorInfoSchema }),
  ],
  { description: `Observed status; \`state\` is one of ${STATES.join(", ")}.` },
);

const StatusStateSchema = Type.Union(STATES.map((s) => Type.Literal(s)));

/** The normalised fields of a message (`MessageData`). */
export const MessageDataSchema = Type.Object({
  threadId: Type.String({ description: "The conversation: a chat id, a JID, a stream id." }),
  senderId: Type.String({ description: "Who wrote it (for `message.sent`: the instance's own account id)." }),
  body: Type.String({ description: "The text, or the caption of media; empty for messages without either." }),
  messageId: Type.String({ description: "The platform's message id." }),
  timestamp: Type.Integer({ description: "Epoch ms, as the platform dated the message." }),
  content: Type.Optional(ReceivedContentSchema),
  sender: Type.Optional(SenderSchema),
  chat: Type.Optional(ChatInfoSchema),
  replyTo: Type.Optional(Type.Object({ messageId: Type.String() }, { description: "The message this one quotes." })),
});

/**
 * The `data` schema of each event type, keyed by type. Adding a type: add it to `EventData` in
 * `types.ts` and here (the check at the end of this file enforces both).
 */
export const EVENT_DATA_SCHEMAS = {
  "instance.status": Type.Object(
    { status: InstanceStatusSchema, previous: StatusStateSchema, desired: Type.Union([Type.Literal("running"), Type.Literal("stopped")]) },
    { description: "The observed status changed (transient flaps are debounced first). `status` never carries the QR or pairing code." },
  ),
  "instance.qr": Type.Object(
    {
      qr: Type.Union([Type.String(), Type.Null()], {
        description: "The raw QR string; null once it was replaced by a newer one, expired, or the login ended (a QR is never kept past its use).",
      }),
      expiresAt: Type.Union([EpochMs, Type.Null()]),
      attempt: Type.Integer({ minimum: 1 }),
    },
    { description: "A new QR code to show (one per rotation). Stored sealed; its `qr` is dropped when it is no longer of use." },
  ),
  "instance.pairing_code": Type.Object(
    {
      code: Type.Union([Type.String(), Type.Null()], { description: "The pairing code; null once it was replaced, expired, or the login ended." }),
      expiresAt: Type.Union([EpochMs, Type.Null()]),
    },
    { description: "A new pairing code to enter on the phone. Stored sealed; its `code` is dropped when it is no longer of use." },
  ),
  "instance.logged_out": Type.Object(
    { reason: Type.Union([Type.Literal("user"), Type.Literal("remote")]), remote: RemoteOutcomeSchema, credentialsWiped: Type.Literal(true) },
    { description: "Credentials were wiped: by the logout verb (`reason: user`) or by the platform (`reason: remote`)." },
  ),
  "instance.deleted": Type.Object({ remote: RemoteOutcomeSchema }, { description: "The instance and everything of it were purged." }),
  "message.received": Type.Composite([MessageDataSchema, Type.Object({ raw: Type.Optional(Type.Unknown({ description: "The platform's own payload, when the instance asks for it." })) })], {
    description: "A message arrived from the platform (stored before the platform was acknowledged).",
  }),
  "message.sent": Type.Composite([MessageDataSchema], { description: "A message the gateway sent was accepted by the platform." }),
  "message.status": Type.Object(
    {
      messageId: Type.String(),
      threadId: Type.String(),
      status: Type.Union([Type.Literal("sent"), Type.Literal("delivered"), Type.Literal("read"), Type.Literal("failed")]),
      timestamp: Type.Integer({ description: "Epoch ms, as the platform dated the change." }),
    },
    { description: "The platform reported a delivery state of a message." },
  ),
  "message.edited": Type.Object(
    {
      threadId: Type.String(),
      messageId: Type.String(),
      senderId: Type.String(),
      body: Type.String({ description: "The new text or caption." }),
      content: ReceivedContentSchema,
      timestamp: Type.Integer({ description: "Epoch ms of the edit." }),
    },
    { description: "A message was edited by its author: its new content." },
  ),
  "message.deleted": Type.Object(
    { threadId: Type.String(), messageId: Type.String(), senderId: Type.Optional(Type.String({ description: "Who deleted it, where the platform says." })), timestamp: Type.Integer() },
    { description: "A message was deleted for everyone." },
  ),
  "message.reaction": Type.Object(
    {
      threadId: Type.String(),
      messageId: Type.String({ description: "The message reacted to." }),
      senderId: Type.String({ description: "Who reacted." }),
      emoji: Type.String({ description: "The emoji; empty when the reaction was removed." }),
      timestamp: Type.Integer(),
    },
    { description: "Someone reacted to a message, or removed their reaction." },
  ),
  "webhook.disabled": Type.Object(
    {
      webhookId: Type.String(),
      description: Type.String(),
      reason: Type.Literal("failing", { description: "Every attempt failed for at least the configured period and number of attempts." }),
      failingSince: Type.Integer({ minimum: 0, description: "Epoch ms of the first failed attempt of the streak." }),
      failedAttempts: Type.Integer({ minimum: 0, description: "Failed attempts in the streak." }),
    },
    { description: "A webhook subscription failed for long enough and was disabled (`instance: null` for a global subscription)." },
  ),
} as const satisfies Record<EventType, TSchema>;

/** `$id` of the envelope union in the OpenAPI components. */
export const EVENT_SCHEMA_ID = "Event";
/** `$id` of the replay page `{items, next}`. */
export const EVENT_PAGE_SCHEMA_ID = "EventPage";

/** A reference to the registered `Event` union, for route schemas. */
export const EventRef = Type.Unsafe<unknown>({ $ref: `${EVENT_SCHEMA_ID}#` });
/** A reference to the registered `EventPage`, for route schemas. */
export const EventPageRef = Type.Unsafe<unknown>({ $ref: `${EVENT_PAGE_SCHEMA_ID}#` });

/** The component name of an event type's envelope: `message.received` → `MessageReceivedEvent`. */
export function eventSchemaId(type: string): string {
  return (
    type
      .split(/[._]/)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join("") + "Event"
  );
}

/** The envelope schema of one event type (`type` is a constant; `data` its payload schema). */
function envelopeSchema<T extends EventType>(type: T) {
  return Type.Object(
    {
      id: Type.String({ description: "Unique and stable: receivers dedupe on it. Also the cursor for `after` and `Last-Event-ID`." }),
      type: Type.Literal(type),
      instance: Type.Union([Type.String(), Type.Null()], { description: "The instance's name; null only for gateway-level events." }),
      platform: Type.Union([Type.String(), Type.Null()], { description: "The instance's platform; null exactly when `instance` is." }),
      ts: EpochMs,
      metadata: Type.Record(Type.String(), Type.Unknown(), { description: "The instance's free metadata, echoed." }),
      data: EVENT_DATA_SCHEMAS[type],
    },
    { $id: eventSchemaId(type), description: EVENT_DATA_SCHEMAS[type].description },
  );
}

const EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];

/**
 * Every shared schema of the event model, to register with `app.addSchema` (they appear under their
 * `$id` in the OpenAPI components): one envelope per type, the `Event` union (a `oneOf` with a
 * `discriminator` on `type`) and the replay page `EventPage`.
 */
export function eventSchemas(): TSchema[] {
  const perType = EVENT_TYPES.map((t) => envelopeSchema(t));
  const union = Type.Unsafe({
    $id: EVENT_SCHEMA_ID,
    description:
      "One event, as webhook body, stream frame and replay item. A discriminated union on `type`; new types may be added, and consumers ignore the types they do not know.",
    oneOf: perType.map((s) => ({ $ref: `${s.$id}#` })),
    discriminator: {
      propertyName: "type",
      mapping: Object.fromEntries(EVENT_TYPES.map((t) => [t, `#/components/schemas/${eventSchemaId(t)}`])),
    },
  });
  const page = Type.Object(
    {
      items: Type.Array(EventRef, { description: "Oldest first." }),
      next: Type.Union([Type.String(), Type.Null()], {
        description: "The id to pass as `after` for the next page; null when this page reached the newest stored event.",
      }),
    },
    { $id: EVENT_PAGE_SCHEMA_ID },
  );
  return [...perType, union, page];
}

// ───────────────────────── compile-time agreement with types.ts ─────────────────────────

/** True exactly when A and B are the same type (not merely assignable one way). */
type Equals<A, B> = (<X>() => X extends Flat<A> ? 1 : 2) extends <X>() => X extends Flat<B> ? 1 : 2 ? true : false;
/** Resolves intersections and aliases into plain object types, recursively, so equal shapes compare equal. */
type Flat<T> = T extends object ? (T extends readonly unknown[] ? T : { [K in keyof T]: Flat<T[K]> }) : T;
type Assert<T extends true> = T;

type DataMatches = { [K in EventType]: Equals<Static<(typeof EVENT_DATA_SCHEMAS)[K]>, EventData[K]> }[EventType];

/** Compiles only when every event schema's static type equals its TypeScript type in `types.ts`. */
export type EventSchemasMatchTypes = Assert<DataMatches>;
/** Compiles only when {@link InstanceStatusSchema} equals `InstanceStatus` of `core/status.ts`. */
export type InstanceStatusSchemaMatches = Assert<Equals<Static<typeof InstanceStatusSchema>, InstanceStatus>>;
/** Compiles only when the status tags agree. */
export type StatusStatesMatch = Assert<Equals<(typeof STATES)[number], StatusState>>;
