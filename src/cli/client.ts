/**
 * A small fetch-based client for REST API v1, used by the CLI. It knows the wire conventions (JSON
 * bodies, `Authorization: Bearer`, the error envelope `{ error: { code, message, details?,
 * retryAfterMs? } }`) and nothing about the commands.
 *
 * Failures are typed:
 * - {@link CliApiError}: the gateway answered with a non-2xx status (envelope or not);
 * - {@link GatewayUnreachableError}: no HTTP answer at all (connection refused, DNS, reset);
 * - {@link GatewayTimeoutError}: the request did not finish within the client's time limit.
 *
 * Contract: no message or field produced here ever contains the token, and the base URL is shown
 * without userinfo (see {@link displayUrl}).
 */

/** Error codes for a non-envelope answer, by HTTP status (mirrors the server's mapping). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  429: "RATE_LIMITED",
};

/** The error body of the REST API (`error` member of the envelope). */
export interface ApiErrorBody {
  /** A stable code from the server's catalog (`src/core/errors.ts`); new codes may appear. */
  code: string;
  /** Human-readable and secret-free (the server's contract). */
  message: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
}

/**
 * The gateway answered with a non-2xx status. Fields come from the error envelope; when the answer
 * is not an envelope (a proxy's HTML page, say), `code` is derived from the status
 * (`UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`, …, else `HTTP_ERROR`) and `details.envelope` is false.
 */
export class CliApiError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  /** From the envelope's `retryAfterMs`, else the `Retry-After` header (seconds → ms); undefined if neither. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = "CliApiError";
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.retryAfterMs = body.retryAfterMs;
  }

  /** The envelope as the REST API sends it: `{ error: { code, message, details?, retryAfterMs? } }`. */
  toEnvelope(): { error: ApiErrorBody } {
    const error: ApiErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    if (this.retryAfterMs !== undefined) error.retryAfterMs = this.retryAfterMs;
    return { error };
  }
}

/** No HTTP answer: the gateway is down, the host is wrong, or the connection was cut. */
export class GatewayUnreachableError extends Error {
  /** The base URL, without userinfo. */
  readonly url: string;
  /** The system error code when known (`ECONNREFUSED`, `ENOTFOUND`, …). */
  readonly causeCode: string | undefined;

  constructor(url: string, causeCode: string | undefined, cause?: unknown) {
    super(`cannot reach the gateway at ${url}: is \`switchboard serve\` running?`, { cause });
    this.name = "GatewayUnreachableError";
    this.url = url;
    this.causeCode = causeCode;
  }
}

/** The request got no complete answer within the client's time limit. */
export class GatewayTimeoutError extends Error {
  readonly url: string;
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(`the gateway at ${url} did not answer within ${Math.ceil(timeoutMs / 1000)} s`);
    this.name = "GatewayTimeoutError";
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/** Options of {@link ApiClient}. */
export interface ClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Bearer token; omitted: requests go without `Authorization` (public routes only). */
  token?: string;
  /** Default time limit per request, ms. Default 60 000. */
  timeoutMs?: number;
  /** The fetch implementation (tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body; undefined: no body. */
  body?: unknown;
  /** Time limit of this request, ms (overrides the client's default). */
  timeoutMs?: number;
  /** `Accept` header. Default `application/json`. */
  accept?: string;
}

/** A raw 2xx answer (non-JSON representations such as a QR image). */
export interface RawResponse {
  status: number;
  /** The `Content-Type` header, or "" when absent. */
  contentType: string;
  body: Uint8Array;
}

