import { randomUUID } from "node:crypto";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { pino, type Logger } from "pino";
import { EventBus } from "../events/bus.js";
import { makeEvent } from "../events/envelope.js";
import { Metrics } from "../observability/metrics.js";
import type { InstanceRecord, Store, TokenRecord } from "../store/types.js";
import {
  INSTANCE_NAME_PATTERN,
  type ConnectOptions,
  type CreateInstanceInput,
  type GatewayApi,
  type InstanceView,
  type PlatformInfo,
  type TokenView,
} from "./api.js";
import { systemClock, type Clock } from "./clock.js";
import { UrlGuard } from "../net/url-guard.js";
import type { MediaUploads, UploadRecord } from "../media/uploads.js";
import type { Readable } from "node:stream";
import { MEDIA_TYPES, TEXT_ONLY } from "./messages.js";
import type { ActionSpec, AppWebhookRequest, Connector, Credentials, LoginRequest, PlatformMedia, SentMessage, WebhookRequest } from "./connector.js";
import { type DeleteRequest, type EditRequest, MessageVerbs, type SendRequest } from "./message-verbs.js";
import type { CredentialStore } from "./credentials.js";
import { err, toErrorInfo } from "./errors.js";
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from "./reconnect.js";
import { InstanceRuntime, SETTLED_STATES, type RuntimeDeps, type RuntimeHooks, type RuntimeTimeouts } from "./runtime.js";
import { type LogoutResult, type RemoteLogoutOutcome } from "./status.js";
import { CREATED_TOKEN_LABEL, TokenCache, cachedToken, issueToken, verifyToken } from "./tokens.js";
import { TimeoutError, withTimeout } from "./timeout.js";
import { sendsCredentials, urlFieldDefaults, urlFieldsOf } from "./url-field.js";
import { collectIssues, summarize } from "./validation.js";

const INSTANCE_NAME = new RegExp(INSTANCE_NAME_PATTERN);

/** Options of {@link Gateway}. Only `store`, `credentials` and `connectors` are required. */
export interface GatewayOptions {
  store: Store;
  credentials: CredentialStore;
  connectors: readonly Connector[];
  bus?: EventBus;
  metrics?: Metrics;
  logger?: Logger;
  clock?: Clock;
  /** Random numbers in [0, 1) for backoff jitter. */
  random?: () => number;
  policy?: Partial<ReconnectPolicy>;
  timeouts?: Partial<RuntimeTimeouts & { shutdownMs: number }>;
  /** Status transitions kept per instance. Default 50. */
  historyKeep?: number;
  hooks?: RuntimeHooks;
  /** The gateway's public base URL (e.g. `https://gw.example.com`), for platform webhooks. */
  publicUrl?: string;
  /**
   * The SSRF guard for URLs in instance configs and action inputs. Default: private addresses
   * refused. The defaults of every connector's URL fields are trusted by it.
   */
  urlGuard?: UrlGuard;
  /** Where media uploads are kept (`POST …/media`, and URLs being sent); absent: media sends are refused. */
  uploads?: MediaUploads;
  /** Largest upload, bytes, whatever the platform takes. Default {@link DEFAULT_MAX_UPLOAD_BYTES}. */
  maxUploadBytes?: number;
}

/** Default {@link GatewayOptions.maxUploadBytes}: 100 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 300_000;

/**
 * The gateway core: instances, their runtimes and the lifecycle verbs (DESIGN §2). Knows connectors
 * only through the {@link Connector} interface; knows nothing of HTTP.
 *
 * Life: `new Gateway(opts)` → `await start()` (boot: finish stored logouts, restore instances desired
 * `running` that hold credentials) → verbs → `await shutdown()` (closes every session, keeps
 * credentials, never logs out).
 */
export class Gateway implements GatewayApi {
  readonly bus: EventBus;
  readonly metrics: Metrics;
  readonly logger: Logger;
  private readonly connectors = new Map<string, Connector>();
  /** Runtimes by instance name, and the instance name by id (for instance tokens). */
  private readonly runtimes = new Map<string, InstanceRuntime>();
  private readonly names = new Map<string, string>();
  /** Instances whose platform has no loaded connector: shown and deletable, nothing else. */
  private readonly orphans = new Map<string, InstanceRecord>();
  private readonly tokenCache = new TokenCache();
  private readonly deps: RuntimeDeps;
  private readonly shutdownMs: number;
  private readonly urlGuard: UrlGuard;
  private state: "new" | "running" | "stopping" | "stopped" = "new";

