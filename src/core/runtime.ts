import type { Logger } from "pino";
import type { EventBus } from "../events/bus.js";
import { makeEvent } from "../events/envelope.js";
import type { EventEnvelope } from "../events/types.js";
import type { Metrics } from "../observability/metrics.js";
import type { HistoryEntry, InstancePatch, InstanceRecord, LogoutIntent, Store, StoredEvent } from "../store/types.js";
import type { Clock } from "./clock.js";
import type { Connector, Credentials, LoginRequest, OutboundNet, RemoteContext, Session, SessionContext, SessionHost } from "./connector.js";
import type { CredentialStore } from "./credentials.js";
import { SwitchboardError, err, toErrorInfo } from "./errors.js";
import type { ReconnectPolicy } from "./reconnect.js";
import { SerialQueue } from "./serial.js";
import { isLive, withoutLoginSecrets, type DesiredState, type InstanceStatus, type RemoteLogoutOutcome, type StatusState } from "./status.js";
import { StatusPublisher, type Publication } from "./status-publisher.js";
import { TimeoutError, withTimeout } from "./timeout.js";
import { transition, type LifecycleInput, type LifecycleState } from "./transitions.js";

/** The steps of a logout, in order; a test hook may pause at each (crash-recovery tests). */
export type LogoutStep = "intent_stored" | "remote_done" | "session_closed" | "wiped";

/** Test and extension hooks. Awaited; a hook that never resolves pauses the logout there. */
export interface RuntimeHooks {
  logoutStep?(instance: string, step: LogoutStep): Promise<void> | void;
}

/** Time limits of the runtime, ms. */
export interface RuntimeTimeouts {
  /**
   * Upper bound for one call to the platform that a verb waits for: the remote half of a logout, a
   * platform action, a send, a pairing-code request, a pushed webhook's intake. Default 10 000.
   */
  platformCallMs: number;
  /** Upper bound for closing one session. Default 5 000. */
  closeMs: number;
}

/** What every {@link InstanceRuntime} of a gateway shares. */
export interface RuntimeDeps {
  store: Store;
  credentials: CredentialStore;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  random: () => number;
  policy: ReconnectPolicy;
  timeouts: RuntimeTimeouts;
  historyKeep: number;
  hooks: RuntimeHooks;
  /** The gateway's public base URL (no trailing slash), for platform webhooks; null when it has none. */
  publicUrl: string | null;
  /** The SSRF policy handed to connectors. */
  net: OutboundNet;
}

/**
 * The live side of one instance: its lifecycle state, its session, its timers. Every state change
 * runs under the instance's {@link SerialQueue} — verbs and connector reports never interleave — and
 * goes through the pure {@link transition} function; this class only carries out the effects.
 */
export class InstanceRuntime {
  /** Verbs and connector reports of this instance run here, one at a time. */
  readonly queue = new SerialQueue();
  /**
   * Writes of a session (credentials, received events with their cursor) and the wipe run here, so a
   * late write can never follow a wipe.
   */
  private readonly credsQueue = new SerialQueue();
  private state: LifecycleState;
  private session: Session | null = null;
  /** Bumped whenever the session is replaced or ended; reports carrying an older value are ignored. */
  private generation = 0;
  private retryTimer: unknown = null;
  private pendingLogin: LoginRequest | null = null;
  /** Set by {@link shutdown}: no session is opened afterwards. */
  private shutDown = false;
  /** Pending {@link waitFor} calls: `check` after every change; `end` when the instance is purged. */
  private readonly waiters = new Set<{ check: () => void; end: () => void }>();
  private readonly publisher: StatusPublisher;
  private readonly log: Logger;

