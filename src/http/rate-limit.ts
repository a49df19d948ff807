import type { FastifyReply, FastifyRequest } from "fastify";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { err } from "../core/errors.js";
import { isExempt } from "./auth.js";
import type { GateStep } from "./gate.js";

/** A fixed-window budget: `points` requests per `durationMs` milliseconds. */
export interface RateLimitOptions {
  points: number;
  durationMs: number;
}

/** 100 requests per minute per token. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { points: 100, durationMs: 60_000 };

/** The budget left after a request: `remaining` requests until the window resets in `resetMs`. */
export interface Budget {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

/**
 * Per-key request budgets in process memory (`RateLimiterMemory`, fixed window). Not shared between
 * processes: each gateway node limits on its own.
 */
export class RequestRateLimiter {
  private readonly limiter: RateLimiterMemory;
  /** `RateLimit-Policy` header value, e.g. `"default";q=100;w=60`. */
  readonly policyHeader: string;

  /** @throws Error when `points` is not a positive integer or `durationMs` not positive. */
  constructor(readonly opts: RateLimitOptions) {
    if (!Number.isInteger(opts.points) || opts.points < 1) throw new Error("rateLimit.points must be a positive integer");
    if (!(opts.durationMs > 0)) throw new Error("rateLimit.durationMs must be positive");
    this.limiter = new RateLimiterMemory({ points: opts.points, duration: opts.durationMs / 1000 });
    this.policyHeader = `"default";q=${opts.points};w=${Math.max(1, Math.ceil(opts.durationMs / 1000))}`;
  }

  /** Takes one request from `key`'s budget. Never rejects for an exhausted budget: see `allowed`. */
  consume(key: string): Promise<Budget> {
    // `.then` rather than async/await: this runs on every request, and each async layer costs a promise.
    return this.limiter.consume(key, 1).then(
      (res) => ({ allowed: true, remaining: res.remainingPoints, resetMs: res.msBeforeNext }),
      (e: unknown) => {
        if (e instanceof RateLimiterRes) return { allowed: false, remaining: 0, resetMs: e.msBeforeNext };
        throw e;
      },
    );
  }
}

/** Sets the IETF draft (draft-ietf-httpapi-ratelimit-headers) `RateLimit-Policy` and `RateLimit` headers. */
function setHeaders(reply: FastifyReply, limiter: RequestRateLimiter, b: Budget): void {
  reply.header("ratelimit-policy", limiter.policyHeader);
  reply.header("ratelimit", `"default";r=${b.remaining};t=${Math.max(0, Math.ceil(b.resetMs / 1000))}`);
}

/** The budget a request spends: its valid token's id, else its client IP. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.auth ? `token:${request.auth.record.id}` : `ip:${request.ip}`;
}

/**
 * The rate-limit step of the request gate (after authentication and before authorization, so that
 * garbage tokens spend their IP's budget before being refused):
 * - key: the token id for a valid token; `ip:<address>` otherwise;
 * - every limited response carries `RateLimit-Policy` and `RateLimit` (`r` = requests left,
 *   `t` = seconds until the window resets);
 * - over the budget: 429 `RATE_LIMITED` with `retryAfterMs` in the envelope and `Retry-After`
 *   (whole seconds, rounded up);
 * - `/health` and `/ready` (`config.rateLimit: false`) are never limited; routes with
 *   `config.ownRateLimit` (the compat profiles) limit on their own ({@link RequestRateLimiter}).
 */
export function rateLimitStep(opts: RateLimitOptions): GateStep {
  const limiter = new RequestRateLimiter(opts);
  return (request, reply) => {
    if (isExempt(request) || request.routeOptions.config?.ownRateLimit === true) return;
    const key = rateLimitKey(request);
    return limiter.consume(key).then((budget) => {
      setHeaders(reply, limiter, budget);
      if (!budget.allowed) throw err("RATE_LIMITED", { retryAfterMs: Math.max(1, Math.ceil(budget.resetMs)) });
    });
  };
}
