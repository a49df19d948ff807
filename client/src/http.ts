/**
 * The wire layer of the SDK: JSON bodies, `Authorization: Bearer`, the error envelope, time limits.
 * Uses the global `fetch` (Node ≥ 20, browsers, Deno, Bun) unless another is given.
 */
import { GatewayTimeoutError, GatewayUnreachableError, SwitchboardError, type ErrorBody } from "./errors.js";

/** A `fetch`-compatible function (the global one by default; tests or polyfills may pass theirs). */
export type FetchLike = typeof globalThis.fetch;

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080`; a path prefix is kept. */
  url: string;
  /** Bearer token (account or instance). Omitted: no `Authorization` (public routes only). */
  token?: string;
  /** Default time limit per request, ms. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
}

/** Query values; `undefined` is left out, an array is sent comma-separated. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Options of one request. */
export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON body; undefined: no body. */
  body?: unknown;
  /** A multipart/form-data body instead (file uploads); fetch sets its boundary. */
  form?: FormData;
  /** Time limit of this request, ms (overrides the client's default). */
  timeoutMs?: number;
  /** `Accept` header. Default `application/json`. */
  accept?: string;
  /** Extra headers (e.g. `Last-Event-ID`). */
  headers?: Record<string, string>;
  /** `Idempotency-Key` for a POST: a retry with the same key and body answers the first result. */
  idempotencyKey?: string;
  /** Aborts the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
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

/** Error codes for a non-envelope answer, by HTTP status (mirrors the gateway's mapping). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  429: "RATE_LIMITED",
};

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

/** Encodes one path segment (an instance name, an action, an id). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** What {@link HttpClient.open} hands back: a 2xx response whose body has not been read. */
export interface OpenResponse {
  response: Response;
  /** Ends the time limit of the request (call once the headers are in, for a long-lived body). */
  clearTimeout(): void;
}

/**
 * Client for REST API v1. Stateless apart from its options; safe to share.
 * @throws `TypeError` from the constructor when `url` is not an http(s) URL.
 */
export class HttpClient {
  /** The base URL, normalised to end with `/`. */
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: FetchLike;

  constructor(opts: HttpClientOptions) {
    const base = new URL(opts.url);
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`the gateway URL must be http(s): ${displayUrl(opts.url)}`);
    }
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    base.search = "";
    base.hash = "";
    this.baseUrl = base.toString();
    this.#token = opts.token === "" ? undefined : opts.token;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Bound late: a polyfill installed after the client was made still counts.
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Whether a token is set. */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /**
   * Sends a request and parses the JSON answer (undefined for an empty body). `path` is relative to
   * the base URL (e.g. `/v1/instances`); callers encode path segments ({@link seg}).
   * @throws {@link SwitchboardError} for a non-2xx answer, or `BAD_RESPONSE` when a 2xx body is not
   *   JSON; {@link GatewayUnreachableError}; {@link GatewayTimeoutError}; the signal's reason.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const raw = await this.requestRaw(method, path, opts);
    if (raw.body.byteLength === 0) return undefined as T;
    const text = new TextDecoder().decode(raw.body);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SwitchboardError(raw.status, {
        code: "BAD_RESPONSE",
        message: `the gateway answered ${raw.status} with a body that is not JSON (${raw.contentType || "no content type"})`,
      });
    }
  }

  /**
   * Sends a request and returns the raw 2xx answer (images and other non-JSON media).
   * @throws the same errors as {@link request}, except `BAD_RESPONSE`.
   */
  async requestRaw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const open = await this.open(method, path, opts);
    try {
      const body = new Uint8Array(await open.response.arrayBuffer());
      return { status: open.response.status, contentType: open.response.headers.get("content-type") ?? "", body };
    } catch (e) {
      throw this.#failure(e, opts);
    } finally {
      open.clearTimeout();
    }
  }

  /**
   * Sends a request and resolves with the 2xx response once its headers are in, body unread (for
   * streams). The time limit keeps running until `clearTimeout()`.
   * @throws the same errors as {@link requestRaw}.
   */
  async open(method: string, path: string, opts: RequestOptions = {}): Promise<OpenResponse> {
    const url = new URL(path.replace(/^\/+/, ""), this.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      url.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    const headers: Record<string, string> = { accept: opts.accept ?? "application/json", ...opts.headers };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (opts.idempotencyKey !== undefined) headers["idempotency-key"] = opts.idempotencyKey;
    let body: string | FormData | undefined;
    if (opts.form !== undefined) {
      body = opts.form;
    } else if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), timeoutMs);
    const signal = opts.signal ? anySignal([opts.signal, timer.signal]) : timer.signal;
    const clear = (): void => clearTimeout(timeout);
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal });
    } catch (e) {
      clear();
      throw this.#failure(e, opts);
    }
    if (res.ok) return { response: res, clearTimeout: clear };
    try {
      const bytes = new Uint8Array(await res.arrayBuffer());
      throw toApiError(res.status, res.headers.get("content-type") ?? "", bytes, res.headers.get("retry-after"));
    } catch (e) {
      if (e instanceof SwitchboardError) throw e;
      throw this.#failure(e, opts);
    } finally {
      clear();
    }
  }

  /** Maps a thrown fetch/body failure to a typed error (the caller's abort reason passes through). */
  #failure(e: unknown, opts: RequestOptions): unknown {
    if (opts.signal?.aborted) return opts.signal.reason;
    return mapFetchFailure(e, displayUrl(this.baseUrl), opts.timeoutMs ?? this.#timeoutMs);
  }
}

/** A signal aborted when any of `signals` is (`AbortSignal.any` where available). */
function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any.call(AbortSignal, signals);
  const ctl = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      ctl.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => ctl.abort(s.reason), { once: true });
  }
  return ctl.signal;
}

/** Maps a thrown fetch failure to a typed error. Never throws. */
function mapFetchFailure(e: unknown, url: string, timeoutMs: number): Error {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return new GatewayTimeoutError(url, timeoutMs);
  }
  const code = findCauseCode(e);
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return new GatewayTimeoutError(url, timeoutMs);
  // fetch rejects with a TypeError for every network failure (undici: "fetch failed", browsers:
  // "Failed to fetch"); anything else (not a TypeError) is a bug and is passed through.
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
 * Builds the {@link SwitchboardError} of a non-2xx answer from its body. `retryAfterHeader` is the raw
 * `Retry-After` header (seconds or an HTTP date), used when the body has no `retryAfterMs`.
 */
export function toApiError(status: number, contentType: string, body: Uint8Array, retryAfterHeader: string | null): SwitchboardError {
  const headerMs = parseRetryAfter(retryAfterHeader);
  const parsed = parseEnvelope(body);
  if (parsed) {
    if (parsed.retryAfterMs === undefined && headerMs !== undefined) parsed.retryAfterMs = headerMs;
    return new SwitchboardError(status, parsed);
  }
  const statusText = HTTP_REASONS[status] ?? "";
  const error: ErrorBody = {
    code: CODE_BY_STATUS[status] ?? "HTTP_ERROR",
    message: `the gateway answered HTTP ${status}${statusText ? ` ${statusText}` : ""} without a Switchboard error body (${contentType || "no content type"})`,
    details: { envelope: false },
  };
  if (headerMs !== undefined) error.retryAfterMs = headerMs;
  return new SwitchboardError(status, error);
}

/** The `error` member of a well-formed envelope, or undefined. */
function parseEnvelope(body: Uint8Array): ErrorBody | undefined {
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
  const out: ErrorBody = { code, message };
  if (details !== null && typeof details === "object" && !Array.isArray(details)) out.details = details as Record<string, unknown>;
  if (typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) out.retryAfterMs = retryAfterMs;
  return out;
}

/**
 * `Retry-After` → ms: delta-seconds (what the gateway sends), or an HTTP date (proxies) counted from
 * now (never negative); undefined when absent or unreadable.
 */
export function parseRetryAfter(v: string | null): number | undefined {
  if (v === null) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = /[a-z]/i.test(t) ? Date.parse(t) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const HTTP_REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
