/**
 * TypeBox schemas of REST API v1. Request schemas validate (see `validation.ts`); response schemas
 * document (they land in the OpenAPI document and never filter responses).
 */
import { EXPECTED_KEYWORD } from "../core/validation.js";
import { Type, type TSchema } from "@sinclair/typebox";
import { ERROR_CATALOG, type ErrorCode } from "../core/errors.js";
import { INSTANCE_NAME_PATTERN } from "../core/api.js";
import { CONTENT_TYPES, MESSAGE_OPERATIONS } from "../core/messages.js";
import { OutboundContentSchema } from "../events/content-schema.js";
import { InstanceStatusSchema } from "../events/schema.js";

// ───────────────────────────── building blocks ─────────────────────────────

/** Instance names: URL-safe, lower case, 1–63 chars (same rule as the store). */
export const NAME_PATTERN = INSTANCE_NAME_PATTERN;

export const InstanceName = Type.String({
  pattern: NAME_PATTERN,
  minLength: 1,
  maxLength: 63,
  description: "Unique URL-safe instance name: lower-case letters, digits, `_` and `-`, 1–63 chars.",
  [EXPECTED_KEYWORD]: "1–63 lower-case letters, digits, '_' or '-', starting with a letter or digit (e.g. support-desk)",
  examples: ["support-desk"],
});

export const PlatformId = Type.String({
  pattern: NAME_PATTERN,
  minLength: 1,
  maxLength: 63,
  description: "Connector id, e.g. `telegram`, `whatsapp-web`.",
  examples: ["telegram"],
});

const ActionName = Type.String({ pattern: NAME_PATTERN, minLength: 1, maxLength: 63, description: "A declared platform action." });
const TokenId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,128}$", minLength: 1, maxLength: 128, description: "Token id (not the token)." });
const EpochMs = Type.Integer({ minimum: 0, description: "Epoch milliseconds." });
const FreeObject = Type.Record(Type.String(), Type.Unknown());
const LoginMethodSchema = Type.Union(
  (["qr", "pairing_code", "token", "cookies", "key"] as const).map((m) => Type.Literal(m)),
  { description: "Login method." },
);
const WaitState = Type.Union([Type.Literal("awaiting_login"), Type.Literal("connected")], {
  description: "Resolve once the status reaches this state (or a terminal one).",
});
const TimeoutMs = Type.Integer({ minimum: 1, maximum: 300_000, description: "Upper bound for `wait`, ms (default 30 000)." });

// ───────────────────────────── errors ─────────────────────────────

const ErrorCodeSchema = Type.Unsafe<ErrorCode>({
  type: "string",
  enum: Object.keys(ERROR_CATALOG),
  description: "Stable error code from the catalog.",
});

/** `$id` under which the error envelope is registered (`app.addSchema`) and shown in OpenAPI components. */
export const ERROR_ENVELOPE_ID = "ErrorEnvelope";

/** The one error envelope, `{ error: { code, message, details?, retryAfterMs? } }`. */
export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: ErrorCodeSchema,
      message: Type.String({ description: "Human-readable, secret-free." }),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: "Structured context; `issues: [{path, message}]` for VALIDATION_FAILED.",
        }),
      ),
      retryAfterMs: Type.Optional(Type.Integer({ minimum: 0, description: "Retry after this many ms." })),
    }),
  },
  { $id: ERROR_ENVELOPE_ID, description: "Every error response has this shape." },
);

/** Reference to the registered envelope, for response schemas. */
export const ErrorRef = { $ref: `${ERROR_ENVELOPE_ID}#` } as const;

/**
 * Standard error responses for a route: the envelope for every 4xx/5xx. Use as
 * `response: { 200: X, ...errorResponses }`.
 */
export const errorResponses = {
  "4xx": { ...ErrorRef, description: "Client error (see `error.code`)." },
  "5xx": { ...ErrorRef, description: "Server or platform error (see `error.code`)." },
} as const;

// ───────────────────────────── instances ─────────────────────────────

/** The observed status (DESIGN §2), defined with the event model (it is also an event payload). */
export { InstanceStatusSchema };

export const InstanceViewSchema = Type.Object(
  {
    name: InstanceName,
    platform: PlatformId,
    config: FreeObject,
    metadata: FreeObject,
    desired: Type.Union([Type.Literal("running"), Type.Literal("stopped")]),
    status: InstanceStatusSchema,
    hasCredentials: Type.Boolean(),
    logoutPending: Type.Boolean(),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    history: Type.Optional(
      Type.Array(Type.Object({ ts: EpochMs, from: Type.String(), to: Type.String(), reason: Type.String() }), {
        description: "Last status transitions, newest first (single-instance reads only).",
      }),
    ),
  },
  { description: "An instance. Holds no secret except a pending QR/pairing code in `status`." },
);