  /**
   * @param credentialsPresent whether the store holds credentials for this instance now.
   * @param history the stored transitions, newest first.
   *
   * From then on the runtime keeps both in step itself: it is the only writer of this instance's
   * credentials and history, so views are served from memory and the store is the durable copy.
   */
  constructor(
    private record: InstanceRecord,
    private readonly connector: Connector,
    private readonly deps: RuntimeDeps,
    private credentialsPresent: boolean,
    private readonly history: HistoryEntry[] = [],
  ) {
    this.state = { desired: record.desired, status: record.status, failures: 0, restarts: 0 };
    this.log = deps.logger.child({ instance: record.name, platform: record.platform });
    // A publication the debounce window released later is stored on its own (its status already is).
    this.publisher = new StatusPublisher(record.status, deps.clock, deps.policy.debounceMs, (status, previous) => {
      void this.queue
        .run(() => this.storeEvents([this.statusEvent({ status, previous })]))
        .catch((e: unknown) => this.log.error({ err: toErrorInfo(e) }, "could not store a debounced status event"));
    });
  }

  get id(): string {
    return this.record.id;
  }
  get name(): string {
    return this.record.name;
  }
  get status(): InstanceStatus {
    return this.state.status;
  }
  get desired(): "running" | "stopped" {
    return this.state.desired;
  }
  /** Whether the instance holds credentials (kept in step with every write and wipe). */
  get hasCredentials(): boolean {
    return this.credentialsPresent;
  }
  /** The last status transitions, newest first (at most `historyKeep`). */
  recentHistory(): HistoryEntry[] {
    return [...this.history];
  }
  /** The stored record as last written (config, metadata, intent). */
  get current(): InstanceRecord {
    return this.record;
  }

  // ---------------------------------------------------------------- verbs (each takes the queue)

  /**
   * The `connect` verb: desired = running, opens a session unless one is live. Idempotent;
   * concurrent calls share one session.
   * @param decideLogin called under the queue with whether credentials exist now; returns the login
   *   to start when there are none (or null), or throws (`VALIDATION_FAILED`, `INVALID_STATE`).
   * @param restart close the current session first (the `restart` verb), in the same queue turn.
   * @throws `INVALID_STATE` while a logout is pending; `SHUTTING_DOWN` after shutdown.
   */
  connect(decideLogin: (hasCredentials: boolean) => LoginRequest | null, restart = false): Promise<void> {
    return this.queue.run(async () => {
      if (this.shutDown) throw err("SHUTTING_DOWN");
      if (this.record.logoutIntent) throw err("INVALID_STATE", { message: "A logout of this instance is in progress." });
      const login = decideLogin(this.credentialsPresent);
      if (restart) await this.apply({ type: "close" }, "restart");
      if (login) this.pendingLogin = login;
      await this.apply({ type: "connect" }, restart ? "restart" : "connect");
    });
  }

  /** The `close` verb: desired = stopped, ends the local session, keeps credentials. Idempotent. */
  close(): Promise<void> {
    return this.queue.run(() => this.apply({ type: "close" }, "close").then(() => undefined));
  }

  /**
   * Closes the session for a graceful shutdown; `desired` is kept so boot restores the instance.
   * Never logs out. Never throws.
   */
  shutdown(): Promise<void> {
    return this.queue
      .run(async () => {
        this.shutDown = true;
        await this.apply({ type: "shutdown" }, "shutdown");
        const held = this.publisher.flush();
        if (held) await this.storeEvents([this.statusEvent(held)]);
      })
      .catch((e: unknown) => this.log.error({ err: toErrorInfo(e) }, "shutdown failed"));
  }

  /**
   * The `logout` verb (DESIGN §2 rules 2–3), under the instance queue:
   * 1. the intent is stored; 2. the platform is asked to end the session (bounded by `platformCallMs`);
   * 3. the session is closed; 4. credentials are wiped and verified; 5. `logged_out`, intent cleared.
   * A stored intent found on boot resumes at the step it reached (`resumed: true`).
   *
   * @param force wipe even when the platform cannot confirm (`remote: "unconfirmed"`).
   * @param resumed finishing a logout found on boot: nobody is left to receive an error, so an
   *   unreachable platform is handled as if forced.
   * @throws `LOGOUT_UNCONFIRMED` (502; 504 after the timeout) when not forced and the platform cannot
   *   confirm; credentials, session and status are then left as they were.
   */
  logout(opts: { force: boolean; purge?: boolean; resumed?: boolean }): Promise<RemoteLogoutOutcome> {
    return this.queue.run(() => this.runLogout(opts));
  }

