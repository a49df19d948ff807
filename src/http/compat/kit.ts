import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { err, type SwitchboardError } from "../../core/errors.js";
import { loggedError } from "../errors.js";
import { RequestRateLimiter, rateLimitKey, type RateLimitOptions } from "../rate-limit.js";

/** A profile's answer for one of our errors: the status and the body its contract gives. */
export interface CompatErrorAnswer {
  status: number;
  body: unknown;
}

/** The header that carries our stable error code beside a profile's own error body (the machine part). */
export const ERROR_CODE_HEADER = "x-switchboard-error";

/**
 * Installs on a profile's scope the error handler that answers every error of its routes — the
 * gateway's, validation, body parsing, the profile's own refusals — in the profile's shape
 * (`toAnswer`), with our code in {@link ERROR_CODE_HEADER}, `Retry-After` (whole seconds) when
 * the error has `retryAfterMs` and `WWW-Authenticate` on a 401. Errors are logged like the gateway's own. Never throws.
 */
export function answerErrorsAs(scope: FastifyInstance, toAnswer: (e: SwitchboardError, request: FastifyRequest) => CompatErrorAnswer): void {
  scope.setErrorHandler((e: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = loggedError(request, e);
    const answer = toAnswer(error, request);
    if (error.retryAfterMs !== undefined) reply.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    reply.header(ERROR_CODE_HEADER, error.code);
    if (answer.status === 401) reply.header("www-authenticate", 'Bearer realm="switchboard"');
    return reply.code(answer.status).type("application/json; charset=utf-8").send(answer.body);
  });
}

/**
 * A profile's own request budget (its routes carry `config.ownRateLimit`, so the gateway's budget
 * does not apply to them): an `onRequest` hook for the scope that spends one request of the
 * caller's budget (its token, else its IP; see `rateLimitKey`) and rejects with `RATE_LIMITED`
 * (`retryAfterMs` until the window resets) when it is spent. Sets the IETF draft `RateLimit` headers
 * like the gateway's own limiter.
 * @throws Error when `opts` is invalid (see {@link RequestRateLimiter}).
 */
export function ownBudget(opts: RateLimitOptions, policy: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const limiter = new RequestRateLimiter(opts);
  const policyHeader = limiter.policyHeader.replace('"default"', `"${policy}"`);
  return async (request, reply) => {
    const budget = await limiter.consume(rateLimitKey(request));
    reply.header("ratelimit-policy", policyHeader);
    reply.header("ratelimit", `"${policy}";r=${budget.remaining};t=${Math.max(0, Math.ceil(budget.resetMs / 1000))}`);
    if (!budget.allowed) throw err("RATE_LIMITED", { retryAfterMs: Math.max(1, Math.ceil(budget.resetMs)) });
  };
}
