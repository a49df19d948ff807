/**
 * The CLI's HTTP client is the SDK's wire layer (`client/src/http.ts`): one client for REST API v1,
 * with the same wire conventions (JSON bodies, `Authorization: Bearer`, the error envelope) and the
 * same typed failures. This module keeps the names the CLI uses:
 * - {@link CliApiError} = the SDK's `SwitchboardError`: the gateway answered with a non-2xx status;
 * - {@link GatewayUnreachableError}: no HTTP answer at all (connection refused, DNS, reset);
 * - {@link GatewayTimeoutError}: the request did not finish within the client's time limit.
 *
 * Contract: no message or field produced here ever contains the token, and the base URL is shown
 * without userinfo (see {@link displayUrl}).
 */
import { HttpClient, type FetchLike } from "../../client/src/http.js";

export {
  DEFAULT_TIMEOUT_MS,
  displayUrl,
  seg,
  toApiError,
  type RawResponse,
  type RequestOptions,
} from "../../client/src/http.js";
export {
  GatewayTimeoutError,
  GatewayUnreachableError,
  SwitchboardError as CliApiError,
  type ErrorBody as ApiErrorBody,
} from "../../client/src/errors.js";

/** Options of {@link ApiClient}. */
export interface ClientOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Bearer token; omitted: requests go without `Authorization` (public routes only). */
  token?: string;
  /** Default time limit per request, ms. Default 60 000. */
  timeoutMs?: number;
  /** The fetch implementation (tests). Default: the global `fetch`. */
  fetch?: FetchLike;
}

/**
 * Client for REST API v1 (the SDK's `HttpClient` with the CLI's option names). Stateless apart from
 * its options; safe to share.
 * @throws `TypeError` from the constructor when `baseUrl` is not an http(s) URL.
 */
export class ApiClient extends HttpClient {
  constructor(opts: ClientOptions) {
    super({ url: opts.baseUrl, token: opts.token, timeoutMs: opts.timeoutMs, fetch: opts.fetch });
  }
}
