import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Connector } from "./core/connector.js";
import { Gateway, type GatewayOptions } from "./core/gateway.js";
import { err, toErrorInfo } from "./core/errors.js";
import { ensureAccountToken } from "./core/tokens.js";
import { EventFeed } from "./events/feed.js";
import { DEFAULT_EVENT_RETENTION_MS, startRetention } from "./events/retention.js";
import { createWebhooks, type Webhooks, type WebhookOptions } from "./events/webhooks/index.js";
import { resolveWebhookOptions, retryHorizonMs } from "./events/webhooks/options.js";
import type { StreamSettings } from "./events/stream/session.js";
import { buildHttpApp } from "./http/app.js";
import type { CompatOptions } from "./http/compat/index.js";
import { sandboxProxyRoutes } from "./http/routes/sandbox-proxy.js";
import { MediaUploads } from "./media/uploads.js";
import { UrlGuard } from "./net/url-guard.js";
import { createLogger } from "./observability/logger.js";
import { Metrics } from "./observability/metrics.js";
import { PLATFORMS, type AnyPlatformModule } from "./platforms/index.js";
import { startSandboxMode, withConfigDefaults, type SandboxInfo, type SandboxMode } from "./sandbox-mode/index.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";
import { loadMasterKey } from "./vault/master-key.js";
import { vaultCredentialStore } from "./vault/credential-store.js";
import { vaultSecretSealer } from "./vault/secret-sealer.js";
import { Vault } from "./vault/vault.js";

/** Requests per minute per token in sandbox mode (a dashboard drives the sandboxes through the gateway), unless set. */
const SANDBOX_RATE_LIMIT = 1_000;

/** How long a stop waits for HTTP requests still in flight after the sessions are closed, ms. */
const CLOSE_GRACE_MS = 1_000;
/** How often expired media uploads are removed, ms. */
const UPLOAD_SWEEP_MS = 3_600_000;

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Data directory: SQLite database, lock and master key file. Default `./data`. */
  dataDir?: string;
  /** `postgres://…`: keep state in Postgres instead of SQLite. */
  databaseUrl?: string;
  /** `SWITCHBOARD_SECRET`: the master key is derived from it instead of the key file. */
  secret?: string;
  /** `SWITCHBOARD_ACCOUNT_TOKEN`: preset account token. */
  accountToken?: string;
  /** Requests per minute per token. Default 100. */
  rateLimitPerMinute?: number;
  /** pino level. Default `info`. */
  logLevel?: string;
  /** Log destination (tests). Default stdout. */
  logDestination?: NodeJS.WritableStream;
  /** Public base URL of this gateway (`SWITCHBOARD_PUBLIC_URL`), where platforms push webhooks. */
  publicUrl?: string;
  /** The platforms (src/platforms): their connectors are loaded, their sandboxes run in sandbox mode. Default: `PLATFORMS`. */
  platforms?: readonly AnyPlatformModule[];
  /**
   * Connectors to load instead of building them from `platforms` (tests: connectors with options of
   * their own). In sandbox mode they still get the sandboxes as config defaults.
   */
  connectors?: readonly Connector[];
  /**
   * Events older than this many ms are deleted (`SWITCHBOARD_EVENT_RETENTION`). Default 7 days; 0
   * keeps them forever.
   */
  eventRetentionMs?: number;
  /** Live event stream timings and bounds (heartbeat, token re-check, backlog). Defaults in `StreamSettings`. */
  eventStream?: Partial<StreamSettings>;
  /**
   * Outbound webhook delivery: retry schedule, attempt timeout, disabling, SSRF guard
   * (`allowPrivateAddresses`, `SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1`)… Defaults in `DEFAULT_WEBHOOK_OPTIONS`;
   * attempts are kept as long as events (`eventRetentionMs`) unless `retentionMs` says otherwise.
   * In sandbox mode `allowPrivateAddresses` defaults to true (a try-out's receiver is on this machine);
   * an explicit `false` keeps the guard on.
   */
  webhooks?: Partial<WebhookOptions>;
  /**
   * The SSRF guard of URLs in instance configs and action inputs (a Bot API root, a WebSocket
   * endpoint, a proxy; `SWITCHBOARD_ALLOW_PRIVATE_URLS=1`): true allows loopback, private and other
   * non-global addresses. Default false; in sandbox mode true unless explicitly false (the
   * sandboxes' own URLs, the config defaults there, are trusted either way).
   */
  allowPrivateUrls?: boolean;
  /**
   * Sandbox mode (`serve --sandbox`, docs/sandbox-mode.md): also start the sandbox of every platform
   * in this process on a free loopback port, make them the config defaults of new instances, build
   * the connectors with the sandboxes' options (e.g. the WhatsApp sandbox's root key) and serve
   * their control APIs under `/sandbox/<name>/*`. Default false.
   */
  sandbox?: boolean;
  /**
   * Drop-in REST profiles (`serve --compat ryze,wwebjs`, `--compat-instance <name>`; docs/compat.md):
   * other gateways' REST contracts served over the same verbs. Default: none.
   */
  compat?: CompatOptions;
  /** Passed to the gateway core (tests: hooks, policy, timeouts). */
  gateway?: Pick<GatewayOptions, "hooks" | "policy" | "timeouts" | "historyKeep">;
}

