import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from "fastify";

type Bindings = Record<string, unknown>;
type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
const LEVELS: readonly Level[] = ["fatal", "error", "warn", "info", "debug", "trace"];

/**
 * Fastify `childLoggerFactory` that creates a request's pino child logger only when that request
 * writes a line at an enabled level. Creating a child applies the redaction rules to its bindings,
 * which cost about a tenth of a `GET` (bench/api), and most requests never log.
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions["childLoggerFactory"]> = function (logger, bindings, opts) {
  let child: FastifyBaseLogger | undefined;
  const get = (): FastifyBaseLogger => (child ??= logger.child(bindings as Bindings, opts));
  const enabled = (level: Level): boolean =>
    (logger as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
  const lazy: Record<string, unknown> = {
    silent: () => undefined,
    child: (b: Bindings, o?: object) => get().child(b, o),
  };
  for (const level of LEVELS) {
    lazy[level] = (...args: unknown[]) => {
      if (enabled(level)) (get()[level] as (...x: unknown[]) => void)(...args);
    };
  }
  Object.defineProperty(lazy, "level", {
    get: () => (child ?? logger).level,
    set: (v: string) => {
      get().level = v;
    },
  });
  return lazy as unknown as FastifyBaseLogger;
};

/**
 * Fastify's request log lines, quieter: a completed request is logged at `debug` (method, route
 * pattern, status, response time in ms) instead of an `info` line on arrival and another on
 * completion. Errors keep Fastify's own lines. Headers are never logged, so tokens cannot leak here.
 */
export class GatewayLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    request.log.debug(
      { method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      "request completed",
    );
  }
}
