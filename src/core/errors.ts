/**
 * The one error catalog. Every error Switchboard reports — HTTP envelope, SDK, CLI, events — carries
 * one of these stable codes. Codes never change meaning; new ones may be added.
 *
 * HTTP mapping: `status` is the HTTP status used by the REST API for that code.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: 400, message: "The request is not valid." },
  UNAUTHENTICATED: { status: 401, message: "A valid token is required." },
  FORBIDDEN: { status: 403, message: "This token may not do that." },
  NOT_FOUND: { status: 404, message: "No such route or resource." },
  INSTANCE_NOT_FOUND: { status: 404, message: "No instance has that name." },
  TOKEN_NOT_FOUND: { status: 404, message: "No token has that id." },
  WEBHOOK_NOT_FOUND: { status: 404, message: "No webhook subscription has that id." },
  EVENT_NOT_FOUND: { status: 404, message: "No stored event has that id." },
  WEBHOOK_URL_REFUSED: { status: 400, message: "The webhook URL resolves to an address that is not allowed." },
  URL_REFUSED: { status: 400, message: "The URL resolves to an address that is not allowed." },
  PLATFORM_UNKNOWN: { status: 400, message: "No connector is registered for that platform." },
  ACTION_UNKNOWN: { status: 404, message: "The platform declares no such action." },
  INSTANCE_EXISTS: { status: 409, message: "An instance with that name already exists." },
  INVALID_STATE: { status: 409, message: "The instance is not in a state that allows this." },
  NO_LOGIN_PENDING: { status: 409, message: "The instance is not waiting for a login." },
  LIMIT_REACHED: { status: 409, message: "A limit of this gateway was reached; remove something first." },
  IDEMPOTENCY_IN_FLIGHT: { status: 409, message: "A request with this Idempotency-Key is still being processed." },
  IDEMPOTENCY_MISMATCH: { status: 422, message: "This Idempotency-Key was used with a different request." },
  NOT_SUPPORTED: { status: 422, message: "The platform does not support this." },
  EVENTS_EXPIRED: {
    status: 410,
    message: "The event given as the resume point is unknown or past retention; replay from the oldest event (no `after`) or from a newer id.",
  },
  SLOW_CONSUMER: { status: 408, message: "The event stream's consumer stopped reading; reconnect with the last event id to resume." },
  RATE_LIMITED: { status: 429, message: "Too many requests." },
  PLATFORM_RATE_LIMITED: { status: 429, message: "The platform asked to slow down." },
  PLATFORM_UNREACHABLE: { status: 502, message: "The platform could not be reached." },
  PLATFORM_UNTRUSTED: { status: 502, message: "The server did not prove it is the platform (its certificate does not lead to the trusted root)." },
  LOGOUT_UNCONFIRMED: {
    status: 502,
    message: "The platform could not confirm the logout; credentials were kept. Retry, or pass force: true.",
  },
  TIMEOUT: { status: 504, message: "The operation did not finish in time." },
  SHUTTING_DOWN: { status: 503, message: "The gateway is shutting down." },
  STORAGE_FAILED: { status: 500, message: "The store failed." },
  INTERNAL: { status: 500, message: "Internal error." },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Options for {@link SwitchboardError}. `details` must never contain secrets. */
export interface ErrorOptions {
  /** Overrides the catalog's default message. Must never contain secrets. */
  message?: string;
  /** Structured, secret-free context (field errors, instance name, remote status…). */
  details?: Record<string, unknown>;
  /** When set, the caller may retry after this many milliseconds. */
  retryAfterMs?: number;
  /** HTTP status override (e.g. 504 instead of 502 for LOGOUT_UNCONFIRMED after a timeout). */
  status?: number;
  cause?: unknown;
}