  constructor(private readonly opts: GatewayOptions) {
    for (const c of opts.connectors) this.connectors.set(c.platform, c);
    this.bus = opts.bus ?? new EventBus();
    this.metrics = opts.metrics ?? new Metrics({ defaultMetrics: false });
    this.logger = opts.logger ?? pino({ level: "silent" });
    this.shutdownMs = opts.timeouts?.shutdownMs ?? 10_000;
    this.urlGuard = opts.urlGuard ?? new UrlGuard({ allowPrivate: false });
    for (const c of opts.connectors) {
      for (const schema of [c.configSchema, ...c.actions.map((a) => a.inputSchema)]) {
        if (!schema) continue;
        for (const d of urlFieldDefaults(schema)) this.urlGuard.trust(d);
      }
    }
    this.deps = {
      store: opts.store,
      credentials: opts.credentials,
      bus: this.bus,
      metrics: this.metrics,
      logger: this.logger,
      clock: opts.clock ?? systemClock,
      random: opts.random ?? Math.random,
      policy: { ...DEFAULT_RECONNECT_POLICY, ...opts.policy },
      timeouts: { platformCallMs: 10_000, closeMs: 5_000, ...opts.timeouts },
      historyKeep: opts.historyKeep ?? 50,
      hooks: opts.hooks ?? {},
      publicUrl: opts.publicUrl ? opts.publicUrl.replace(/\/+$/, "") : null,
      net: this.urlGuard,
    };
    this.metrics.observeStatuses(() => [...this.runtimes.values()].map((r) => ({ platform: r.current.platform, state: r.status.state })));
  }

  /**
   * Boots the gateway (DESIGN §2 rules 3 and 8): every stored logout is finished (and a stored delete
   * purged); a status left over from a previous process is rewritten to `stopped {reason: shutdown}`;
   * a `logged_out` instance that still holds credentials is wiped; instances desired `running` that
   * hold credentials are connected. Resolves once every step is started (sessions connect in the
   * background) and every stored logout is finished.
   */
  async start(): Promise<void> {
    if (this.state !== "new") throw err("INVALID_STATE", { message: "The gateway was already started." });
    try {
      await this.boot();
    } catch (e) {
      await this.shutdown(); // sessions restored so far must not outlive a failed boot
      throw e;
    }
    if (this.state === "new") this.state = "running"; // unless shutdown() came during the boot
  }

  private async boot(): Promise<void> {
    // No login is pending across a restart: no stored QR or pairing code is of use any more.
    await this.opts.store.events.dropSecrets();
    const records = await this.opts.store.instances.all();
    const resumes: Promise<void>[] = [];
    for (let rec of records) {
      const connector = this.connectors.get(rec.platform);
      if (!connector) {
        this.logger.warn({ instance: rec.name, platform: rec.platform }, "no connector for this platform; instance left as is");
        this.orphans.set(rec.name, rec);
        this.names.set(rec.id, rec.name);
        continue;
      }
      if (!rec.logoutIntent && !SETTLED_STATES.has(rec.status.state)) {
        rec = await this.opts.store.instances.update(rec.id, { status: { state: "stopped", reason: "shutdown" } });
      }
      let hasCredentials = await this.opts.credentials.has(rec.id);
      if (!rec.logoutIntent && rec.status.state === "logged_out" && hasCredentials) {
        await this.opts.credentials.wipe(rec.id); // a remote logout whose wipe was interrupted
        hasCredentials = false;
      }
      const history = await this.opts.store.history.list(rec.id, this.deps.historyKeep);
      const rt = this.track(new InstanceRuntime(rec, connector, this.deps, hasCredentials, history));
      if (rec.logoutIntent) {
        resumes.push(this.resumeLogout(rt));
      } else if (rec.desired === "running" && hasCredentials) {
        await rt.connect(() => null);
      }
    }
    await Promise.all(resumes);
  }