export const InstanceParams = Type.Object({ name: InstanceName });

export const CreateInstanceBody = Type.Object(
  {
    name: InstanceName,
    platform: PlatformId,
    config: Type.Optional(FreeObject),
    metadata: Type.Optional(FreeObject),
    start: Type.Optional(Type.Boolean({ description: "Also connect (without waiting)." })),
  },
  { additionalProperties: false },
);

export const CreateInstanceResponse = Type.Object({
  instance: InstanceViewSchema,
  token: Type.Union([Type.String(), Type.Null()], {
    description: "The instance token, shown once. `null` on an Idempotency-Key replay (tokens are never stored).",
  }),
});

export const ListInstancesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: "Page size (1–500)." })),
  after: Type.Optional(InstanceName),
  platform: Type.Optional(PlatformId),
});

export const InstancePage = Type.Object({
  items: Type.Array(InstanceViewSchema),
  next: Type.Union([InstanceName, Type.Null()], { description: "Cursor for `after`, or null on the last page." }),
});

// ───────────────────────────── lifecycle verbs ─────────────────────────────

/** `login: { method, ...input }` — the method plus its input fields, flat. */
export const LoginBody = Type.Object(
  { method: LoginMethodSchema },
  { additionalProperties: true, description: "`{ method, ...input }`, e.g. `{ method: \"token\", token: \"…\" }`." },
);

export const ConnectBody = Type.Object(
  { login: Type.Optional(LoginBody), wait: Type.Optional(WaitState), timeoutMs: Type.Optional(TimeoutMs) },
  { additionalProperties: false },
);

export const ConnectQuery = Type.Object({ wait: Type.Optional(WaitState), timeoutMs: Type.Optional(TimeoutMs) });

export const EmptyBody = Type.Object({}, { additionalProperties: false, description: "No fields." });

export const LogoutBody = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: "Wipe even when the platform cannot confirm (`remote: unconfirmed`)." })) },
  { additionalProperties: false },
);

const RemoteOutcome = Type.Union(
  (["revoked", "already_revoked", "not_supported", "unconfirmed"] as const).map((r) => Type.Literal(r)),
);

export const LogoutResponse = Type.Object({
  instance: InstanceName,
  status: Type.Literal("logged_out"),
  remote: RemoteOutcome,
  credentialsWiped: Type.Literal(true),
});

export const DeleteResponse = Type.Object({ instance: InstanceName, deleted: Type.Literal(true), remote: RemoteOutcome });

// ───────────────────────────── login ─────────────────────────────

export const QrQuery = Type.Object({
  format: Type.Optional(
    Type.Union([Type.Literal("json"), Type.Literal("png"), Type.Literal("svg")], {
      description: "Overrides the Accept header.",
    }),
  ),
});

export const QrJson = Type.Object({
  qr: Type.String({ description: "The raw QR string (a secret while valid)." }),
  expiresAt: Type.Union([EpochMs, Type.Null()]),
  attempt: Type.Integer({ minimum: 1 }),
});

export const PairingCodeBody = Type.Object(
  {
    phoneNumber: Type.String({
      pattern: "^\\+?[0-9]{6,15}$",
      description: "Digits, country code first; a leading `+` is allowed.",
      [EXPECTED_KEYWORD]: "a phone number of 6–15 digits, country code first (a leading + is allowed)",
      examples: ["4915123456789"],
    }),
  },
  { additionalProperties: false },
);

export const PairingCodeResponse = Type.Object({ code: Type.String(), expiresAt: Type.Union([EpochMs, Type.Null()]) });

// ───────────────────────────── actions and messages ─────────────────────────────

export const ActionParams = Type.Object({ name: InstanceName, action: ActionName });

export const ActionBody = Type.Unknown({ description: "The action input; see the action's `inputSchema` in `GET /v1/platforms`." });

export const ActionResponse = Type.Object({ result: Type.Unknown() });

const ThreadId = Type.String({ minLength: 1, maxLength: 512, description: "Platform-native chat/thread id (a Telegram chat id, a WhatsApp JID)." });

export const SendMessageBody = Type.Object(
  {
    threadId: ThreadId,
    content: Type.Optional(OutboundContentSchema),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536, description: "Shorthand for `content: {type: \"text\", text: body}`. Give `body` or `content`, not both." })),
    replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "The platform id of a message to quote." })),
  },
  { additionalProperties: false },
);

