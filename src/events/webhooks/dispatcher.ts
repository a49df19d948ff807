import type { Logger } from "pino";
import type { EventBus } from "../bus.js";
import { makeEvent } from "../envelope.js";
import type { DeliveryKey, Store, StoredEvent, WebhookRecord } from "../../store/types.js";
import { compileEventFilter, type EventFilter } from "./filter.js";
import type { WebhookOptions } from "./options.js";
import type { WebhookSecrets } from "./secrets.js";
import type { WebhookDisabledData } from "./types.js";
import { EndpointWorker, type ActiveSubscription, type Job } from "./worker.js";
import { DeliveryWriter } from "./writer.js";

/** Outbox events read per page by the fan-out. */
const PAGE = 1000;
/** A cursor with nothing to deliver is stored at least every this many seqs (it only saves re-reading after a restart). */
const CURSOR_PERSIST_EVERY = 5000;
/** Fan-out passes start at most this often, ms: under load a pass takes every event stored meanwhile. */
const PASS_INTERVAL_MS = 2;
/** How often retention runs, ms. */
const PRUNE_EVERY_MS = 10 * 60_000;

/** What the dispatcher needs. */
export interface DispatcherDeps {
  store: Pick<Store, "webhooks" | "instances">;
  secrets: WebhookSecrets;
  bus: EventBus;
  options: WebhookOptions;
  logger: Logger;
  /** Epoch ms. Default `Date.now`. */
  now?: () => number;
  /** [0, 1), for backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/** One enabled subscription being served. */
interface Entry {
  id: string;
  instanceId: string | null;
  filter: EventFilter;
  worker: EndpointWorker;
  /** The last seq fanned out (in memory; written with the next fan-out). */
  cursor: number;
  /** The last cursor handed to the writer. */
  persisted: number;
}

/**
 * Delivers the outbox to webhook subscriptions. The store is the source of truth:
 * - fan-out: reads `events` by seq after each subscription's persisted cursor, matches the
 *   subscription's instance and type filter, and writes pending deliveries with the new cursor
 *   (group-committed), so an event is never skipped, also across a crash;
 * - delivery: one {@link EndpointWorker} per enabled subscription (its own connections, its own
 *   concurrency bound), fed in memory by the fan-out and from the store after a restart or backlog;
 * - wake-ups: every stored event on the bus (low latency), plus a timer every `pollIntervalMs`;
 * - a subscription failing past the threshold is disabled and a `webhook.disabled` event stored in
 *   the same transaction;
 * - retention: attempts older than `retentionMs`, deliveries of events no longer stored.
 */
export class WebhookDispatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly writer: DeliveryWriter;
  private readonly now: () => number;
  private readonly random: () => number;
  private unsubscribe: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Instance name → id, for the instances that exist (the bus carries names; deliveries carry ids). */
  private readonly instanceIds = new Map<string, string>();
  /** Names being looked up (their first event on the bus). */
  private readonly lookingUp = new Set<string>();
  /** Purged instances (id → seq of their `instance.deleted`): whatever a pass or scan read before the purge is not offered. */
  private readonly purged = new Map<string, number>();
  private passRunning = false;
  private passAgain = false;
  private passScheduled = false;
  private lastPass = -Infinity;
  private started = false;
  private stopped = false;
  /** Changes to subscriptions, applied one at a time. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.writer = new DeliveryWriter(deps.store.webhooks, this.now, deps.logger);
  }

  /** Loads the enabled subscriptions, starts their workers and the fan-out. */
  async start(): Promise<void> {
    this.started = true;
    for (const rec of await this.deps.store.webhooks.list()) if (rec.enabled) this.add(rec);
    await this.learnInstances();
    this.unsubscribe = this.deps.bus.subscribe((stored) => this.onEvent(stored));
    this.pollTimer = setInterval(() => this.tick(), this.deps.options.pollIntervalMs);
    this.pollTimer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.wake();
  }

  /**
   * Stops: no more fan-out or new attempts; attempts in flight get up to `graceMs` to finish, and
   * every result so far is written. Pending deliveries stay in the store for the next start.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.changes.catch(() => {});
    await Promise.all([...this.entries.values()].map((e) => e.worker.stop(graceMs)));
    this.entries.clear();
    while (this.passRunning) await new Promise((r) => setTimeout(r, 5));
    await this.writer.close();
  }

  /**
   * Applies a subscription's stored state (after create, update, rotation, delete): starts, updates
   * or stops its worker. Resolves once applied. Does nothing before `start` (which loads every
   * subscription) or after `stop`.
   */
  reload(id: string): Promise<void> {
    if (!this.started || this.stopped) return Promise.resolve();
    return this.serially(async () => {
      const rec = await this.deps.store.webhooks.get(id);
      const entry = this.entries.get(id);
      if (!rec || !rec.enabled) {
        if (entry) await this.remove(entry);
        return;
      }
      if (!entry) {
        this.add(rec);
        this.wake();
        return;
      }
      const sub = this.deps.secrets.activate(rec, this.now());
      if (sub.ordered !== entry.worker.ordered) {
        await this.remove(entry);
        this.add(rec);
        this.wake();
        return;
      }
      entry.filter = compileEventFilter(rec.eventTypes);
      entry.worker.configure(sub);
    });
  }