  /**
   * Graceful shutdown (DESIGN §2 rule 7): refuses new verbs, closes every session within
   * `shutdownMs` (default 10 000 ms) and keeps credentials and `desired`, so the next boot restores
   * them. Never logs out. Idempotent; never throws.
   */
  async shutdown(): Promise<void> {
    if (this.state === "stopping" || this.state === "stopped") return;
    this.state = "stopping";
    const all = Promise.all([...this.runtimes.values()].map((rt) => rt.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.shutdownMs);
    });
    const r = await Promise.race([all.then(() => "done" as const), late]);
    clearTimeout(timer);
    if (r === "late") this.logger.warn({ timeoutMs: this.shutdownMs }, "some sessions did not close in time");
    this.state = "stopped";
  }

  // ------------------------------------------------------------------ GatewayApi

  platforms(): PlatformInfo[] {
    return [...this.connectors.values()].map((c) => ({
      platform: c.platform,
      displayName: c.displayName,
      configSchema: c.configSchema,
      capabilities: c.capabilities,
      actions: c.actions.map((a) => ({ ...a, access: actionAccess(a) })),
    }));
  }

  async createInstance(input: CreateInstanceInput): Promise<{ instance: InstanceView; token: string }> {
    this.assertRunning();
    if (typeof input.name !== "string" || !INSTANCE_NAME.test(input.name)) {
      throw err("VALIDATION_FAILED", {
        message: "The instance name is not valid: it must be 1–63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit.",
        details: { issues: [{ path: "/name", code: "format", message: "name must be 1–63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit." }] },
      });
    }
    const connector = this.connectors.get(input.platform);
    if (!connector) throw err("PLATFORM_UNKNOWN", { details: { platform: input.platform, known: [...this.connectors.keys()] } });
    const config = validate(connector.configSchema, input.config ?? {}, "/config", "The config");
    await this.checkUrls(connector.configSchema, config, "/config");
    if (input.start && !connector.capabilities.login.some((m) => !m.inputSchema)) {
      throw err("VALIDATION_FAILED", {
        message: "start: true needs a login without input; create the instance, then connect with `login`.",
        details: { methods: connector.capabilities.login.map((m) => m.method) },
      });
    }
    if (this.runtimes.has(input.name) || this.orphans.has(input.name)) throw err("INSTANCE_EXISTS", { details: { name: input.name } });
    const now = this.deps.clock.now();
    const rec = await this.opts.store.instances.create({
      id: `ins_${randomUUID()}`,
      name: input.name,
      platform: connector.platform,
      config,
      metadata: input.metadata ?? {},
      desired: "stopped",
      status: { state: "stopped", reason: "created" },
      logoutIntent: null,
      createdAt: now,
    });
    const { token } = await issueToken(this.opts.store.tokens, { scope: "instance", instanceId: rec.id, label: CREATED_TOKEN_LABEL, now });
    this.track(new InstanceRuntime(rec, connector, this.deps, false));
    if (input.start) await this.connect(rec.name);
    return { instance: await this.view(this.runtime(rec.name), false), token };
  }

  async getInstance(name: string): Promise<InstanceView> {
    const orphan = this.orphans.get(name);
    return this.view(orphan ?? this.runtime(name), true);
  }

  async listInstances(opts: { limit: number; after?: string; platform?: string }): Promise<{ items: InstanceView[]; next: string | null }> {
    const limit = Math.min(Math.max(Math.floor(opts.limit), 1), 500);
    const recs = await this.opts.store.instances.list({ limit: limit + 1, after: opts.after, platform: opts.platform });
    const page = recs.slice(0, limit);
    const items = await Promise.all(page.map((r) => this.view(this.runtimes.get(r.name) ?? r, false)));
    return { items, next: recs.length > limit ? (page[page.length - 1]?.name ?? null) : null };
  }

  connect(name: string, opts: ConnectOptions = {}): Promise<InstanceView> {
    return this.metrics.timeVerb("connect", () => this.startSession(name, opts, false));
  }

  close(name: string): Promise<InstanceView> {
    return this.metrics.timeVerb("close", async () => {
      this.assertRunning();
      const rt = this.runtime(name);
      await rt.close();
      return this.view(rt, false);
    });
  }

  restart(name: string, opts: ConnectOptions = {}): Promise<InstanceView> {
    return this.metrics.timeVerb("restart", () => this.startSession(name, opts, true));
  }

  /** `connect`, or `restart` (close first, in the same turn of the instance queue). */
  private async startSession(name: string, opts: ConnectOptions, restart: boolean): Promise<InstanceView> {
    this.assertRunning();
    const rt = this.runtime(name);
    await rt.connect((hasCredentials) => this.decideLogin(rt, opts.login, hasCredentials), restart);
    if (opts.wait) await this.waitFor(rt, opts.wait, opts.timeoutMs);
    return this.view(rt, false);
  }

  logout(name: string, opts: { force?: boolean } = {}): Promise<LogoutResult> {
    return this.metrics.timeVerb("logout", async () => {
      this.assertRunning();
      const rt = this.runtime(name);
      const remote = await rt.logout({ force: opts.force === true });
      return { instance: name, status: "logged_out", remote, credentialsWiped: true };
    });
  }

  deleteInstance(name: string): Promise<{ instance: string; deleted: true; remote: RemoteLogoutOutcome }> {
    return this.metrics.timeVerb("delete", async () => {
      this.assertRunning();
      const orphan = this.orphans.get(name);
      if (orphan) {
        // No connector to ask the platform: purge locally and say so.
        const farewell = makeEvent("instance.deleted", { instance: name, platform: orphan.platform, metadata: orphan.metadata }, { remote: "unconfirmed" }, this.deps.clock.now());
        const { stored } = await this.opts.store.instances.purge(orphan.id, farewell);
        await this.removeUploads(orphan.id);
        this.orphans.delete(name);
        this.names.delete(orphan.id);
        this.tokenCache.forget((r) => r.instanceId === orphan.id);
        if (stored) this.bus.emit(stored);
        return { instance: name, deleted: true, remote: "unconfirmed" as const };
      }
      const rt = this.runtime(name);
      const remote = await rt.logout({ force: true, purge: true });
      await this.purge(rt, remote);
      return { instance: name, deleted: true, remote };
    });
  }

  async qr(name: string): Promise<{ qr: string; expiresAt: number | null; attempt: number }> {
    const s = this.runtime(name).status;
    if (s.state !== "awaiting_login" || s.qr === undefined) {
      throw err("NO_LOGIN_PENDING", { details: { status: s.state } });
    }
    return { qr: s.qr, expiresAt: s.expiresAt ?? null, attempt: s.attempt };
  }

  async requestPairingCode(name: string, phoneNumber: string): Promise<{ code: string; expiresAt: number | null }> {
    const rt = this.runtime(name);
    const connector = this.connectorOf(rt);
    if (!connector.capabilities.login.some((l) => l.method === "pairing_code")) throw err("NOT_SUPPORTED");
    if (!/^\d{6,15}$/.test(phoneNumber)) {
      throw err("VALIDATION_FAILED", { message: "phoneNumber must be 6–15 digits, country code first, no '+'." });
    }
    this.assertRunning();
    const session = rt.liveSession();
    if (rt.status.state !== "awaiting_login" || !session) throw err("NO_LOGIN_PENDING", { details: { status: rt.status.state } });
    const request = session.requestPairingCode?.bind(session);
    if (!request) throw err("NOT_SUPPORTED");
    const r = await this.bounded("pairing code", () => request(phoneNumber));
    return { code: r.code, expiresAt: r.expiresAt ?? null };
  }

  async runAction(name: string, action: string, input: unknown, opts: { caller?: "account" | "instance" } = {}): Promise<unknown> {
    this.assertRunning();
    const rt = this.runtime(name);
    const connector = this.connectorOf(rt);
    const spec = connector.actions.find((a) => a.name === action);
    if (!spec) throw err("ACTION_UNKNOWN", { details: { action } });
    if (actionAccess(spec) === "account" && (opts.caller ?? "account") !== "account") {
      throw err("FORBIDDEN", {
        message: `Only the account token may run ${action}: it changes where the instance's credentials are sent.`,
        details: { action, access: "account" },
      });
    }
    const value = spec.inputSchema ? validate(spec.inputSchema, input ?? {}, "", `The input of ${action}`) : {};
    const checked = new Set<string>();
    if (spec.inputSchema) await this.checkUrls(spec.inputSchema, value, "", checked);
    if (spec.requiresSession && rt.status.state !== "connected") {
      throw err("INVALID_STATE", { message: "This action needs a connected session.", details: { status: rt.status.state } });
    }
    return this.metrics.timeVerb(`action:${action}`, () =>
      rt.runAction(action, value, async (config) => {
        // Runs after the action's platform call: no lookup for a URL already checked, so that a
        // DNS hiccup cannot undo the config step of an irreversible call (a logOut).
        const valid = validate(connector.configSchema, config, "/config", "The config");
        for (const [key, v] of Object.entries(rt.current.config)) if (typeof v === "string" && valid[key] === v) checked.add(v);
        await this.checkUrls(connector.configSchema, valid, "/config", checked);
        return valid;
      }),
    );
  }

  /**
   * Runs every URL field of `value` (under `schema`) through the SSRF guard; a field's default (the
   * code's or the operator's choice) is trusted, and so is a value in `checked` (passed already);
   * every value that passes is added to `checked`.
   * @throws `VALIDATION_FAILED`, `URL_REFUSED`.
   */
  private async checkUrls(schema: TSchema, value: unknown, prefix: string, checked = new Set<string>()): Promise<void> {
    for (const f of urlFieldsOf(schema, value, prefix)) {
      if (f.value === f.default || checked.has(f.value)) continue;
      await this.urlGuard.check(f.value, f.path, f.info.protocols);
      checked.add(f.value);
    }
  }

  async send(name: string, request: SendRequest): Promise<SentMessage> {
    this.assertRunning();
    return this.messageVerbs.send(this.runtime(name), request);
  }

  async uploadMedia(name: string, file: Readable, meta: { mimeType: string; fileName?: string }): Promise<UploadRecord> {
    this.assertRunning();
    const rt = this.runtime(name);
    const uploads = this.opts.uploads;
    if (!uploads) {
      file.resume();
      throw err("NOT_SUPPORTED", { message: "This gateway keeps no media store." });
    }
    const support = this.connectorOf(rt).capabilities.messages ?? TEXT_ONLY;
    if (!MEDIA_TYPES.some((t) => support.send.includes(t))) {
      file.resume();
      throw err("NOT_SUPPORTED", { message: `${rt.current.platform} sends no media.`, details: { platform: rt.current.platform } });
    }
    return uploads.put(rt.id, file, meta, Math.min(support.maxMediaBytes, this.opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES));
  }

  async fetchMedia(name: string, mediaId: string): Promise<PlatformMedia> {
    this.assertRunning();
    const rt = this.runtime(name);
    const session = rt.liveSession();
    if (!session || rt.status.state !== "connected") {
      throw err("INVALID_STATE", { message: "Received media is fetched through the live session: connect the instance first.", details: { status: rt.status.state } });
    }
    const fetch = session.fetchMedia?.bind(session);
    if (!fetch) throw err("NOT_SUPPORTED", { message: `${rt.current.platform} cannot fetch received media through this gateway yet.`, details: { platform: rt.current.platform } });
    const started = fetch(mediaId);
    return this.bounded("fetch media", () => started).catch((e: unknown) => {
      // Past the bound the caller is gone: a stream that still comes is closed, not left open.
      started.then((m) => m.stream.destroy(), () => {});
      throw e;
    });
  }

  async editMessage(name: string, request: EditRequest): Promise<{ messageId: string; timestamp: number }> {
    this.assertRunning();
    return this.messageVerbs.edit(this.runtime(name), request);
  }

  async deleteMessage(name: string, request: DeleteRequest): Promise<{ messageId: string; timestamp: number }> {
    this.assertRunning();
    return this.messageVerbs.delete(this.runtime(name), request);
  }

  /** The message verbs (send, edit, delete), over this gateway's runtimes and platform-call bound (made on first use). */
  private get messageVerbs(): MessageVerbs {
    this.verbs ??= new MessageVerbs({
      now: () => this.deps.clock.now(),
      ...(this.opts.uploads ? { media: { uploads: this.opts.uploads, guard: this.urlGuard } } : {}),
      maxUploadBytes: this.opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      connectorOf: (rt) => this.connectorOf(rt),
      bounded: (what, fn, extraMs) => this.bounded(what, fn, extraMs),
    });
    return this.verbs;
  }
  private verbs: MessageVerbs | undefined;

  /** Runs a platform call bounded by `platformCallMs`; `TIMEOUT` (504) when it does not answer in time. */
  private bounded<T>(what: string, fn: () => Promise<T>, extraMs = 0): Promise<T> {
    return withTimeout(this.deps.clock, this.deps.timeouts.platformCallMs + extraMs, fn).catch((e: unknown) => {
      if (e instanceof TimeoutError) throw err("TIMEOUT", { details: { operation: what } });
      throw e;
    });
  }

  /**
   * A request a platform pushed to `POST /v1/intake/:name`: handed to the live session, which
   * verifies it and stores its items. Resolves once they are stored.
   * @throws `INSTANCE_NOT_FOUND`; `INVALID_STATE` (409) when no live session takes webhooks (the
   *   platform retries later); `UNAUTHENTICATED` from the session for a bad signature or secret.
   */
  async webhook(name: string, request: WebhookRequest): Promise<void> {
    this.assertRunning();
    const rt = this.runtime(name);
    const session = rt.liveSession();
    const handle = session?.handleWebhook?.bind(session);
    if (!handle) throw err("INVALID_STATE", { message: "This instance takes no webhook now.", details: { status: rt.status.state } });
    await this.bounded("webhook", () => handle(request));
  }

  async appWebhook(
    platform: string,
    request: AppWebhookRequest,
  ): Promise<{ kind: "challenge"; body: string } | { kind: "stored"; stored: number; unknown: number; ignored: number }> {
    this.assertRunning();
    const connector = this.connectors.get(platform);
    const hooks = connector?.appWebhooks;
    if (!connector || !hooks) throw err("NOT_FOUND", { message: `The platform '${platform}' takes no app-level webhooks.`, details: { platform } });
    const members = [...this.runtimes.values()].filter((rt) => rt.current.platform === platform && hooks.appOf(rt.current.config) === request.app);
    // A credential that cannot be read fails the request (STORAGE_FAILED, 5xx): the platform retries.
    const held: Array<{ id: string; credentials: Credentials }> = [];
    for (const rt of members) {
      const credentials = await this.opts.credentials.get(rt.id);
      if (credentials !== null) held.push({ id: rt.id, credentials });
    }
    if (held.length === 0) throw err("FORBIDDEN", { message: "No instance of this app holds its secrets.", details: { platform } });
    const opened = hooks.open(request, held.map((h) => h.credentials));
    if (opened.kind === "challenge") return opened;
    if (opened.kind === "refused") {
      const code = opened.status === 401 ? "UNAUTHENTICATED" : opened.status === 403 ? "FORBIDDEN" : "VALIDATION_FAILED";
      throw err(code, { message: opened.message, details: { platform } });
    }
    const verifiedIds = new Set(opened.verified.map((i) => held[i]?.id));
    let stored = 0;
    let unknown = 0;
    let ignored = 0;
    for (const { key, entry } of opened.entries) {
      const rt = this.resolveAppEntry(platform, request.app, key);
      if (rt && !verifiedIds.has(rt.id)) {
        ignored++;
        this.logger.warn({ platform, instance: rt.name }, "app webhook entry not signed with this instance's own secret: acknowledged, not stored");
        continue;
      }
      if (!rt) {
        unknown++;
        // Logged without its payload: an entry may carry personal data.
        this.logger.warn({ platform, app: request.app, key }, "app webhook entry for no known instance: acknowledged, not stored");
        continue;
      }
      if (!rt.hasCredentials) {
        ignored++;
        this.logger.info({ platform, instance: rt.name }, "app webhook entry for an instance without credentials: acknowledged, not stored");
        continue;
      }
      const events = hooks.events(entry, { id: rt.id, name: rt.name, platform }, rt.current.config);
      await rt.storeEvents(events.map((e) => ({ id: e.id, type: e.type, ...rt.source(), ts: e.ts ?? this.deps.clock.now(), data: e.data })));
      stored++;
    }
    if (stored > 0) this.metrics.intakeEntries.inc({ platform, outcome: "stored" }, stored);
    if (unknown > 0) this.metrics.intakeEntries.inc({ platform, outcome: "unknown" }, unknown);
    if (ignored > 0) this.metrics.intakeEntries.inc({ platform, outcome: "ignored" }, ignored);
    return { kind: "stored", stored, unknown, ignored };
  }

  /**
   * The instance an app-level webhook entry belongs to: the one of `platform` whose config puts it
   * in `app` and names it `key`. The one place entries are resolved (cluster mode forwards from here).
   */
  private resolveAppEntry(platform: string, app: string, key: string): InstanceRuntime | undefined {
    const hooks = this.connectors.get(platform)?.appWebhooks;
    if (!hooks) return undefined;
    for (const rt of this.runtimes.values()) {
      if (rt.current.platform === platform && hooks.appOf(rt.current.config) === app && hooks.keyOf(rt.current.config) === key) return rt;
    }
    return undefined;
  }

  authenticate(token: string): Promise<TokenRecord | undefined> {
    return verifyToken(this.opts.store.tokens, token, this.tokenCache, this.deps.clock.now());
  }

  cachedToken(token: string): TokenRecord | undefined {
    return cachedToken(token, this.tokenCache, this.deps.clock.now());
  }

  cachedInstanceName(id: string): string | undefined {
    return this.names.get(id);
  }

  /** The name of the instance with this id, or undefined (maps instance tokens to their instance). */
  async instanceNameOf(id: string): Promise<string | undefined> {
    return this.names.get(id);
  }

  async createToken(input: { scope: "account" | "instance"; instance?: string; label?: string }): Promise<{ token: string; record: TokenView }> {
    let instanceId: string | null = null;
    if (input.scope === "instance") {
      if (!input.instance) throw err("VALIDATION_FAILED", { message: "An instance token needs `instance`." });
      instanceId = this.runtime(input.instance).id;
    }
    const { token, record } = await issueToken(this.opts.store.tokens, {
      scope: input.scope,
      instanceId,
      label: input.label ?? "",
      now: this.deps.clock.now(),
    });
    return { token, record: await this.tokenView(record) };
  }

  async listTokens(opts: { instance?: string } = {}): Promise<TokenView[]> {
    const instanceId = opts.instance ? this.runtime(opts.instance).id : undefined;
    const recs = await this.opts.store.tokens.list(instanceId ? { instanceId } : {});
    return Promise.all(recs.map((r) => this.tokenView(r)));
  }

  async revokeToken(id: string): Promise<void> {
    if (!(await this.opts.store.tokens.delete(id))) throw err("TOKEN_NOT_FOUND", { details: { id } });
    this.tokenCache.forget((r) => r.id === id);
  }

  // ------------------------------------------------------------------ internals

  private track(rt: InstanceRuntime): InstanceRuntime {
    this.runtimes.set(rt.name, rt);
    this.names.set(rt.id, rt.name);
    return rt;
  }

  private runtime(name: string): InstanceRuntime {
    const rt = typeof name === "string" ? this.runtimes.get(name) : undefined;
    if (rt) return rt;
    const orphan = this.orphans.get(name);
    if (orphan) {
      throw err("PLATFORM_UNKNOWN", {
        message: `No connector for platform '${orphan.platform}' is loaded: this instance can only be read and deleted.`,
        details: { platform: orphan.platform },
      });
    }
    throw err("INSTANCE_NOT_FOUND", { details: { name } });
  }

  private connectorOf(rt: InstanceRuntime): Connector {
    const c = this.connectors.get(rt.current.platform);
    if (!c) throw err("PLATFORM_UNKNOWN", { details: { platform: rt.current.platform } });
    return c;
  }

  private assertRunning(): void {
    if (this.state === "stopping" || this.state === "stopped") throw err("SHUTTING_DOWN");
    if (this.state === "new") throw err("INVALID_STATE", { message: "The gateway has not started yet." });
  }

  /**
   * Decides the login of a `connect`, under the instance queue: none when credentials exist; else
   * the given one (validated against the method's input schema) or the platform's first method that
   * needs no input.
   * @throws `VALIDATION_FAILED` when the platform needs login input and none was given, or it is bad;
   *   `INVALID_STATE` when login input is given to an instance that already has credentials.
   */
  private decideLogin(rt: InstanceRuntime, login: LoginRequest | undefined, hasCredentials: boolean): LoginRequest | null {
    const methods = this.connectorOf(rt).capabilities.login;
    if (hasCredentials) {
      if (login && methods.find((m) => m.method === login.method)?.inputSchema) {
        throw err("INVALID_STATE", { message: "The instance already has credentials; log out before giving new ones." });
      }
      return null;
    }
    if (!login) {
      const plain = methods.find((m) => !m.inputSchema);
      if (plain) return { method: plain.method, input: {} };
      throw err("VALIDATION_FAILED", {
        message: `This platform needs a login: ${methods.map((m) => m.method).join(" or ")}.`,
        details: { methods: methods.map((m) => m.method) },
      });
    }
    const spec = methods.find((m) => m.method === login.method);
    if (!spec) throw err("VALIDATION_FAILED", { message: `Login method '${String(login.method)}' is not offered by this platform.` });
    return { method: spec.method, input: spec.inputSchema ? validate(spec.inputSchema, login.input ?? {}, "/login", "The login") : {} };
  }

  private async waitFor(rt: InstanceRuntime, target: "awaiting_login" | "connected", timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const ms = Math.min(Math.max(timeoutMs, 0), MAX_WAIT_MS);
    await rt.waitFor(
      (s) => s.state === target || SETTLED_STATES.has(s.state) || (target === "awaiting_login" && s.state === "connected"),
      ms,
    );
  }

  private async resumeLogout(rt: InstanceRuntime): Promise<void> {
    const purge = rt.current.logoutIntent?.purge === true;
    try {
      const remote = await rt.logout({ force: true, resumed: true });
      if (purge) await this.purge(rt, remote);
      this.logger.info({ instance: rt.name, remote, purge }, "finished a logout interrupted by the previous process");
    } catch (e) {
      this.logger.error({ instance: rt.name, err: toErrorInfo(e) }, "could not finish a stored logout");
    }
  }

  /** Removes a deleted instance's media uploads. Never throws (a failure is logged; the sweep removes them later). */
  private async removeUploads(instanceId: string): Promise<void> {
    await this.opts.uploads?.removeInstance(instanceId).catch((e: unknown) => this.logger.warn({ err: toErrorInfo(e), instanceId }, "could not remove the uploads of a deleted instance"));
  }

  private async purge(rt: InstanceRuntime, remote: RemoteLogoutOutcome): Promise<void> {
    // The farewell is written in the purge's transaction: the deletion and its event are one fact.
    const farewell = makeEvent("instance.deleted", rt.source(), { remote }, this.deps.clock.now());
    const { stored } = await this.opts.store.instances.purge(rt.id, farewell);
    await this.removeUploads(rt.id);
    this.tokenCache.forget((r) => r.instanceId === rt.id);
    rt.dispose();
    this.runtimes.delete(rt.name);
    this.names.delete(rt.id);
    if (stored) this.bus.emit(stored);
  }

  private async view(src: InstanceRuntime | InstanceRecord, withHistory: boolean): Promise<InstanceView> {
    const rec = src instanceof InstanceRuntime ? src.current : src;
    const status = src instanceof InstanceRuntime ? src.status : rec.status;
    const desired = src instanceof InstanceRuntime ? src.desired : rec.desired;
    const v: InstanceView = {
      name: rec.name,
      platform: rec.platform,
      config: rec.config,
      metadata: rec.metadata,
      desired,
      status,
      hasCredentials: src instanceof InstanceRuntime ? src.hasCredentials : await this.opts.credentials.has(rec.id),
      logoutPending: rec.logoutIntent !== null && status.state !== "logged_out",
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    };
    if (withHistory) v.history = src instanceof InstanceRuntime ? src.recentHistory() : await this.opts.store.history.list(rec.id, this.deps.historyKeep);
    return v;
  }

  private async tokenView(r: TokenRecord): Promise<TokenView> {
    return {
      id: r.id,
      scope: r.scope,
      instance: r.instanceId ? ((await this.instanceNameOf(r.instanceId)) ?? null) : null,
      label: r.label,
      createdAt: r.createdAt,
    };
  }
}

/** Who may run an action: its declared `access`, else `account` when its input receives credentials. */
export function actionAccess(spec: ActionSpec): "account" | "instance" {
  return spec.access ?? (sendsCredentials(spec.inputSchema) ? "account" : "instance");
}

/**
 * Validates `value` against a TypeBox schema after applying defaults.
 * @param prefix JSON pointer of the value in the request (`/config`, `/login`, `` for an action input).
 * @param what names the value in the message ("The config", "The login").
 * @returns the value with defaults filled in.
 * @throws `VALIDATION_FAILED` with a message for a person ("The login is not valid: login.token is
 *   required …") and `details.issues: ValidationIssue[]` (`{path, code, message}`, at most 20).
 */
export function validate(schema: TSchema, value: unknown, prefix: string, what = "The request"): Record<string, unknown> {
  const v = Value.Default(schema, Value.Clone(value)) as unknown;
  if (Value.Check(schema, v)) return v as Record<string, unknown>;
  const issues = collectIssues(Value.Errors(schema, v), (pointer) => prefix + pointer);
  throw err("VALIDATION_FAILED", { message: summarize(what, issues), details: { issues } });
}
