/**
 * Errors of the SDK. Two families, told apart with `instanceof`:
 * - {@link SwitchboardError}: the gateway answered, with a non-2xx status (or a 2xx body that is
 *   not JSON: `BAD_RESPONSE`). Carries the stable `code` of the error envelope.
 * - {@link TransportError}: no usable HTTP answer at all — {@link GatewayUnreachableError}
 *   (connection refused, DNS, reset) or {@link GatewayTimeoutError} (the client's time limit).
 *
 * A caller's own `AbortSignal` rejects with the signal's reason (an `AbortError` DOMException by
 * default), not with one of these. No message or field produced by the SDK contains the token; URLs
 * are shown without userinfo.
 */
import type { ErrorCode } from "../../src/core/errors.js";

/** The `error` member of the REST error envelope `{ error: { code, message, details?, retryAfterMs? } }`. */
export interface ErrorBody {
  /** A stable code from the gateway's catalog; newer gateways may send codes this SDK does not list. */
  code: ErrorCode | (string & {});
  /** Human-readable and secret-free (the gateway's contract). */
  message: string;
  /** Structured, secret-free context (validation `issues`, instance name, current status…). */
  details?: Record<string, unknown>;
  /** When set, retrying after this many milliseconds may succeed. */
  retryAfterMs?: number;
}

/**
 * The gateway answered with an error. `code` is the stable code of the envelope (e.g.
 * `INSTANCE_NOT_FOUND`, `RATE_LIMITED`, `LOGOUT_UNCONFIRMED`). When the answer is not an envelope
 * (a proxy's HTML page), `code` is derived from the status (`UNAUTHENTICATED`, `FORBIDDEN`,
 * `NOT_FOUND`, `RATE_LIMITED`, `VALIDATION_FAILED`, else `HTTP_ERROR`) and `details.envelope` is
 * false. A 2xx body that is not JSON gives `BAD_RESPONSE`.
 */
export class SwitchboardError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  readonly code: ErrorBody["code"];
  readonly details: Record<string, unknown> | undefined;
  /** From the envelope's `retryAfterMs`, else the `Retry-After` header (→ ms); undefined if neither. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "SwitchboardError";
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.retryAfterMs = body.retryAfterMs;
  }

  /** The envelope's `error` member: `{ code, message, details?, retryAfterMs? }`. */
  toJSON(): ErrorBody {
    const error: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    if (this.retryAfterMs !== undefined) error.retryAfterMs = this.retryAfterMs;
    return error;
  }

  /** The envelope as the REST API sends it: `{ error: { code, message, details?, retryAfterMs? } }`. */
  toEnvelope(): { error: ErrorBody } {
    return { error: this.toJSON() };
  }
}

/** No usable HTTP answer: the base class of {@link GatewayUnreachableError} and {@link GatewayTimeoutError}. */
export class TransportError extends Error {
  /** The gateway's base URL, without userinfo. */
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
    this.url = url;
  }
}

/** No HTTP answer: the gateway is down, the host is wrong, or the connection was cut. */
export class GatewayUnreachableError extends TransportError {
  /** The system error code when known (`ECONNREFUSED`, `ENOTFOUND`, …; Node only). */
  readonly causeCode: string | undefined;

  constructor(url: string, causeCode: string | undefined, cause?: unknown) {
    super(url, `cannot reach the gateway at ${url}: is \`switchboard serve\` running?`, { cause });
    this.name = "GatewayUnreachableError";
    this.causeCode = causeCode;
  }
}

/** The request got no complete answer within the client's time limit (`timeoutMs`). */
export class GatewayTimeoutError extends TransportError {
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(url, `the gateway at ${url} did not answer within ${Math.ceil(timeoutMs / 1000)} s`);
    this.name = "GatewayTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** True when `e` is a {@link SwitchboardError}, optionally with the given code. */
export function isSwitchboardError(e: unknown, code?: ErrorBody["code"]): e is SwitchboardError {
  return e instanceof SwitchboardError && (code === undefined || e.code === code);
}
