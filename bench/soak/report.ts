/**
 * The soak's figures and how they are judged: samples, least-squares slopes over the second half,
 * the targets of docs/benchmarks.md ("bench/soak"), and the Markdown summary printed at the end.
 */

/** One sample of the gateway process (bytes; event-loop delay in ms since the previous sample). */
export interface Sample {
  /** Seconds since the gateway process started. */
  atS: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Open handles by kind (`process.getActiveResourcesInfo()`). */
  handles: Record<string, number>;
}

/** End-to-end counts: texts sent into the platform / out through the gateway, and what arrived. */
export interface Counts {
  /** Inbound: written by a contact or user (the sandbox accepted it). */
  inSent: number;
  /** Inbound texts that reached the webhook receiver as `message.received`. */
  inReceived: number;
  inLost: number;
  inDuplicated: number;
  /** Outbound: `POST /v1/instances/:name/messages` answered 2xx. */
  outAccepted: number;
  /** Outbound sends refused or failed (non-2xx): the caller knows, so they are not "lost". */
  outFailed: number;
  /** Accepted outbound texts found at the sandbox (a phone's contact, a user's chat). */
  outDelivered: number;
  outLost: number;
  outDuplicated: number;
  /** Webhook deliveries of an event id already delivered (at-least-once retries). */
  webhookRedeliveries: number;
}

export interface SoakReport {
  commit: string;
  node: string;
  startedAt: string;
  durationS: number;
  whatsapp: number;
  telegram: number;
  ratePerInstance: number;
  loadBefore: number[];
  loadAfter: number[];
  /** Event-loop delay during the set-up (linking every instance and the settle pause; ms), kept apart from the samples. */
  setupLoop: { p99Ms: number; maxMs: number; seconds: number };
  samples: Sample[];
  slopesMbPerMin: Record<"rss" | "heapUsed" | "heapTotal" | "external" | "arrayBuffers", number>;
  loopP99MaxMs: number;
  counts: Counts;
  connectedAtEnd: number;
  instances: number;
  settled: { rss: number; heapUsed: number; external: number; arrayBuffers: number } | null;
  targets: Record<string, { want: string; got: string; ok: boolean }>;
}

/** Least-squares slope of `y` over `x` (units of y per unit of x); 0 with fewer than two points. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Slopes in MB per minute over the samples of the second half of the traffic (`from`…`to`, s). */
export function secondHalfSlopes(samples: readonly Sample[], fromS: number, toS: number): SoakReport["slopesMbPerMin"] {
  const mid = fromS + (toS - fromS) / 2;
  const half = samples.filter((s) => s.atS >= mid && s.atS <= toS);
  const mbPerMin = (k: keyof SoakReport["slopesMbPerMin"]): number => slope(half.map((s) => [s.atS / 60, s[k] / 2 ** 20] as const));
  return { rss: mbPerMin("rss"), heapUsed: mbPerMin("heapUsed"), heapTotal: mbPerMin("heapTotal"), external: mbPerMin("external"), arrayBuffers: mbPerMin("arrayBuffers") };
}

/** The targets (docs/benchmarks.md): memory levels off, a healthy loop, nothing lost or doubled, everyone connected. */
export function judge(r: Omit<SoakReport, "targets">): SoakReport["targets"] {
  const mb = (x: number): string => `${x.toFixed(2)} MB/min`;
  return {
    rssSlope: { want: "≤ 1 MB/min", got: mb(r.slopesMbPerMin.rss), ok: r.slopesMbPerMin.rss <= 1 },
    heapUsedSlope: { want: "≤ 1 MB/min", got: mb(r.slopesMbPerMin.heapUsed), ok: r.slopesMbPerMin.heapUsed <= 1 },
    loopP99: { want: "< 50 ms throughout", got: `${r.loopP99MaxMs.toFixed(1)} ms (worst 15 s window)`, ok: r.loopP99MaxMs < 50 },
    lost: { want: "0", got: String(r.counts.inLost + r.counts.outLost), ok: r.counts.inLost + r.counts.outLost === 0 },
    duplicated: { want: "0", got: String(r.counts.inDuplicated + r.counts.outDuplicated), ok: r.counts.inDuplicated + r.counts.outDuplicated === 0 },
    connected: { want: `${r.instances}`, got: String(r.connectedAtEnd), ok: r.connectedAtEnd === r.instances },
  };
}

/** The Markdown summary of a report. */
export function markdown(r: SoakReport): string {
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  const first = r.samples[0];
  const last = r.samples.at(-1);
  const lines = [
    `### bench/soak — ${r.whatsapp} WhatsApp Web + ${r.telegram} Telegram, ${r.ratePerInstance}/s in and out per instance, ${Math.round(r.durationS / 60)} min`,
    "",
    `commit ${r.commit}, Node ${r.node}, started ${r.startedAt}, load average before ${r.loadBefore.map((l) => l.toFixed(2)).join(" / ")}, after ${r.loadAfter.map((l) => l.toFixed(2)).join(" / ")}`,
    "",
    "| target | want | got | |",
    "|---|---|---|---|",
    ...Object.entries(r.targets).map(([k, t]) => `| ${k} | ${t.want} | ${t.got} | ${t.ok ? "met" : "**not met**"} |`),
    "",
    `Memory (MB): RSS ${first ? mb(first.rss) : "?"} → ${last ? mb(last.rss) : "?"}, heap used ${first ? mb(first.heapUsed) : "?"} → ${last ? mb(last.heapUsed) : "?"}, heap total ${first ? mb(first.heapTotal) : "?"} → ${last ? mb(last.heapTotal) : "?"}` +
      (r.settled ? `; after the traffic and a full GC: RSS ${mb(r.settled.rss)}, heap used ${mb(r.settled.heapUsed)}, array buffers ${mb(r.settled.arrayBuffers)}` : ""),
    `Slopes over the second half (MB/min): RSS ${r.slopesMbPerMin.rss.toFixed(2)}, heap used ${r.slopesMbPerMin.heapUsed.toFixed(2)}, heap total ${r.slopesMbPerMin.heapTotal.toFixed(2)}, external ${r.slopesMbPerMin.external.toFixed(2)}, array buffers ${r.slopesMbPerMin.arrayBuffers.toFixed(2)}`,
    `Messages: in ${r.counts.inSent} sent, ${r.counts.inReceived} received (lost ${r.counts.inLost}, duplicated ${r.counts.inDuplicated}); out ${r.counts.outAccepted} accepted, ${r.counts.outFailed} failed, ${r.counts.outDelivered} delivered (lost ${r.counts.outLost}, duplicated ${r.counts.outDuplicated}); webhook redeliveries ${r.counts.webhookRedeliveries}`,
    `Connected at the end: ${r.connectedAtEnd} of ${r.instances}`,
    `Set-up (${r.setupLoop.seconds.toFixed(0)} s, before the traffic and the samples): loop p99 ${r.setupLoop.p99Ms.toFixed(1)} ms, max ${r.setupLoop.maxMs.toFixed(1)} ms`,
  ];
  return lines.join("\n");
}
