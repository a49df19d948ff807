import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERROR_CATALOG, SwitchboardError, causeChain, err, type ErrorBody, type ErrorCode } from "../core/errors.js";

/** The one REST error envelope: `{ error: { code, message, details?, retryAfterMs? } }`. */
export interface ErrorEnvelope {
  error: ErrorBody;
}

/** Builds the envelope of a {@link SwitchboardError}. */
export function envelope(e: SwitchboardError): ErrorEnvelope {
  return { error: e.toJSON() };
}

/**
 * Fixed, secret-free messages for Fastify's own request errors. Fastify's messages are not echoed
 * as-is: a JSON parser message can quote part of the body, which may hold a secret.
 */
const FASTIFY_ERRORS: Record<string, { status: number; message: string; reason: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: "The body is not valid JSON.", reason: "invalid_json" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: "The body is empty.", reason: "empty_body" },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: "The body is too large.", reason: "body_too_large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    message: "Unsupported Content-Type: send application/json.",
    reason: "unsupported_media_type",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    message: "Content-Length does not match the body.",
    reason: "invalid_content_length",
  },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, message: "The Content-Type header is not valid.", reason: "invalid_content_type" },
  FST_ERR_BAD_URL: { status: 400, message: "The URL is not valid.", reason: "bad_url" },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, message: "A path parameter is too long.", reason: "param_too_long" },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, message: "The request is not valid.", reason: "bad_request" },
};

/** Codes used for a bare 4xx status that carries no Switchboard code. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  429: "RATE_LIMITED",
};

/**
 * Maps anything thrown while handling a request to a {@link SwitchboardError}:
 * - a `SwitchboardError` is kept (its `status` may differ from the catalog's, e.g. 504 for
 *   `LOGOUT_UNCONFIRMED`); the validator compiler already throws `VALIDATION_FAILED` with
 *   `details.issues`;
 * - Fastify's request errors (bad JSON, too large, wrong content type…) become `VALIDATION_FAILED`
 *   with their 4xx status (400/413/415) and `details.reason`;
 * - any other 4xx becomes the code for that status (`VALIDATION_FAILED` by default);
 * - everything else is `INTERNAL` 500 with the catalog's generic message (`unexpected: true`).
 */
export function toSwitchboardError(e: unknown): { error: SwitchboardError; unexpected: boolean } {
  if (e instanceof SwitchboardError) return { error: e, unexpected: false };
  const fe = e as Partial<FastifyError> | null | undefined;
  const code = typeof fe?.code === "string" ? fe.code : undefined;
  const known = code !== undefined ? FASTIFY_ERRORS[code] : undefined;
  if (known) {
    return {
      error: err("VALIDATION_FAILED", { status: known.status, message: known.message, details: { reason: known.reason } }),
      unexpected: false,
    };
  }
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const mapped = CODE_BY_STATUS[status] ?? "VALIDATION_FAILED";
    return { error: err(mapped, { status, message: ERROR_CATALOG[mapped].message }), unexpected: false };
  }
  return { error: err("INTERNAL"), unexpected: true };
}

/** Codes whose 5xx is an expected outcome (the platform or a timeout), logged as a warning. */
const EXPECTED_5XX: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "LOGOUT_UNCONFIRMED",
  "PLATFORM_UNREACHABLE",
  "TIMEOUT",
  "SHUTTING_DOWN",
]);

/**
 * Sends `e` as the envelope with its status. Sets `Retry-After` (whole seconds, rounded up) when
 * `retryAfterMs` is set. Never throws.
 */
export function sendError(reply: FastifyReply, e: SwitchboardError): FastifyReply {
  if (e.retryAfterMs !== undefined) reply.header("retry-after", String(Math.max(0, Math.ceil(e.retryAfterMs / 1000))));
  if (e.code === "UNAUTHENTICATED") reply.header("www-authenticate", 'Bearer realm="switchboard"');
  return reply.code(e.status).type("application/json; charset=utf-8").send(envelope(e));
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (malformed percent-encoding in
 * the URL, an overlong path parameter) leave as the envelope too, instead of Fastify's own shape.
 */
export function frameworkErrorHandler(e: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { error } = toSwitchboardError(e);
  request.log.info({ code: error.code, status: error.status }, "request rejected before routing");
  sendError(reply, error);
}

/**
 * `e` as a {@link SwitchboardError} (see {@link toSwitchboardError}), logged once at its level: an
 * unexpected error with its stack (`error`), an expected 5xx as a warning, any other 5xx as an
 * error, a 4xx as info. Never throws.
 */
export function loggedError(request: FastifyRequest, e: unknown): SwitchboardError {
  const { error, unexpected } = toSwitchboardError(e);
  if (unexpected) {
    request.log.error({ err: e }, "unexpected error while handling a request");
  } else if (error.status >= 500) {
    const level = EXPECTED_5XX.has(error.code) ? "warn" : "error";
    // Our message, and of the `cause` chain only class names and codes: a platform client's messages
    // are not guaranteed to be secret-free (URLs with bot tokens, for one).
    request.log[level]({ code: error.code, status: error.status, reason: error.message, causes: causeChain(error.cause) }, "request failed");
  } else {
    request.log.info({ code: error.code, status: error.status }, "request rejected");
  }
  return error;
}

/**
 * Installs the error handler and the not-found handler on the root instance, so every error —
 * validation, body parsing, auth, rate limit, gateway, or a bug — leaves as the one envelope.
 * Unexpected errors are logged with their stack and answered with a generic 500 `INTERNAL`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((e: unknown, request: FastifyRequest, reply: FastifyReply) => sendError(reply, loggedError(request, e)));

  app.setNotFoundHandler((request, reply) => {
    return sendError(reply, err("NOT_FOUND", { details: { method: request.method } }));
  });
}
