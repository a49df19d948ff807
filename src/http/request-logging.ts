import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from "fastify";

type Bindings = Record<string, unknown>;
type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/**
 * Fastify `childLoggerFactory` that creates a request's pino child logger only when that request
 * writes a line at an enabled level. Creating a child applies the redaction rules to its bindings,
 * which cost about a tenth of a `GET` (bench/api), and most requests never log.
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions["childLoggerFactory"]> = function (logger, bindings, opts) {
  return new LazyChildLogger(logger, bindings as Bindings, opts) as unknown as FastifyBaseLogger;
};

/** One object per request, its methods on the prototype: the child logger is made on first use. */
class LazyChildLogger {
  private made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: object | undefined,
  ) {}
  private get(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.opts as never));
  }
  private write(level: Level, args: unknown[]): void {
    const enabled = (this.parent as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
    if (enabled) (this.get()[level] as (...x: unknown[]) => void)(...args);
  }
  get level(): string {
    return (this.made ?? this.parent).level;
  }
  set level(v: string) {
    this.get().level = v;
  }
  silent(): void {}
  child(b: Bindings, o?: object): FastifyBaseLogger {
    return this.get().child(b, o as never);
  }
  fatal(...args: unknown[]): void {
    this.write("fatal", args);
  }
  error(...args: unknown[]): void {
    this.write("error", args);
  }
  warn(...args: unknown[]): void {
    this.write("warn", args);
  }
  info(...args: unknown[]): void {
    this.write("info", args);
  }
  debug(...args: unknown[]): void {
    this.write("debug", args);
  }
  trace(...args: unknown[]): void {
    this.write("trace", args);
  }
}

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
