import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { STATUS_STATES, type StatusState } from "../core/status.js";

/**
 * Prometheus metrics of one gateway, on its own registry (never the global one, so several gateways
 * can live in one process, as in tests). Exposed at `GET /metrics`.
 *
 * - `switchboard_instances{status}` — instances by observed status (gauge, sampled on scrape);
 * - `switchboard_sessions{platform,status}` — the same per platform (gauge, sampled on scrape; only
 *   the pairs that occur);
 * - `switchboard_process_array_buffers_bytes` — memory of ArrayBuffers and Buffers (gauge, bytes,
 *   `process.memoryUsage().arrayBuffers`, sampled on scrape);
 * - `switchboard_verb_duration_seconds{verb,outcome}` — lifecycle verb latency (histogram, s);
 * - `switchboard_reconnects_total{platform,kind}` — session ends by disconnect kind (counter);
 * - `switchboard_http_requests_total{method,route,status}` — REST requests (counter);
 * - `switchboard_intake_entries_total{platform,outcome}` — entries of app-level webhooks: `stored`,
 *   `unknown` (naming no instance of the app: acknowledged, not stored), `ignored` (an instance
 *   without credentials);
 * - default Node.js process metrics with the `switchboard_` prefix (prom-client's: resident memory,
 *   heap used and total per space, external memory, event-loop delay percentiles in s, active
 *   handles, GC durations).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly verbDuration: Histogram<"verb" | "outcome">;
  readonly reconnects: Counter<"platform" | "kind">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly intakeEntries: Counter<"platform" | "outcome">;
  private readonly instances: Gauge<"status">;
  private readonly sessions: Gauge<"platform" | "status">;
  private statusSource: () => Iterable<{ platform: string; state: StatusState }> = () => [];

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "switchboard_" });
    this.verbDuration = new Histogram({
      name: "switchboard_verb_duration_seconds",
      help: "Lifecycle verb latency in seconds",
      labelNames: ["verb", "outcome"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.reconnects = new Counter({
      name: "switchboard_reconnects_total",
      help: "Session ends reported by connectors, by disconnect kind",
      labelNames: ["platform", "kind"],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: "switchboard_http_requests_total",
      help: "REST API requests",
      labelNames: ["method", "route", "status"],
      registers: [this.registry],
    });
    this.intakeEntries = new Counter({
      name: "switchboard_intake_entries_total",
      help: "Entries of app-level webhooks, by outcome (stored, unknown, ignored)",
      labelNames: ["platform", "outcome"],
      registers: [this.registry],
    });
    const statuses = (): Iterable<{ platform: string; state: StatusState }> => this.statusSource();
    this.instances = new Gauge({
      name: "switchboard_instances",
      help: "Instances by observed status",
      labelNames: ["status"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const state of STATUS_STATES) this.set({ status: state }, 0);
        for (const s of statuses()) this.inc({ status: s.state });
      },
    });
    this.sessions = new Gauge({
      name: "switchboard_sessions",
      help: "Instances by platform and observed status",
      labelNames: ["platform", "status"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of statuses()) this.inc({ platform: s.platform, status: s.state });
      },
    });
    new Gauge({
      name: "switchboard_process_array_buffers_bytes",
      help: "Memory allocated for ArrayBuffers and Buffers, bytes",
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage().arrayBuffers);
      },
    });
  }

  /** Sets where the status gauges read instances from on each scrape (the gateway's runtimes). */
  observeStatuses(source: () => Iterable<{ platform: string; state: StatusState }>): void {
    this.statusSource = source;
  }

  /** Times `fn` as verb `verb`; outcome label is `ok` or the error code. Rethrows. */
  async timeVerb<T>(verb: string, fn: () => Promise<T>): Promise<T> {
    const end = this.verbDuration.startTimer({ verb });
    try {
      const r = await fn();
      end({ outcome: "ok" });
      return r;
    } catch (e) {
      end({ outcome: (e as { code?: string }).code ?? "error" });
      throw e;
    }
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