/**
 * The error type thrown across Switchboard. `code` is stable; `status` is the HTTP status;
 * `retryAfterMs` is set when retrying later may succeed.
 */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, opts: ErrorOptions = {}) {
    super(opts.message ?? ERROR_CATALOG[code].message, { cause: opts.cause });
    this.name = "SwitchboardError";
    this.code = code;
    this.status = opts.status ?? ERROR_CATALOG[code].status;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** The wire shape used by the REST API: `{ code, message, details?, retryAfterMs? }`. */
  toJSON(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }
}

/** The `error` member of the REST error envelope `{ error: ErrorBody }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
}

/** Shorthand constructor: `err("INSTANCE_NOT_FOUND", { details: { name } })`. */
export function err(code: ErrorCode, opts?: ErrorOptions): SwitchboardError {
  return new SwitchboardError(code, opts);
}

/** True when `e` is a {@link SwitchboardError}, optionally with the given code. */
export function isSwitchboardError(e: unknown, code?: ErrorCode): e is SwitchboardError {
  return e instanceof SwitchboardError && (code === undefined || e.code === code);
}

/**
 * Thrown by a connector when the platform cannot be reached (network error, timeout, 5xx).
 * The core maps it to `LOGOUT_UNCONFIRMED` during logout and to a transient disconnect elsewhere.
 * `message` must be secret-free.
 */
export class PlatformUnreachableError extends SwitchboardError {
  constructor(message: string, opts: { cause?: unknown; retryAfterMs?: number } = {}) {
    super("PLATFORM_UNREACHABLE", { message, ...opts });
    this.name = "PlatformUnreachableError";
  }
}

/** A secret-free, serialisable description of an error, as stored in statuses and events. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/**
 * Turns anything thrown into an {@link ErrorInfo}. Never throws. Only a {@link SwitchboardError}'s
 * message is kept (those are written to be secret-free); any other error becomes `INTERNAL` with its
 * class name only, because library errors may quote URLs, tokens or cookies.
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof SwitchboardError) return { code: e.code, message: e.message };
  const name = e instanceof Error ? e.name : typeof e;
  return { code: "INTERNAL", message: `Internal error (${name}).` };
}

/** One link of {@link causeChain}: an error's class name and its machine codes, never its message. */
export interface CauseLink {
  /** `Error.name` (e.g. `HttpError`, `FetchError`, `Boom`), or the `typeof` of a thrown non-error. */
  name: string;
  /** `code` when it is a short token (e.g. `ECONNRESET`, `UND_ERR_SOCKET`, `ERR_ADDRESS_REFUSED`, `PLATFORM_UNREACHABLE`). */
  code?: string;
  /** An HTTP status the error carries (`status`, `statusCode`, Boom's `output.statusCode`, grammY's `error_code`). */
  status?: number;
}

/** Longest chain {@link causeChain} follows. */
const MAX_CAUSES = 6;

/**
 * What caused `e`, for a log line that must say why a platform call failed: `e` and each error
 * under it (`cause`, or grammY's `HttpError.error`), as class names and codes only. Messages,
 * stacks and other properties are left out on purpose: a library's message may quote a request URL,
 * and a Bot API URL carries the bot token. At most {@link MAX_CAUSES} links; cycles end the chain.
 * Never throws.
 */
export function causeChain(e: unknown): CauseLink[] {
  const out: CauseLink[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur !== undefined && cur !== null && out.length < MAX_CAUSES && !seen.has(cur)) {
    seen.add(cur);
    if (!(cur instanceof Error)) {
      out.push({ name: typeof cur });
      break;
    }
    const x = cur as Error & { code?: unknown; status?: unknown; statusCode?: unknown; error_code?: unknown; output?: { statusCode?: unknown }; error?: unknown };
    const link: CauseLink = { name: x.name };
    if ((typeof x.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(x.code)) || typeof x.code === "number") link.code = String(x.code);
    const status = [x.status, x.statusCode, x.error_code, x.output?.statusCode].find((s) => typeof s === "number" && Number.isInteger(s));
    if (status !== undefined) link.status = status as number;
    out.push(link);
    cur = x.cause ?? (x.error instanceof Error ? x.error : undefined);
  }
  return out;
}