export const SentMessageSchema = Type.Object({
  messageId: Type.String({ description: "The new message's platform id (for a reaction: the message reacted to)." }),
  threadId: Type.String(),
  timestamp: EpochMs,
});

export const MessageParams = Type.Object({ name: InstanceName, messageId: Type.String({ minLength: 1, maxLength: 512, description: "The platform's message id." }) });

export const EditMessageBody = Type.Object(
  { threadId: ThreadId, text: Type.String({ minLength: 1, maxLength: 65_536, description: "The new text (a media message: its caption)." }) },
  { additionalProperties: false },
);

export const DeleteMessageQuery = Type.Object({ threadId: ThreadId }, { additionalProperties: false });

export const MessageChangeSchema = Type.Object({ messageId: Type.String(), timestamp: EpochMs });

// ───────────────────────────── platforms ─────────────────────────────

const ContentTypeSchema = Type.Union(CONTENT_TYPES.map((t) => Type.Literal(t)));
const OperationSchema = Type.Union(MESSAGE_OPERATIONS.map((o) => Type.Literal(o)));

/** `MessageSupport`: what a platform sends and receives (src/core/messages.ts). */
const MessageSupportSchema = Type.Object(
  {
    send: Type.Array(ContentTypeSchema, { description: "Content types the platform sends." }),
    receive: Type.Array(ContentTypeSchema, { description: "Content types that arrive as `message.received`." }),
    operations: Type.Array(OperationSchema, { description: "reply (quote), edit, delete." }),
    receipts: Type.Array(Type.Union([Type.Literal("delivered"), Type.Literal("read")]), { description: "Delivery states reported as `message.status`." }),
    maxMediaBytes: Type.Integer({ minimum: 0, description: "Largest outbound media file, bytes." }),
    notes: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Why something is missing or differs, by content type, operation or `receipts`." })),
  },
  { description: "What the platform does with messages; the rest is refused with `NOT_SUPPORTED`." },
);

export const PlatformList = Type.Object({
  items: Type.Array(
    Type.Object({
      platform: PlatformId,
      displayName: Type.String(),
      configSchema: Type.Unknown({ description: "JSON Schema of the instance config." }),
      capabilities: Type.Object({
        login: Type.Array(Type.Object({ method: LoginMethodSchema, inputSchema: Type.Optional(Type.Unknown()) })),
        remoteLogout: Type.Boolean(),
        send: Type.Boolean(),
        messages: Type.Optional(MessageSupportSchema),
      }),
      actions: Type.Array(
        Type.Object({
          name: Type.String(),
          description: Type.String(),
          inputSchema: Type.Optional(Type.Unknown()),
          confirm: Type.Optional(Type.Boolean()),
          requiresSession: Type.Optional(Type.Boolean()),
          access: Type.Union([Type.Literal("account"), Type.Literal("instance")], {
            description: "`account`: the account token only (the action changes where the instance's credentials are sent); `instance`: also the instance's own token.",
          }),
        }),
      ),
    }),
  ),
});

// ───────────────────────────── tokens ─────────────────────────────

export const TokenViewSchema = Type.Object({
  id: TokenId,
  scope: Type.Union([Type.Literal("account"), Type.Literal("instance")]),
  instance: Type.Union([InstanceName, Type.Null()]),
  label: Type.String(),
  createdAt: EpochMs,
});

export const TokenParams = Type.Object({ id: TokenId });

export const ListTokensQuery = Type.Object({ instance: Type.Optional(InstanceName) });

export const TokenList = Type.Object({ items: Type.Array(TokenViewSchema) });

export const CreateTokenBody = Type.Object(
  {
    scope: Type.Union([Type.Literal("account"), Type.Literal("instance")]),
    instance: Type.Optional(InstanceName),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false, description: "`instance` is required for, and only allowed with, `scope: instance`." },
);

export const CreateTokenResponse = Type.Object({
  token: Type.Union([Type.String(), Type.Null()], {
    description: "The token, shown once. `null` on an Idempotency-Key replay (tokens are never stored).",
  }),
  record: TokenViewSchema,
});

export const RevokeTokenResponse = Type.Object({ id: TokenId, revoked: Type.Literal(true) });

// ───────────────────────────── health ─────────────────────────────

export const HealthResponse = Type.Object({ status: Type.Literal("ok"), version: Type.String() });
export const ReadyResponse = Type.Object({ status: Type.Literal("ready") });

/** Documentation-only schema for non-JSON bodies. */
export function binary(description: string): TSchema {
  return Type.String({ description, contentEncoding: "binary" });
}