/** A started gateway. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The account token generated on this first start, shown once; null otherwise. */
  initialAccountToken: string | null;
  gateway: Gateway;
  store: Store;
  /** Outbound webhooks (API and dispatcher). */
  webhooks: Webhooks;
  /** The sandboxes by name in sandbox mode (where they listen, their panels); null otherwise. */
  sandbox: SandboxInfo | null;
  /** Graceful stop: stops accepting requests, closes every session (keeps credentials), closes the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a gateway: store (SQLite in `dataDir`, or Postgres), vault, core, REST API. Resolves once it
 * listens and every stored logout is finished.
 * @throws `INVALID_STATE` when another gateway holds the SQLite data directory; `STORAGE_FAILED`;
 *   listen errors (`EADDRINUSE`).
 */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir ?? "./data");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logger = createLogger({ level: opts.logLevel ?? "info", destination: opts.logDestination });
  let lockLost = (): void => {};
  const store = await openStore({ dataDir, databaseUrl: opts.databaseUrl, onLockLost: () => lockLost() });
  let sandbox: SandboxMode | null = null;
  try {
    const platforms = opts.platforms ?? PLATFORMS;
    if (opts.sandbox) {
      sandbox = await startSandboxMode(platforms, { log: (name, line) => logger.debug({ sandbox: name, line }, "sandbox log") });
    }
    const built = opts.connectors ?? (await Promise.all(platforms.map((p) => p.connector(sandbox?.connectorOptions[p.id]))));
    const connectors = sandbox ? withConfigDefaults(built, sandbox.configDefaults) : built;
    const vault = new Vault(
      await loadMasterKey({ dataDir, secret: opts.secret, onWarning: (message) => logger.warn({ dataDir }, message) }),
    );
    store.useSealer(vaultSecretSealer(vault)); // QR refs and pairing codes in events rest sealed
    const initialAccountToken = await ensureAccountToken(store.tokens, opts.accountToken, Date.now());
    const metrics = new Metrics();
    const urlGuard = new UrlGuard({ allowPrivate: opts.allowPrivateUrls ?? opts.sandbox === true });
    const uploads = new MediaUploads({ dir: join(dataDir, "media", "uploads") });
    const gateway = new Gateway({
      urlGuard,
      uploads,
      store,
      credentials: vaultCredentialStore(store.secrets, vault),
      connectors,
      logger,
      metrics,
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      ...opts.gateway,
    });
    // Checked before the boot, so invalid options fail the start before any session connects.
    const eventRetentionMs = opts.eventRetentionMs ?? DEFAULT_EVENT_RETENTION_MS;
    const horizon = retryHorizonMs(resolveWebhookOptions(opts.webhooks));
    if (eventRetentionMs > 0 && eventRetentionMs < horizon) {
      throw err("VALIDATION_FAILED", {
        message: `The event retention (${eventRetentionMs} ms) is shorter than the webhook retry schedule (up to ${horizon} ms): retries would find their events pruned.`,
        details: { eventRetentionMs, retryHorizonMs: horizon },
      });
    }
    const webhooks = createWebhooks({
      store,
      vault,
      bus: gateway.bus,
      logger,
      options: {
        retentionMs: eventRetentionMs,
        ...opts.webhooks,
        allowPrivateAddresses: opts.webhooks?.allowPrivateAddresses ?? opts.sandbox === true,
      },
    });
    await gateway.start();
    const feed = new EventFeed({
      store,
      bus: gateway.bus,
      ...(opts.eventStream && { stream: opts.eventStream }),
      onError: (e, where) => logger.warn({ err: toErrorInfo(e), where }, "event stream: store read failed"),
    });
    // Expired uploads (and partial files a crash left) go once an hour; the timer never holds the process.
    const sweep = setInterval(() => void uploads.sweep().catch(() => {}), UPLOAD_SWEEP_MS);
    sweep.unref();
    const retention = startRetention({
      events: store.events,
      retentionMs: eventRetentionMs,
      onRun: (r) =>
        "error" in r ? logger.warn({ err: toErrorInfo(r.error) }, "event retention: prune failed") : logger.debug({ deleted: r.deleted }, "event retention: pruned"),
    });
    let app: Awaited<ReturnType<typeof buildHttpApp>>;
    let address: string;
    try {
      await feed.start();
      await webhooks.start();
      app = await buildHttpApp({
        gateway,
        idempotency: store.idempotency,
        metrics,
        logger,
        rateLimit: { points: opts.rateLimitPerMinute ?? (opts.sandbox ? SANDBOX_RATE_LIMIT : 100), durationMs: 60_000 },
        ready: () => store.ping(),
        version: "0.1.0",
        events: feed,
        webhooks: webhooks.api,
        ...(opts.compat ? { compat: opts.compat } : {}),
      });
      sandboxProxyRoutes(app, sandbox && { targets: sandbox.targets, info: sandbox.info });
      address = await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 8080 });
    } catch (e) {
      await feed.close();
      await webhooks.stop();
      await retention.stop();
      clearInterval(sweep);
      await gateway.shutdown(); // sessions restored at boot must not outlive a failed start
      throw e;
    }
    logger.info({ url: address, dataDir: opts.databaseUrl ? undefined : dataDir, store: store.kind, sandbox: sandbox ? Object.fromEntries(Object.values(sandbox.info).map((s) => [s.name, s.endpoint])) : undefined }, "switchboard listening");
    let closing: Promise<void> | null = null;
    const server: RunningServer = {
      url: address,
      initialAccountToken,
      gateway,
      store,
      webhooks,
      sandbox: sandbox?.info ?? null,
      close: () =>
        (closing ??= (async () => {
          // The HTTP server stops taking requests and ends open event streams (SHUTTING_DOWN); the
          // gateway closes every session meanwhile, which settles requests still waiting on a status
          // (`connect … wait`). Connections still open after CLOSE_GRACE_MS (e.g. a client that gave
          // up on a request but keeps its socket) are cut, so a stop is bounded.
          const http = app.close();
          await gateway.shutdown();
          const grace = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
          await http.finally(() => clearTimeout(grace));
          await feed.close();
          await webhooks.stop(); // attempts in flight finish briefly; pending deliveries stay stored
          await retention.stop();
          clearInterval(sweep);
          await store.close();
          urlGuard.destroy();
          await sandbox?.close(); // after the sessions: closing a sandbox first would make them reconnect
          logger.info("switchboard stopped");
        })()),
    };
    lockLost = () => {
      // Another gateway may take over this database now: running on would mean two live sessions.
      logger.fatal("lost the database's single-owner lock; stopping");
      process.exitCode = 1;
      void server.close();
    };
    return server;
  } catch (e) {
    await store.close().catch(() => {});
    await sandbox?.close().catch(() => {});
    throw e;
  }
}

/**
 * Closes `server` gracefully on SIGTERM or SIGINT (sessions closed, credentials kept, never a logout)
 * and exits 0; a second signal exits 1 at once.
 */
export function installSignalHandlers(server: RunningServer): void {
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