  /**
   * Requeues deliveries of `id` (redelivery): through its worker when it runs (ordered with the
   * writer's queue and with attempts in flight), else straight in the store.
   */
  async requeue(id: string, rows: readonly DeliveryKey[]): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) await entry.worker.requeue(rows);
    else await this.deps.store.webhooks.requeue(rows, this.now());
  }

  /** Writes everything enqueued so far (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  /** Runs retention once (nothing when `retentionMs` is 0: keep forever). Resolves with the rows deleted. */
  async prune(): Promise<number> {
    if (this.deps.options.retentionMs === 0) return 0;
    try {
      let total = 0;
      for (;;) {
        const n = await this.deps.store.webhooks.prune(this.now() - this.deps.options.retentionMs);
        total += n;
        if (n < 10_000 || this.stopped) return total;
      }
    } catch (e) {
      this.deps.logger.warn({ err: e }, "webhook retention failed");
      return 0;
    }
  }

  // ------------------------------------------------------------------ subscriptions

  private serially(fn: () => Promise<void>): Promise<void> {
    const run = this.changes.then(fn);
    this.changes = run.catch(() => {});
    return run;
  }

  private add(rec: WebhookRecord): void {
    if (this.stopped) return;
    const sub = this.deps.secrets.activate(rec, this.now());
    const entry: Entry = {
      id: rec.id,
      instanceId: rec.instanceId,
      filter: compileEventFilter(rec.eventTypes),
      cursor: rec.cursor,
      persisted: rec.cursor,
      worker: new EndpointWorker(sub, {
        store: this.deps.store.webhooks,
        writer: this.writer,
        options: this.deps.options,
        now: this.now,
        random: this.random,
        logger: this.deps.logger,
        onFailing: (s) => void this.disable(entry, s),
      }),
    };
    this.entries.set(rec.id, entry);
    entry.worker.start();
  }

  private async remove(entry: Entry): Promise<void> {
    if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
    await entry.worker.stop();
  }

  /** Re-reads the subscription list (after an instance purge removed some). */
  private refresh(): Promise<void> {
    return this.serially(async () => {
      const live = new Set((await this.deps.store.webhooks.list()).filter((r) => r.enabled).map((r) => r.id));
      for (const entry of [...this.entries.values()]) if (!live.has(entry.id)) await this.remove(entry);
    });
  }

  /**
   * Disables a subscription whose failure streak reached the threshold, storing `webhook.disabled`
   * (of its instance, or a gateway-level event for a global one) in the same transaction, then
   * publishing it. Its pending deliveries stay; re-enabling resumes them.
   */
  private disable(entry: Entry, sub: ActiveSubscription): Promise<void> {
    return this.serially(async () => {
      if (this.entries.get(entry.id) !== entry || this.stopped) return;
      await this.remove(entry);
      await this.writer.flushed();
      const now = this.now();
      const rec = await this.deps.store.webhooks.get(entry.id);
      const instance = entry.instanceId === null ? undefined : await this.deps.store.instances.getById(entry.instanceId);
      const data: WebhookDisabledData = {
        webhookId: entry.id,
        description: rec?.description ?? "",
        reason: "failing",
        failingSince: sub.failingSince ?? now,
        failedAttempts: sub.failureCount,
      };
      const envelope = makeEvent(
        "webhook.disabled",
        { instance: instance?.name ?? null, platform: instance?.platform ?? null, metadata: instance?.metadata ?? {} },
        data,
        now,
      );
      const stored = await this.deps.store.webhooks.disable(entry.id, "failing", now, { envelope, instanceId: instance?.id ?? null });
      this.deps.logger.warn({ webhookId: entry.id, failingSince: data.failingSince, failedAttempts: data.failedAttempts }, "webhook disabled after failing persistently");
      if (stored) this.deps.bus.emit(stored);
    }).catch((e: unknown) => this.deps.logger.error({ err: e, webhookId: entry.id }, "disabling a failing webhook failed"));
  }

  // ------------------------------------------------------------------ instance deletion

  /** Loads the existing instances' ids (pages of 500). */
  private async learnInstances(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.instances.list({ limit: 500, ...(after !== undefined && { after }) });
      for (const r of page) this.instanceIds.set(r.name, r.id);
      if (page.length < 500) return;
      after = page[page.length - 1]!.name;
    }
  }

  /**
   * Every stored event on the bus: wakes the fan-out. An `instance.deleted` makes the workers forget
   * that instance at once (synchronously when its id is known, which it is once one event of it went
   * by or it existed at start): nothing of it is sent after the deletion returned.
   */
  private onEvent(stored: StoredEvent): void {
    const { type, instance } = stored.envelope;
    if (instance !== null) {
      const id = this.instanceIds.get(instance);
      if (type === "instance.deleted") {
        this.instanceIds.delete(instance);
        if (id !== undefined) this.forgetInstance(id, stored.seq);
        else void this.forgetUnknown(stored);
      } else if (id === undefined) {
        void this.learnInstance(instance);
      }
    }
    this.wake();
  }

  /** Looks the id of a name up once (its first event seen on the bus). */
  private async learnInstance(name: string): Promise<void> {
    if (this.lookingUp.has(name)) return;
    this.lookingUp.add(name);
    try {
      const rec = await this.deps.store.instances.get(name);
      if (rec && !this.purged.has(rec.id)) this.instanceIds.set(name, rec.id);
    } catch (e) {
      this.deps.logger.warn({ err: e, instance: name }, "looking up an instance for webhook delivery failed");
    } finally {
      this.lookingUp.delete(name);
    }
  }

  /** An `instance.deleted` of an instance whose id was not known yet: its id comes from the stored event. */
  private async forgetUnknown(stored: StoredEvent): Promise<void> {
    try {
      const e = await this.deps.store.webhooks.findEvent(stored.envelope.id);
      if (e?.instanceId) this.forgetInstance(e.instanceId, stored.seq);
    } catch (err) {
      this.deps.logger.warn({ err, instance: stored.envelope.instance }, "looking up a deleted instance failed; the fan-out forgets it");
    }
  }

  /**
   * Forgets a purged instance (`seq`: its `instance.deleted`): every worker drops its deliveries held
   * in memory (the results of those in flight are not recorded: their rows are gone), the workers of
   * its own subscriptions stop at once, and later fan-outs skip its earlier events. Idempotent.
   */
  private forgetInstance(instanceId: string, seq: number): void {
    if ((this.purged.get(instanceId) ?? -1) < seq) this.purged.set(instanceId, seq);
    for (const entry of [...this.entries.values()]) {
      entry.worker.forgetInstance(instanceId, seq);
      if (entry.instanceId === instanceId) void this.remove(entry);
    }
  }

  // ------------------------------------------------------------------ fan-out

  private tick(): void {
    if (this.stopped) return;
    for (const e of this.entries.values()) e.worker.tick();
    this.wake();
  }

  /** Runs a fan-out pass soon (coalesced: one pass at a time, another after it when woken meanwhile). */
  private wake(): void {
    if (this.stopped) return;
    if (this.passRunning) {
      this.passAgain = true;
      return;
    }
    if (this.passScheduled) return;
    this.passScheduled = true;
    const run = (): void => {
      this.passScheduled = false;
      void this.pass();
    };
    const wait = this.lastPass + PASS_INTERVAL_MS - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  private async pass(): Promise<void> {
    if (this.passRunning || this.stopped) return;
    this.passRunning = true;
    this.passAgain = false;
    this.lastPass = performance.now();
    let purged = false;
    try {
      const entries = [...this.entries.values()];
      if (entries.length === 0) return;
      let from = Math.min(...entries.map((e) => e.cursor));
      // Every cursor is past these deletions: no pass reads the purged instances' earlier events again.
      for (const [id, seq] of this.purged) if (seq <= from) this.purged.delete(id);
      for (;;) {
        const events = await this.deps.store.webhooks.readEvents(from, PAGE);
        const last = events[events.length - 1];
        if (!last || this.stopped) break;
        const now = this.now();
        for (const entry of entries) {
          if (this.entries.get(entry.id) !== entry || entry.cursor >= last.seq) continue;
          const rows: DeliveryKey[] = [];
          const jobs: Job[] = [];
          for (const e of events) {
            if (e.seq <= entry.cursor) continue;
            if (entry.instanceId !== null && e.instanceId !== entry.instanceId) continue;
            if (!entry.filter.matches(e.type)) continue;
            if (e.instanceId !== null && (this.purged.get(e.instanceId) ?? -1) > e.seq) continue;
            rows.push({ webhookId: entry.id, eventSeq: e.seq, eventId: e.id, instanceId: e.instanceId });
            jobs.push({ seq: e.seq, eventId: e.id, instanceId: e.instanceId, body: e.body, attempts: 0, nextAt: now, state: "idle" });
          }
          entry.cursor = last.seq;
          if (rows.length > 0 || entry.cursor - entry.persisted >= CURSOR_PERSIST_EVERY) {
            this.writer.fanOut(entry.id, entry.cursor, rows);
            entry.persisted = entry.cursor;
          }
          if (jobs.length > 0) entry.worker.offer(jobs);
        }
        for (const e of events) {
          if (e.type !== "instance.deleted" || e.instanceId === null) continue;
          purged = true;
          this.forgetInstance(e.instanceId, e.seq);
        }
        from = last.seq;
        if (events.length < PAGE) break;
      }
    } catch (e) {
      this.deps.logger.error({ err: e }, "webhook fan-out failed; retrying");
    } finally {
      this.passRunning = false;
    }
    if (purged) await this.refresh().catch((e: unknown) => this.deps.logger.error({ err: e }, "reloading webhook subscriptions failed"));
    if (this.passAgain) this.wake();
  }
}
