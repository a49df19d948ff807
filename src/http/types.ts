import type { TokenRecord } from "../store/types.js";

/**
 * Who may call a route (set as `config.access` on every route; absent means `public`):
 * - `public`: no token needed (health, readiness, docs, OpenAPI document, unknown routes → 404);
 * - `token`: any valid token (account or instance), e.g. `GET /v1/instances` (filtered) and `GET /v1/platforms`;
 * - `instance`: the account token, or the instance token of the instance named by the `:name` path
 *   parameter. Another instance's name with an instance token is 403 FORBIDDEN whether or not that
 *   instance exists, so instance tokens cannot probe which names are taken;
 * - `account`: the account token only (instance tokens get 403 FORBIDDEN).
 */
export type Access = "public" | "token" | "instance" | "account";

/** The authenticated caller of a request, set by the auth hook. Never holds the token string. */
export interface AuthContext {
  record: TokenRecord;
  /** The name of the token's instance for instance tokens; null for account tokens. */
  instanceName: string | null;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** See {@link Access}. Default `public`. */
    access?: Access;
    /** False for routes that are never rate limited (`/health`, `/ready`). Default true. */
    rateLimit?: boolean;
    /**
     * The route limits requests on its own (a compat profile's budget and its own 429 answer): the
     * gateway's rate-limit step skips it. Tokens are still resolved (`request.auth`).
     */
    ownRateLimit?: boolean;
    /**
     * Fields of the JSON response body that hold a secret, as dotted paths (`token`, `status.qr`).
     * They are stored as `null` in the idempotency store, so an `Idempotency-Key` replay answers them
     * as `null`: a plain token is shown exactly once, and no QR or pairing code is ever stored.
     */
    secretFields?: readonly string[];
  }
  interface FastifyRequest {
    /** The caller, or null when no valid token was presented (or on `/health` and `/ready`). */
    auth: AuthContext | null;
  }
}
