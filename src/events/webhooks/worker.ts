import type { Logger } from "pino";
import type { DeliveryKey, PendingDelivery, WebhookStore } from "../../store/types.js";
import { retryDelay, type WebhookOptions } from "./options.js";
import { EndpointClient, type AttemptOutcome } from "./sender.js";
import type { Signer } from "./signing.js";
import type { DeliveryWriter } from "./writer.js";

/** A subscription as its worker runs it: plain secrets, in memory only. */
export interface ActiveSubscription {
  id: string;
  instanceId: string | null;
  url: string;
  /** Custom headers, plain. */
  headers: Readonly<Record<string, string>>;
  signer: Signer;
  ordered: boolean;
  maxConcurrency: number;
  failingSince: number | null;
  failureCount: number;
}

/** What a worker needs from the dispatcher. */
export interface WorkerDeps {
  store: WebhookStore;
  writer: DeliveryWriter;
  options: WebhookOptions;
  now: () => number;
  random: () => number;
  logger: Logger;
  /** Called once when the failure streak reaches the disable threshold. */
  onFailing(sub: ActiveSubscription): void;
}

/** A delivery the worker holds in memory. */
export interface Job {
  seq: number;
  eventId: string;
  instanceId: string | null;
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** Epoch ms of the next attempt. */
  nextAt: number;
  /** `idle`: held but not sendable (a follower in ordered mode); `due`: in the send queue; `later`: waiting for `nextAt`. */
  state: "idle" | "due" | "later" | "inflight";
}

/** The jobs of one instance (ordered mode), seq-ascending; only the first is ever sent. */
interface Chain {
  jobs: Job[];
  /** More pending deliveries of this instance may wait in the store after the last job here. */
  tailInDb: boolean;
  /** Set while followers are being loaded: fan-outs arriving meanwhile. */
  loading: Job[] | null;
}

const USER_AGENT = "Switchboard-Webhooks/1";
/** Followers of one instance loaded at once (ordered mode). */
const FOLLOWERS_PAGE = 100;

/** Purged instances a worker remembers (oldest forgotten first); purges are rare. */
const MAX_PURGED_REMEMBERED = 1000;

/** The job of a stored pending delivery. */
export function jobOf(p: PendingDelivery): Job {
  return { seq: p.eventSeq, eventId: p.eventId, instanceId: p.instanceId, body: p.body, attempts: p.attempts, nextAt: p.nextAttemptAt, state: "idle" };
}

/**
 * Delivers the events of one subscription to its endpoint: at most `maxConcurrency` requests at once,
 * on the endpoint's own connections, so a slow endpoint holds up nobody else.
 *
 * The store is the truth; memory holds a bounded window (`windowSize`) of the deliveries being worked
 * on. New deliveries come in from the fan-out in memory (no read back); everything else — a backlog
 * beyond the window, retries after a restart, deliveries requeued by hand — is read from the store
 * by scans (after the writer has flushed, so the store is current). Each result is written through
 * the group-commit writer.
 *
 * Unordered: jobs are sent in seq order as slots free up; a failed job leaves memory and is retried
 * from the store when due (a timer at the earliest due time triggers a scan).
 *
 * Ordered (`ordered: true`): jobs are chained per instance and only the first pending delivery of an
 * instance is ever sent; a failing one is retried in place and holds back that instance's later
 * events only. Every instance with pending deliveries has its chain in memory once the first scan
 * has run (`headsComplete`); followers beyond the window stay in the store (`tailInDb`) and are read
 * when the chain runs dry.
 */
