import { Agent } from "undici";
import { AddressRefusedError, guardedLookup, refusedLiteral } from "../../net/ssrf.js";

/** What one HTTP attempt gave. */
export interface AttemptOutcome {
  /** True for a 2xx answer. */
  ok: boolean;
  /** The receiver's status; null when no response came. */
  statusCode: number | null;
  /** Secret-free text for a failure (`"HTTP 500"`, `"timeout after 10000 ms"`, `"ECONNREFUSED"`); null on success. */
  error: string | null;
  latencyMs: number;
}

/** Options of {@link EndpointClient}. */
export interface EndpointClientOptions {
  /**
   * Upper bound of one attempt, ms, from sending to the end of the response: a receiver that
   * trickles bytes is cut off too. Each phase (connect, headers, body inactivity) has the same bound.
   */
  timeoutMs: number;
  /** Skip the SSRF guard. */
  allowPrivate: boolean;
  /** Connections to the endpoint, at most (its `maxConcurrency`). */
  connections: number;
}

/** The abort reason of an attempt that ran past `timeoutMs`. */
const ATTEMPT_TIMEOUT = new Error("attempt timeout");

/** Bytes of a response body read (and dropped) so the connection can be reused; more closes it. */
const MAX_DRAIN_BYTES = 64 * 1024;

/**
 * The HTTP side of one endpoint: its own undici connection pool (keep-alive, at most `connections`
 * sockets, the SSRF guard on every connect), so a slow endpoint only ever ties up its own sockets.
 * Redirects are not followed (a 3xx is a failed attempt). Never throws: every failure is an
 * {@link AttemptOutcome}.
 */
export class EndpointClient {
  private readonly agent: Agent;
  /** Attempts in flight with their start (performance.now() ms), for the overall timeout sweep. */
  private readonly inFlight = new Map<AbortController, number>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly origin: string;
  private readonly path: string;
  private readonly refused: AddressRefusedError | null;

  constructor(
    url: string,
    private readonly opts: EndpointClientOptions,
  ) {
    const u = new URL(url);
    this.origin = u.origin;
    this.path = `${u.pathname}${u.search}`;
    this.refused = opts.allowPrivate ? null : refusedLiteral(u);
    this.agent = new Agent({
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: opts.timeoutMs, ...(opts.allowPrivate ? {} : { lookup: guardedLookup }) },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /**
   * POSTs `body` with `headers`. Timeouts: undici's own per phase (connect, response headers, body
   * inactivity), and the whole attempt bounded by `timeoutMs` through one sweep timer per endpoint
   * that runs only while attempts are in flight (no timer per request).
   */
  async post(headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
    const start = performance.now();
    const latency = (): number => Math.round(performance.now() - start);
    if (this.refused) return { ok: false, statusCode: null, error: this.refused.message, latencyMs: 0 };
    const abort = new AbortController();
    this.track(abort, start);
    try {
      const res = await this.agent.request({ origin: this.origin, path: this.path, method: "POST", headers, body, signal: abort.signal });
      // Drained so the connection is reused; the status decides, whatever the body does.
      const drained = await res.body.dump({ limit: MAX_DRAIN_BYTES, signal: abort.signal }).then(
        () => true,
        () => false,
      );
      if (!drained && abort.signal.aborted) throw abort.signal.reason;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}`, latencyMs: latency() };
    } catch (e) {
      const timedOut = abort.signal.reason === ATTEMPT_TIMEOUT || describeTimeout(e) !== undefined;
      return { ok: false, statusCode: null, error: timedOut ? `timeout after ${this.opts.timeoutMs} ms` : describeError(e), latencyMs: latency() };
    } finally {
      this.untrack(abort);
    }
  }

  private track(abort: AbortController, start: number): void {
    this.inFlight.set(abort, start);
    if (this.sweeper) return;
    const every = Math.max(10, Math.min(1000, Math.floor(this.opts.timeoutMs / 4)));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const [a, t] of this.inFlight) if (now - t >= this.opts.timeoutMs) a.abort(ATTEMPT_TIMEOUT);
    }, every);
    this.sweeper.unref();
  }

  private untrack(abort: AbortController): void {
    this.inFlight.delete(abort);
    if (this.inFlight.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Closes the pool; requests in flight are aborted. */
  async close(): Promise<void> {
    for (const a of this.inFlight.keys()) a.abort(new Error("closed"));
    await this.agent.destroy().catch(() => undefined);
  }
}

/** The undici code of a connect, headers or body timeout; else undefined. */
function describeTimeout(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? code : undefined;
}

/**
 * A secret-free description of a failed request: the refusal text of the SSRF guard, a network
 * error's code with Node's message (which names at most the address), or just the error code or
 * class name otherwise (library messages could quote headers).
 */
export function describeError(e: unknown): string {
  const x = e as { code?: unknown; syscall?: unknown; message?: unknown; name?: unknown; cause?: unknown } | null;
  if (e instanceof AddressRefusedError) return e.message;
  if (x?.cause instanceof AddressRefusedError) return x.cause.message;
  const code = typeof x?.code === "string" ? x.code : undefined;
  if (code === "ERR_ADDRESS_REFUSED" && typeof x?.message === "string") return x.message.slice(0, 200);
  if (code && typeof x?.syscall === "string" && typeof x.message === "string") return x.message.slice(0, 200);
  if (code) return code;
  return typeof x?.name === "string" ? x.name : "request failed";
}