/** Default per-request time limit, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Network error codes that mean "no gateway answered" (the cause chain of undici's `fetch failed`). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/**
 * `url` without username and password (and without a trailing slash), for messages.
 * Returns the input unchanged when it is not a valid URL.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/**
 * Client for REST API v1. Stateless apart from its options; safe to share.
 * @throws `TypeError` from the constructor when `baseUrl` is not an http(s) URL.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    const base = new URL(opts.baseUrl);
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`the gateway URL must be http(s): ${displayUrl(opts.baseUrl)}`);
    }
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    base.search = "";
    base.hash = "";
    this.baseUrl = base.toString();
    this.#token = opts.token === "" ? undefined : opts.token;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Whether a token is set. */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /**
   * Sends a request and parses the JSON answer (undefined for an empty body).
   * `path` is relative to the base URL (e.g. `/v1/instances`); callers encode path segments.
   * @throws {@link CliApiError} for a non-2xx answer; {@link GatewayUnreachableError};
   *   {@link GatewayTimeoutError}; `CliApiError` with code `BAD_RESPONSE` when a 2xx body is not JSON.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const raw = await this.requestRaw(method, path, opts);
    if (raw.body.byteLength === 0) return undefined as T;
    const text = new TextDecoder().decode(raw.body);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliApiError(raw.status, {
        code: "BAD_RESPONSE",
        message: `the gateway answered ${raw.status} with a body that is not JSON (${raw.contentType || "no content type"})`,
      });
    }
  }

  /**
   * Sends a request and returns the raw 2xx answer (for images and other non-JSON media).
   * @throws the same errors as {@link request}, except `BAD_RESPONSE`.
   */
  async requestRaw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const url = new URL(path.replace(/^\/+/, ""), this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const shown = displayUrl(this.baseUrl);

    let res: Response;
    let bytes: Uint8Array;
    try {
      res = await this.#fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw mapFetchFailure(e, shown, timeoutMs);
    }

    const contentType = res.headers.get("content-type") ?? "";
    if (res.ok) return { status: res.status, contentType, body: bytes };
    throw toApiError(res.status, contentType, bytes, res.headers.get("retry-after"));
  }
}

/** Maps a thrown fetch failure to a typed error. Never throws. */
function mapFetchFailure(e: unknown, url: string, timeoutMs: number): Error {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return new GatewayTimeoutError(url, timeoutMs);
  }
  const code = findCauseCode(e);
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return new GatewayTimeoutError(url, timeoutMs);
  // undici's fetch rejects with `TypeError: fetch failed` for every network failure; anything else
  // (not a TypeError) is a bug and is passed through.
  if ((code !== undefined && UNREACHABLE_CODES.has(code)) || e instanceof TypeError) {
    return new GatewayUnreachableError(url, code, e);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The first system error code in `e`'s cause chain (and AggregateError members), if any. */
function findCauseCode(e: unknown, depth = 0): string | undefined {
  if (depth > 5 || e === null || typeof e !== "object") return undefined;
  const o = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof o.code === "string" && o.code !== "") return o.code;
  if (Array.isArray(o.errors)) {
    for (const inner of o.errors) {
      const c = findCauseCode(inner, depth + 1);
      if (c !== undefined) return c;
    }
  }
  return findCauseCode(o.cause, depth + 1);
}

/**
 * Builds the {@link CliApiError} of a non-2xx answer from its body. Exported for tests.
 * `retryAfterHeader` is the raw `Retry-After` header (seconds), used when the body has no
 * `retryAfterMs`.
 */
export function toApiError(status: number, contentType: string, body: Uint8Array, retryAfterHeader: string | null): CliApiError {
  const headerMs = parseRetryAfter(retryAfterHeader);
  const parsed = parseEnvelope(body);
  if (parsed) {
    if (parsed.retryAfterMs === undefined && headerMs !== undefined) parsed.retryAfterMs = headerMs;
    return new CliApiError(status, parsed);
  }
  const statusText = HTTP_REASONS[status] ?? "";
  const error: ApiErrorBody = {
    code: CODE_BY_STATUS[status] ?? "HTTP_ERROR",
    message: `the gateway answered HTTP ${status}${statusText ? ` ${statusText}` : ""} without a Switchboard error body (${contentType || "no content type"})`,
    details: { envelope: false },
  };
  if (headerMs !== undefined) error.retryAfterMs = headerMs;
  return new CliApiError(status, error);
}

/** The `error` member of a well-formed envelope, or undefined. */
function parseEnvelope(body: Uint8Array): ApiErrorBody | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== "object") return undefined;
  const e = (doc as { error?: unknown }).error;
  if (e === null || typeof e !== "object") return undefined;
  const { code, message, details, retryAfterMs } = e as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  const out: ApiErrorBody = { code, message };
  if (details !== null && typeof details === "object" && !Array.isArray(details)) out.details = details as Record<string, unknown>;
  if (typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) out.retryAfterMs = retryAfterMs;
  return out;
}

/** `Retry-After` in seconds (the only form the gateway sends) → ms; undefined for absent or other forms. */
function parseRetryAfter(v: string | null): number | undefined {
  if (v === null || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v.trim()) * 1000;
}

const HTTP_REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Encodes one path segment (an instance name, an action, a token id). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