export class EndpointWorker {
  private sub: ActiveSubscription;
  private client: EndpointClient;
  private readonly jobs = new Map<number, Job>();
  /** Sendable jobs, seq-ascending. */
  private due: Job[] = [];
  /** Ordered mode: jobs waiting for `nextAt`. */
  private readonly later = new Set<Job>();
  private readonly chains = new Map<string, Chain>();
  private inflight = 0;
  private stopped = false;
  /** Unordered: due deliveries may wait in the store that are not in memory. */
  private dbOnly = true;
  /** Ordered: every instance with pending deliveries has its chain in memory. */
  private headsComplete = false;
  private scanning = false;
  /** Set during a scan: fan-outs that arrived (re-offered after it) and jobs completed (not reloaded). */
  private scanBuffer: Job[] | null = null;
  private completedDuringScan: Set<number> | null = null;
  private laterTimer: NodeJS.Timeout | null = null;
  private scanTimer: { at: number; handle: NodeJS.Timeout } | null = null;
  private failingReported = false;
  /** Unordered: retries may wait in the store for a later time (after a start, a resync, a failed attempt). */
  private retriesInDb = true;
  /**
   * Counts retries handed to the store (released from memory). A scan clears `retriesInDb` only if
   * none was released while it ran: such a retry may still sit in the writer, unseen by its queries.
   */
  private retriesReleased = 0;
  /** Purged instances (id → the farewell's seq): nothing of theirs before it is sent, whoever hands it in. */
  private readonly purged = new Map<string, number>();
  /** The highest seq ever taken into memory: without retries in the store, what memory lacks lies beyond it. */
  private maxTaken = 0;
  /** Unordered: memory may lack due deliveries below {@link maxTaken} (after a start or resync, until a full scan). */
  private lowIncomplete = true;
  /** Jobs of a purged instance that were in flight when it was forgotten: dropped when they end. */
  private readonly forgotten = new Set<number>();
  /** Deliveries requeued by hand while an attempt of theirs was in flight: that attempt's result must not undo the requeue. */
  private readonly requeuedInFlight = new Set<number>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    sub: ActiveSubscription,
    private readonly deps: WorkerDeps,
  ) {
    this.sub = sub;
    this.client = this.newClient(sub);
  }

  get id(): string {
    return this.sub.id;
  }

  get ordered(): boolean {
    return this.sub.ordered;
  }

  /** Starts with a scan of the store (pending deliveries of a previous run). */
  start(): void {
    this.scan();
  }

  /**
   * New deliveries from the fan-out, seq-ascending, already written (or queued for writing) as
   * pending. Taken into memory when the window has room and nothing of theirs waits in the store;
   * otherwise they stay in the store for a later scan.
   */
  offer(jobs: readonly Job[]): void {
    if (this.stopped) return;
    if (this.scanBuffer) {
      this.scanBuffer.push(...jobs);
      return;
    }
    for (const job of jobs) this.take(job);
    this.pump();
  }

  /** Applies a changed URL, headers, secrets or concurrency to the next attempts (`ordered` needs a new worker). */
  configure(sub: ActiveSubscription): void {
    const urlChanged = sub.url !== this.sub.url || sub.maxConcurrency !== this.sub.maxConcurrency;
    this.sub = { ...sub, failingSince: this.sub.failingSince, failureCount: this.sub.failureCount };
    if (urlChanged) {
      const old = this.client;
      this.client = this.newClient(sub);
      void this.whenIdle().then(() => old.close());
    }
    this.pump();
  }

  /**
   * Forgets what memory holds (but requests in flight) and reads the pending deliveries from the
   * store again: after deliveries were requeued by hand.
   */
  resync(): void {
    if (this.stopped) return;
    for (const job of [...this.jobs.values()]) if (job.state !== "inflight") this.jobs.delete(job.seq);
    this.due = [];
    this.later.clear();
    for (const [key, chain] of this.chains) {
      chain.jobs = chain.jobs.filter((j) => j.state === "inflight");
      chain.tailInDb = true;
      if (chain.jobs.length === 0 && !chain.loading) this.chains.delete(key);
    }
    this.dbOnly = true;
    this.retriesInDb = true;
    this.lowIncomplete = true;
    this.headsComplete = false;
    this.scan();
  }

  /**
   * Makes deliveries pending again from scratch (redelivery): stored in the writer's order (after
   * every result enqueued so far, before any later one), then memory is re-read. An attempt in
   * flight for one of them is recorded when it ends, but the delivery starts over.
   */
  async requeue(rows: readonly DeliveryKey[]): Promise<void> {
    for (const r of rows) if (this.jobs.get(r.eventSeq)?.state === "inflight") this.requeuedInFlight.add(r.eventSeq);
    const now = this.deps.now();
    await this.deps.writer.barrier(async () => {
      await this.deps.store.requeue(rows, now);
    });
    this.resync();
  }

  /**
   * Forgets the deliveries of a purged instance (its events before `beforeSeq`, the farewell's seq):
   * their rows and events are gone, and nothing of the instance may be sent after its deletion.
   * Attempts in flight end normally (their rows are not stored: the events are gone).
   */
  forgetInstance(instanceId: string, beforeSeq: number): void {
    this.purged.set(instanceId, Math.max(beforeSeq, this.purged.get(instanceId) ?? 0));
    if (this.purged.size > MAX_PURGED_REMEMBERED) this.purged.delete(this.purged.keys().next().value as string);
    const ofIt = (j: Job): boolean => j.instanceId === instanceId && j.seq < beforeSeq;
    const gone = (j: Job): boolean => ofIt(j) && j.state !== "inflight";
    for (const j of [...this.jobs.values()]) {
      if (gone(j)) this.jobs.delete(j.seq);
      else if (ofIt(j)) this.forgotten.add(j.seq); // in flight: dropped when it ends
    }
    this.due = this.due.filter((j) => !gone(j));
    for (const j of [...this.later]) if (gone(j)) this.later.delete(j);
    const chain = this.chains.get(this.keyOf(instanceId));
    if (chain) {
      chain.jobs = chain.jobs.filter((j) => !gone(j));
      if (chain.jobs.length === 0 && !chain.loading) this.chains.delete(this.keyOf(instanceId));
    }
  }

  /** Periodic nudge from the dispatcher: scans when the store may hold work. */
  tick(): void {
    if (this.stopped) return;
    this.maybeScan();
    this.pump();
  }

  /**
   * Stops sending. Requests in flight finish and their results are written. Resolves when none is
   * left in flight (or after `graceMs`), with the connections closed.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    if (this.laterTimer) clearTimeout(this.laterTimer);
    if (this.scanTimer) clearTimeout(this.scanTimer.handle);
    this.laterTimer = null;
    this.scanTimer = null;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
    await this.client.close();
  }

  /** Deliveries held in memory and requests in flight (tests, metrics). */
  stats(): { held: number; inflight: number } {
    return { held: this.jobs.size, inflight: this.inflight };
  }

  // ------------------------------------------------------------------ intake

  private keyOf(instanceId: string | null): string {
    return instanceId ?? "";
  }

  private hasRoom(): boolean {
    return this.jobs.size < this.deps.options.windowSize;
  }

  /** One new job from the fan-out (see {@link offer}). */
  private take(job: Job): void {
    if (this.jobs.has(job.seq)) return;
    if (!this.sub.ordered) {
      if (this.dbOnly || !this.hasRoom()) {
        this.dbOnly = true;
        return;
      }
      this.hold(job);
      this.enqueue(job);
      return;
    }
    const key = this.keyOf(job.instanceId);
    const chain = this.chains.get(key);
    if (chain) {
      if (chain.loading) chain.loading.push(job);
      else if (!chain.tailInDb && this.hasRoom()) this.append(chain, job);
      else chain.tailInDb = true;
      return;
    }
    if (this.headsComplete && this.hasRoom()) {
      const c: Chain = { jobs: [], tailInDb: false, loading: null };
      this.chains.set(key, c);
      this.append(c, job);
    } else {
      this.headsComplete = false; // its first delivery now waits in the store
    }
  }

  private hold(job: Job): void {
    this.jobs.set(job.seq, job);
    if (job.seq > this.maxTaken) this.maxTaken = job.seq;
  }

  private append(chain: Chain, job: Job): void {
    this.hold(job);
    chain.jobs.push(job);
    if (chain.jobs.length === 1) this.schedule(job);
  }

  /** Makes a job sendable now or at `nextAt`. */
  private schedule(job: Job): void {
    if (job.state === "inflight") return;
    if (job.nextAt <= this.deps.now()) this.enqueue(job);
    else {
      job.state = "later";
      this.later.add(job);
      this.armLater();
    }
  }

  /** Puts a job into the send queue, keeping seq order. */
  private enqueue(job: Job): void {
    job.state = "due";
    const q = this.due;
    if (q.length === 0 || q[q.length - 1]!.seq < job.seq) {
      q.push(job);
      return;
    }
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid]!.seq < job.seq) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, job);
  }

  private armLater(): void {
    if (this.stopped) return;
    if (this.laterTimer) clearTimeout(this.laterTimer);
    this.laterTimer = null;
    let min = Infinity;
    for (const j of this.later) min = Math.min(min, j.nextAt);
    if (min === Infinity) return;
    this.laterTimer = setTimeout(() => {
      this.laterTimer = null;
      const now = this.deps.now();
      for (const j of [...this.later]) {
        if (j.nextAt <= now) {
          this.later.delete(j);
          this.enqueue(j);
        }
      }
      this.armLater();
      this.pump();
    }, Math.min(Math.max(min - this.deps.now(), 0), 2 ** 31 - 1));
  }

  // ------------------------------------------------------------------ sending

  private pump(): void {
    while (!this.stopped && this.inflight < this.sub.maxConcurrency && this.due.length > 0) {
      const job = this.due.shift()!;
      // A scan that read the store before a purge may still hand in the purged instance's rows.
      if (job.instanceId !== null && job.seq < (this.purged.get(job.instanceId) ?? 0)) {
        if (this.jobs.get(job.seq) === job) this.jobs.delete(job.seq);
        continue;
      }
      this.send(job);
    }
  }

  private send(job: Job): void {
    job.state = "inflight";
    this.inflight++;
    const sub = this.sub;
    const started = this.deps.now();
    const tsSec = Math.floor(started / 1000);
    const headers: Record<string, string> = {
      ...sub.headers,
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": job.eventId,
      "webhook-timestamp": String(tsSec),
      "webhook-signature": sub.signer.sign(job.eventId, tsSec, job.body, started),
    };
    void this.client.post(headers, job.body).then((outcome) => this.complete(job, started, outcome));
  }

  private complete(job: Job, started: number, outcome: AttemptOutcome): void {
    this.inflight--;
    const now = this.deps.now();
    if (this.requeuedInFlight.delete(job.seq)) return this.restart(job, started, outcome, now);
    job.attempts++;
    const delay = outcome.ok ? null : retryDelay(this.deps.options, job.attempts, this.deps.random());
    const state = outcome.ok ? "delivered" : delay === null ? "failed" : "pending";
    job.nextAt = delay === null ? now : now + delay;
    this.deps.writer.result(
      { webhookId: this.sub.id, eventSeq: job.seq, state, attempts: job.attempts, nextAttemptAt: job.nextAt },
      {
        webhookId: this.sub.id,
        eventSeq: job.seq,
        eventId: job.eventId,
        instanceId: job.instanceId,
        attempt: job.attempts,
        ts: started,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        error: outcome.error,
        ok: outcome.ok,
      },
    );
    this.completedDuringScan?.add(job.seq);
    this.track(outcome.ok, started, now);

    if (this.forgotten.delete(job.seq)) {
      this.release(job, false);
    } else if (state === "pending" && this.sub.ordered && !this.stopped && this.jobs.get(job.seq) === job) {
      job.state = "idle";
      this.schedule(job); // still the head: retried in place, holding back its instance only
    } else {
      this.release(job, state === "pending");
    }
    if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    if (this.stopped) return;
    this.maybeScan();
    this.pump();
  }

  /** An attempt of a job requeued meanwhile ended: recorded, and the job starts over (attempt 1, due now). */
  private restart(job: Job, started: number, outcome: AttemptOutcome, now: number): void {
    const attempt = job.attempts + 1;
    job.attempts = 0;
    job.nextAt = now;
    this.deps.writer.result(
      { webhookId: this.sub.id, eventSeq: job.seq, state: "pending", attempts: 0, nextAttemptAt: now },
      { webhookId: this.sub.id, eventSeq: job.seq, eventId: job.eventId, instanceId: job.instanceId, attempt, ts: started, statusCode: outcome.statusCode, latencyMs: outcome.latencyMs, error: outcome.error, ok: outcome.ok },
    );
    if (this.jobs.get(job.seq) === job && !this.stopped) {
      job.state = "idle";
      if (!this.sub.ordered || this.chains.get(this.keyOf(job.instanceId))?.jobs[0] === job) this.schedule(job);
    }
    if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
  }

  /** Drops a finished (or, unordered, retried-later) job from memory. */
  private release(job: Job, retryLater: boolean): void {
    if (this.jobs.get(job.seq) === job) this.jobs.delete(job.seq);
    if (retryLater && !this.stopped) {
      this.retriesInDb = true;
      this.retriesReleased++;
      this.armScan(job.nextAt);
    }
    if (!this.sub.ordered) return;
    const key = this.keyOf(job.instanceId);
    const chain = this.chains.get(key);
    if (!chain) return;
    const i = chain.jobs.indexOf(job);
    if (i >= 0) chain.jobs.splice(i, 1);
    if (this.stopped) return;
    const head = chain.jobs[0];
    if (head) {
      if (head.state === "idle") this.schedule(head);
    } else if (chain.tailInDb) {
      void this.loadFollowers(key, chain);
    } else if (!chain.loading) {
      this.chains.delete(key);
    }
  }

  /** The failure streak: reset by a success; reported once when it reaches the disable threshold. */
  private track(ok: boolean, started: number, now: number): void {
    const sub = this.sub;
    if (ok) {
      if (sub.failingSince === null && sub.failureCount === 0) return;
      sub.failingSince = null;
      sub.failureCount = 0;
      this.failingReported = false;
    } else {
      sub.failingSince ??= started;
      sub.failureCount++;
    }
    this.deps.writer.streak(sub.id, sub.failingSince, sub.failureCount);
    const o = this.deps.options;
    if (!ok && !this.failingReported && sub.failingSince !== null && now - sub.failingSince >= o.disableAfterMs && sub.failureCount >= o.disableAfterAttempts) {
      this.failingReported = true;
      this.deps.onFailing(sub);
    }
  }

  // ------------------------------------------------------------------ reading the store

  private maybeScan(): void {
    if (this.stopped || this.scanning || !this.hasRoom()) return;
    const need = this.sub.ordered ? !this.headsComplete : this.dbOnly && this.jobs.size <= this.deps.options.windowSize / 2;
    if (need) this.scan();
  }

  /** A scan at `at` (epoch ms), unless an earlier one is set. */
  private armScan(at: number): void {
    if (this.stopped || (this.scanTimer && this.scanTimer.at <= at)) return;
    if (this.scanTimer) clearTimeout(this.scanTimer.handle);
    const handle = setTimeout(() => {
      this.scanTimer = null;
      this.dbOnly = true;
      this.maybeScan();
      if (!this.scanning && this.dbOnly) this.armScan(this.deps.now() + this.deps.options.pollIntervalMs);
    }, Math.min(Math.max(at - this.deps.now(), 0), 2 ** 31 - 1));
    this.scanTimer = { at, handle };
  }

  /**
   * Reads what memory lacks from the store, after the writer flushed: unordered, the due pending
   * deliveries in seq order; ordered, the first pending delivery of every instance without a chain.
   * Fan-outs arriving meanwhile are buffered and offered again afterwards; jobs completing meanwhile
   * are not taken back in.
   */
  private scan(): void {
    if (this.scanning || this.stopped) return;
    this.scanning = true;
    this.scanBuffer = [];
    this.completedDuringScan = new Set();
    const releasedBefore = this.retriesReleased;
    const run = async (): Promise<void> => {
      await this.deps.writer.flushed();
      const { store, options } = this.deps;
      if (this.sub.ordered) {
        const limit = this.chains.size + Math.max(options.windowSize - this.jobs.size, 1);
        const heads = await store.heads(this.sub.id, limit);
        for (const p of heads) {
          const key = this.keyOf(p.instanceId);
          if (this.chains.has(key) || this.jobs.has(p.eventSeq) || this.completedDuringScan!.has(p.eventSeq)) continue;
          const c: Chain = { jobs: [], tailInDb: true, loading: null };
          this.chains.set(key, c);
          this.append(c, jobOf(p));
        }
        if (heads.length < limit) this.headsComplete = true;
      } else {
        // In-memory jobs are pending in the store too, so a full window's worth is read and they are
        // skipped. Without retries waiting in the store, only seqs beyond what memory ever took can be
        // missing (a backlog that did not fit), so the read starts there.
        const limit = options.windowSize;
        const now = this.deps.now();
        const low = this.retriesInDb || this.lowIncomplete;
        const rows = await store.pending(this.sub.id, { limit, dueBy: now, afterSeq: low ? 0 : this.maxTaken });
        let all = rows.length < limit;
        for (const p of rows) {
          if (this.jobs.has(p.eventSeq) || this.completedDuringScan!.has(p.eventSeq)) continue;
          if (!this.hasRoom()) {
            all = false;
            break;
          }
          const job = jobOf(p);
          this.hold(job);
          this.enqueue(job);
        }
        if (all) this.dbOnly = false;
        if (low) this.lowIncomplete = !all;
        if (this.retriesInDb) {
          // When the next retry waiting in the store is due (one aggregate over the pending rows: not on every scan).
          const next = await store.nextAttemptAt(this.sub.id, now);
          if (next !== undefined) this.armScan(next);
          else if (this.retriesReleased === releasedBefore) this.retriesInDb = false;
          else this.armScan(now + this.deps.options.pollIntervalMs); // released meanwhile: look again once written
        }
      }
    };
    run()
      .catch((e: unknown) => {
        this.deps.logger.error({ err: e, webhookId: this.sub.id }, "reading pending webhook deliveries failed; retrying");
        if (!this.stopped) this.armScan(this.deps.now() + this.deps.options.pollIntervalMs);
      })
      .finally(() => {
        const buffered = this.scanBuffer ?? [];
        this.scanning = false;
        this.scanBuffer = null;
        this.completedDuringScan = null;
        if (this.stopped) return;
        for (const job of buffered) this.take(job);
        this.pump();
        if (!this.sub.ordered && this.dbOnly && this.hasRoom()) this.armScan(this.deps.now() + this.deps.options.pollIntervalMs);
      });
  }

  /** Ordered: the chain of `key` ran dry while more of its deliveries wait in the store: read the next ones. */
  private async loadFollowers(key: string, chain: Chain): Promise<void> {
    if (chain.loading) return;
    // Nothing of this instance is in flight (its chain is empty), so once the writer has flushed the
    // store holds exactly its pending deliveries.
    chain.loading = [];
    try {
      await this.deps.writer.flushed();
      const limit = Math.min(Math.max(this.deps.options.windowSize - this.jobs.size, 1), FOLLOWERS_PAGE);
      const rows = await this.deps.store.pending(this.sub.id, { limit, instanceId: key === "" ? null : key });
      for (const p of rows) if (!this.jobs.has(p.eventSeq)) this.append(chain, jobOf(p));
      const last = rows[rows.length - 1]?.eventSeq ?? 0;
      chain.tailInDb = rows.length >= limit;
      const arrived = chain.loading;
      chain.loading = null;
      for (const job of arrived) {
        if (job.seq <= last || this.jobs.has(job.seq)) continue;
        if (!chain.tailInDb && this.hasRoom()) this.append(chain, job);
        else chain.tailInDb = true;
      }
    } catch (e) {
      this.deps.logger.error({ err: e, webhookId: this.sub.id }, "reading pending webhook deliveries failed; retrying");
      chain.loading = null;
      chain.tailInDb = true;
      this.headsComplete = false; // the next scan picks the chain's first delivery up again
      if (chain.jobs.length === 0) this.chains.delete(key);
    }
    if (chain.jobs.length === 0 && !chain.tailInDb && !chain.loading && this.chains.get(key) === chain) this.chains.delete(key);
    this.pump();
  }

  // ------------------------------------------------------------------ helpers

  private whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private newClient(sub: ActiveSubscription): EndpointClient {
    return new EndpointClient(sub.url, {
      timeoutMs: this.deps.options.attemptTimeoutMs,
      allowPrivate: this.deps.options.allowPrivateAddresses,
      connections: sub.maxConcurrency,
    });
  }
}