  /**
   * Runs a platform action under the instance queue, bounded by `platformCallMs`. A `config` patch in the
   * answer is checked by `validateConfig`, stored, and a live session is restarted with it.
   * @returns the action's `result`.
   * @throws what the connector throws; `TIMEOUT` when it does not answer in time.
   */
  runAction(name: string, input: unknown, validateConfig: (config: Record<string, unknown>) => Promise<Record<string, unknown>>): Promise<unknown> {
    const run = this.connector.runAction;
    if (!run) throw err("NOT_SUPPORTED");
    return this.queue.run(async () => {
      const credentials = await this.deps.credentials.get(this.record.id);
      const answer = await this.remote(credentials, this.liveSession(), (ctx) => run.call(this.connector, name, input, ctx)).catch((e: unknown) => {
        if (e instanceof TimeoutError) throw err("TIMEOUT", { details: { action: name } });
        throw e;
      });
      if (answer.config) {
        try {
          const config = await validateConfig({ ...this.record.config, ...answer.config });
          await this.updateRecord({ config });
        } finally {
          // The action's platform call took effect (a logOut may hold the live session's end back
          // until it is closed): the session restarts on the config now stored, whether or not the
          // new one could be stored, and reports from there.
          if (isLive(this.state.status)) {
            await this.apply({ type: "close" }, `action ${name}: config changed`);
            await this.apply({ type: "connect" }, `action ${name}: config changed`);
          }
        }
      }
      return answer.result;
    });
  }

  /** The live session when connected (for send, pairing code). */
  liveSession(): Session | null {
    return isLive(this.state.status) ? this.session : null;
  }

  /**
   * Resolves once `done(status)` holds (checked now and after every change), or rejects with
   * `TIMEOUT` (details: the current status state) after `timeoutMs`, or with `INSTANCE_NOT_FOUND`
   * as soon as the instance is purged ({@link dispose}).
   */
  waitFor(done: (s: InstanceStatus) => boolean, timeoutMs: number): Promise<InstanceStatus> {
    if (done(this.state.status)) return Promise.resolve(this.state.status);
    return new Promise((resolve, reject) => {
      const waiter = {
        check: (): void => {
          if (!done(this.state.status)) return;
          cleanup();
          resolve(this.state.status);
        },
        end: (): void => {
          cleanup();
          reject(err("INSTANCE_NOT_FOUND", { details: { name: this.record.name } }));
        },
      };
      const timer = this.deps.clock.setTimeout(() => {
        cleanup();
        reject(err("TIMEOUT", { details: { status: this.state.status.state } }));
      }, timeoutMs);
      const cleanup = (): void => {
        this.deps.clock.clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Stops timers, ignores every later report and ends pending {@link waitFor} calls (the instance is
   * being purged). Idempotent.
   */
  dispose(): void {
    this.clearRetry();
    this.generation++;
    this.session = null;
    for (const w of [...this.waiters]) w.end();
  }

  // ---------------------------------------------------------------- the state machine driver

  /**
   * Feeds one input to {@link transition}, stores and publishes the result, then carries out the
   * effects in order. Runs under the queue. `patch` is written in the same update as the status, and
   * the events describing the change (`instance.status`, `instance.qr`, `instance.pairing_code`, and
   * `extra`) are appended to the outbox in that same transaction, then emitted on the bus.
   */
  private async apply(input: LifecycleInput, reason: string, patch: InstancePatch = {}, extra: readonly EventEnvelope[] = []): Promise<void> {
    const prev = this.state;
    const r = transition(prev, input, {
      now: this.deps.clock.now(),
      random: this.deps.random(),
      policy: this.deps.policy,
    });
    if (!r.changed && Object.keys(patch).length === 0) return;
    const statusChanged = r.state.status !== prev.status;
    const plan = statusChanged ? this.publisher.plan(r.state.status) : null;
    const events = [
      ...(plan?.now ? [this.statusEvent(plan.now, r.state.desired)] : []),
      ...(statusChanged && input.type === "login_step" ? this.loginStepEvents(r.state.status) : []),
      // A revocation by the platform: stored with the `logged_out` status. The wipe follows at once,
      // and a boot finds a `logged_out` instance that still holds credentials and wipes it first.
      ...(r.effects.some((e) => e.type === "wipe_credentials") ? [this.loggedOutEvent("remote", "revoked")] : []),
      ...extra,
    ];
    // Stored first: when the store fails, the verb fails and nothing in memory has moved.
    if (statusChanged || r.state.desired !== prev.desired || Object.keys(patch).length > 0 || events.length > 0) {
      const { record, stored } = await this.deps.store.instances.updateWithEvents(
        this.record.id,
        { ...patch, desired: r.state.desired, status: withoutLoginSecrets(r.state.status) },
        events,
      );
      this.record = record;
      plan?.commit();
      this.deps.bus.emit(...stored);
      await this.dropLoginSecrets(prev.status, r.state.status, stored);
    }
    this.state = r.state;
    if (statusChanged) {
      if (r.state.status.state !== prev.status.state) {
        const entry = { ts: this.deps.clock.now(), from: prev.status.state, to: r.state.status.state, reason };
        this.history.unshift(entry);
        if (this.history.length > this.deps.historyKeep) this.history.length = this.deps.historyKeep;
        this.log.info({ from: prev.status.state, to: r.state.status.state, reason }, "status");
        // History is a record of what happened, not state: failing to store it never stops the lifecycle.
        await this.deps.store.history
          .append(this.record.id, entry, this.deps.historyKeep)
          .catch((e: unknown) => this.log.error({ err: toErrorInfo(e) }, "could not store a status transition"));
      }
      for (const w of [...this.waiters]) w.check();
    }
    for (const effect of r.effects) {
      switch (effect.type) {
        case "open_session":
          await this.openSession();
          break;
        case "close_session":
          await this.closeSession();
          break;
        case "schedule_retry":
          this.scheduleRetry(effect.at);
          break;
        case "cancel_retry":
          this.clearRetry();
          break;
        case "wipe_credentials":
          await this.wipeCredentials();
          break;
      }
    }
  }

  /**
   * Login secrets are not kept past their use: when a new QR or pairing code is stored, the older
   * ones of this instance are dropped from the outbox (they expired: a new one replaced them), and
   * when the login ends (the status leaves `awaiting_login`) every one of them is. A store failure
   * here is logged and never stops the lifecycle: the secrets rest sealed, and the next boot or
   * expiry sweep drops them.
   */
  private async dropLoginSecrets(prev: InstanceStatus, next: InstanceStatus, stored: readonly StoredEvent[]): Promise<void> {
    const drops: Array<{ instanceId: string; type?: string; beforeSeq?: number }> = [];
    if (prev.state === "awaiting_login" && next.state !== "awaiting_login") {
      drops.push({ instanceId: this.record.id });
    } else {
      for (const s of stored) {
        const t = s.envelope.type;
        if (t === "instance.qr" || t === "instance.pairing_code") drops.push({ instanceId: this.record.id, type: t, beforeSeq: s.seq });
      }
    }
    for (const q of drops) {
      await this.deps.store.events.dropSecrets(q).catch((e: unknown) => this.log.error({ err: toErrorInfo(e) }, "could not drop stored login secrets"));
    }
  }

  /** @param desired the desired state as of the published status (default: the current one). */
  private statusEvent(p: Publication, desired: DesiredState = this.state.desired): EventEnvelope {
    const data = { status: withoutLoginSecrets(p.status), previous: p.previous.state, desired };
    return makeEvent("instance.status", this.source(), data, this.deps.clock.now());
  }

  private loginStepEvents(s: InstanceStatus): EventEnvelope[] {
    if (s.state !== "awaiting_login") return [];
    const expiresAt = s.expiresAt ?? null;
    const now = this.deps.clock.now();
    return [
      ...(s.qr !== undefined ? [makeEvent("instance.qr", this.source(), { qr: s.qr, expiresAt, attempt: s.attempt }, now)] : []),
      ...(s.code !== undefined ? [makeEvent("instance.pairing_code", this.source(), { code: s.code, expiresAt }, now)] : []),
    ];
  }

  private loggedOutEvent(reason: "user" | "remote", remote: RemoteLogoutOutcome): EventEnvelope {
    return makeEvent("instance.logged_out", this.source(), { reason, remote, credentialsWiped: true }, this.deps.clock.now());
  }

  private scheduleRetry(at: number): void {
    this.clearRetry();
    const gen = this.generation;
    this.retryTimer = this.deps.clock.setTimeout(
      () => {
        this.retryTimer = null;
        this.report(gen, { type: "retry_due" }, "retry");
      },
      Math.max(0, at - this.deps.clock.now()),
    );
  }

  private clearRetry(): void {
    if (this.retryTimer === null) return;
    this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Queues a connector report (or timer) unless its session generation is stale. Never throws. */
  private report(gen: number, input: LifecycleInput, reason: string): void {
    if (gen !== this.generation) return;
    this.queue
      .run(async () => {
        if (gen !== this.generation) return;
        if (input.type === "disconnected") {
          this.deps.metrics.reconnects.inc({ platform: this.record.platform, kind: input.kind });
          this.session = null;
          this.generation++;
        }
        if (input.type === "connected") this.pendingLogin = null;
        await this.apply(input, reason);
      })
      .catch((e: unknown) => this.log.error({ err: toErrorInfo(e) }, "applying a connector report failed"));
  }

  private async openSession(): Promise<void> {
    const gen = ++this.generation;
    let credentials: Credentials | null;
    try {
      credentials = await this.deps.credentials.get(this.record.id);
    } catch (e) {
      // Unreadable credentials (wrong master key, storage down) fail this instance, not the gateway.
      this.log.error({ err: toErrorInfo(e) }, "could not read the stored credentials");
      this.report(gen, { type: "disconnected", kind: "fatal", error: toErrorInfo(e) }, "credentials unreadable");
      return;
    }
    const host: SessionHost = {
      loginStep: (step) => this.report(gen, { type: "login_step", step }, `login step ${step.method}`),
      connected: ({ self }) => this.report(gen, { type: "connected", self }, "connected"),
      disconnected: ({ kind, error }) => this.report(gen, { type: "disconnected", kind, error }, `${kind}: ${error.code}`),
      saveCredentials: (c) =>
        this.credsQueue.run(async () => {
          if (gen !== this.generation) throw err("INVALID_STATE", { message: "The session was closed." });
          await this.deps.credentials.put(this.record.id, c);
          this.credentialsPresent = true;
        }),
      receive: (batch) =>
        this.credsQueue.run(async () => {
          if (gen !== this.generation) throw err("INVALID_STATE", { message: "The session was closed." });
          await this.storeEvents(
            batch.events.map((e) => ({ id: e.id, type: e.type, ...this.source(), ts: e.ts ?? this.deps.clock.now(), data: e.data })),
            batch.state,
          );
        }),
      sentMessage: async (messageId) => {
        try {
          const found = await this.deps.store.events.findMessage(this.record.id, "message.sent", messageId);
          const data = found?.envelope.data as { threadId?: unknown; body?: unknown } | undefined;
          return data && typeof data.body === "string" && typeof data.threadId === "string" ? { threadId: data.threadId, body: data.body } : null;
        } catch (e) {
          this.log.warn({ err: toErrorInfo(e) }, "could not read a sent message back");
          return null;
        }
      },
      storedMessage: async (messageId) => {
        try {
          for (const [type, direction] of [["message.sent", "sent"], ["message.received", "received"]] as const) {
            const found = await this.deps.store.events.findMessage(this.record.id, type, messageId);
            const data = found?.envelope.data as { threadId?: unknown; body?: unknown; senderId?: unknown } | undefined;
            if (data && typeof data.threadId === "string") {
              return { direction, threadId: data.threadId, senderId: typeof data.senderId === "string" ? data.senderId : "", body: typeof data.body === "string" ? data.body : "" };
            }
          }
          return null;
        } catch (e) {
          this.log.warn({ err: toErrorInfo(e) }, "could not read a stored message back");
          return null;
        }
      },
    };
    const ctx: SessionContext = {
      instance: { id: this.record.id, name: this.record.name, platform: this.record.platform },
      config: this.record.config,
      credentials,
      login: credentials ? null : this.pendingLogin,
      state: await this.deps.store.events.state(this.record.id),
      webhookUrl: this.deps.publicUrl ? `${this.deps.publicUrl}/v1/intake/${encodeURIComponent(this.record.name)}` : null,
      keys: {
        get: (names) => this.deps.credentials.getKeys(this.record.id, names),
        set: (entries) =>
          this.credsQueue.run(async () => {
            if (gen !== this.generation) throw err("INVALID_STATE", { message: "The session was closed." });
            await this.deps.credentials.putKeys(this.record.id, entries);
            if (entries.some(([, v]) => v !== null && v !== undefined)) this.credentialsPresent = true;
          }),
      },
      host,
      logger: this.log,
      net: this.deps.net,
    };
    try {
      this.session = this.connector.connect(ctx);
    } catch (e) {
      // The contract says connect never throws; a connector bug must still not wedge the instance.
      this.log.error({ err: toErrorInfo(e) }, "connector.connect threw");
      host.disconnected({ kind: "fatal", error: toErrorInfo(e) });
    }
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    this.generation++;
    if (!s) return;
    await withTimeout(this.deps.clock, this.deps.timeouts.closeMs, () => s.close()).catch((e: unknown) =>
      this.log.warn({ err: toErrorInfo(e) }, "session close did not finish cleanly"),
    );
  }

  /** Wipes the credentials and the connector state (cursors belong to the session that is gone). */
  private wipeCredentials(): Promise<void> {
    return this.credsQueue.run(async () => {
      await this.deps.credentials.wipe(this.record.id);
      this.credentialsPresent = false;
      await this.deps.store.events.clearState(this.record.id);
    });
  }

  /** Stores events (skipping ids already stored) with the connector state, then emits the stored ones. */
  async storeEvents(events: readonly EventEnvelope[], state?: Record<string, unknown>): Promise<void> {
    this.deps.bus.emit(...(await this.deps.store.events.append(this.record.id, events, state)));
  }

  /** The envelope fields every event of this instance carries. */
  source(): { instance: string; platform: string; metadata: Record<string, unknown> } {
    return { instance: this.record.name, platform: this.record.platform, metadata: this.record.metadata };
  }

  /** Runs a remote operation with the given credentials and session, bounded by `platformCallMs`. */
  private remote<T>(credentials: Credentials | null, session: Session | null, fn: (ctx: RemoteContext) => Promise<T>): Promise<T> {
    return withTimeout(this.deps.clock, this.deps.timeouts.platformCallMs, (signal) =>
      fn({
        instance: { id: this.record.id, name: this.record.name, platform: this.record.platform },
        config: this.record.config,
        credentials,
        session,
        signal,
        logger: this.log,
        net: this.deps.net,
      }),
    );
  }

  private async runLogout(opts: { force: boolean; purge?: boolean; resumed?: boolean }): Promise<RemoteLogoutOutcome> {
    const st = this.state.status;
    if (st.state === "logged_out" && !this.record.logoutIntent && !this.credentialsPresent) {
      return st.remote; // idempotent: the same answer as the logout that got here
    }
    const restore = { desired: this.state.desired, status: st };
    const session = this.liveSession(); // captured before logging_out: the connector may need it to unlink
    let intent: LogoutIntent = this.record.logoutIntent ?? {
      force: opts.force,
      requestedAt: this.deps.clock.now(),
      step: "requested",
      ...(opts.purge ? { purge: true } : {}),
    };
    if (!this.record.logoutIntent) await this.updateRecord({ logoutIntent: intent });
    await this.hook("intent_stored");
    await this.apply({ type: "logout_started" }, opts.resumed ? "logout resumed" : "logout");
    const forced = intent.force || opts.resumed === true;
    const abort = async (e: SwitchboardError): Promise<never> => {
      const alive = this.session !== null;
      await this.apply(
        {
          type: "logout_aborted",
          restore: alive || !isLive(restore.status) ? restore : { desired: restore.desired, status: { state: "stopped", reason: "user" } },
        },
        "logout not confirmed",
        { logoutIntent: null },
      );
      throw e;
    };

    if (intent.step === "requested") {
      let remote: RemoteLogoutOutcome;
      let credentials: Credentials | null = null;
      let readable = true;
      try {
        credentials = this.credentialsPresent ? await this.deps.credentials.get(this.record.id) : null;
      } catch (e) {
        if (!forced) await abort(e instanceof SwitchboardError ? e : err("STORAGE_FAILED", { cause: e }));
        readable = false;
      }
      if (!readable) {
        remote = "unconfirmed"; // forced: the platform was never asked
      } else if (!credentials) {
        remote = "already_revoked"; // never logged in, or already wiped: nothing to end at the platform
      } else {
        try {
          remote = await this.remote(credentials, session, (ctx) => this.connector.logoutRemote(ctx));
        } catch (e) {
          if (!forced) {
            await abort(
              err("LOGOUT_UNCONFIRMED", {
                status: e instanceof TimeoutError ? 504 : 502,
                details: { instance: this.record.name, cause: e instanceof TimeoutError ? { code: "TIMEOUT", message: e.message } : toErrorInfo(e) },
                cause: e,
              }),
            );
          }
          this.log.warn({ err: toErrorInfo(e) }, "platform did not confirm the logout; wiping anyway (forced)");
          remote = "unconfirmed";
        }
      }
      intent = { ...intent, step: "remote_done", remote };
      await this.updateRecord({ logoutIntent: intent });
    }
    await this.hook("remote_done");
    await this.closeSession();
    this.pendingLogin = null;
    await this.hook("session_closed");
    await this.wipeCredentials();
    await this.hook("wiped");
    const remote = intent.remote ?? "unconfirmed";
    // A purge keeps the intent until the record is gone, so a crash before the purge resumes it.
    await this.apply({ type: "logout_finished", remote }, "logout", { logoutIntent: intent.purge ? intent : null }, [
      this.loggedOutEvent("user", remote),
    ]);
    return remote;
  }

  private async updateRecord(patch: InstancePatch): Promise<void> {
    this.record = await this.deps.store.instances.update(this.record.id, patch);
  }

  private async hook(step: LogoutStep): Promise<void> {
    await this.deps.hooks.logoutStep?.(this.record.name, step);
  }
}


/** Statuses a `connect … wait` ends on besides its target: nothing more will happen without a verb. */
export const SETTLED_STATES: ReadonlySet<StatusState> = new Set(["stopped", "logged_out", "conflict", "failed"]);
