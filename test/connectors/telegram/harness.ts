import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gateway, type GatewayOptions } from "../../../src/core/gateway.js";
import { UrlGuard } from "../../../src/net/url-guard.js";
import { MediaUploads } from "../../../src/media/uploads.js";
import { rawFiles } from "../../support/raw-files.js";
import type { InstanceView } from "../../../src/core/api.js";
import type { EventEnvelope } from "../../../src/events/types.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { vaultCredentialStore } from "../../../src/vault/credential-store.js";
import { Vault } from "../../../src/vault/vault.js";
import { telegramConnector, type TelegramConnectorOptions } from "../../../src/connectors/telegram/index.js";
import { startTelegramSandbox, type TelegramSandbox, type TelegramSandboxOptions } from "../../../sandbox/telegram/index.js";

/** A gateway over a real SQLite store in a temp dir, with the Telegram connector, and a Bot API sandbox. */
export interface TgHarness {
  dir: string;
  store: Store;
  gateway: Gateway;
  sandbox: TelegramSandbox;
  events: EventEnvelope[];
  /** `message.received` events of `instance`, in order. */
  received(instance: string): Array<EventEnvelope<"message.received">>;
  /** Creates an instance on the sandbox (`apiRoot` = its url, short polls) and connects it with `token`. */
  connectBot(name: string, token: string, config?: Record<string, unknown>): Promise<InstanceView>;
  /** Every byte of every file in the data directory, as one latin1 string (to search for secrets). */
  rawFiles(): string;
  dispose(): Promise<void>;
}

export const TEST_KEY = Buffer.alloc(32, 9);

export interface TgHarnessOptions {
  sandbox?: TelegramSandboxOptions;
  /** Use this sandbox instead of starting one (it is not closed by dispose). */
  useSandbox?: TelegramSandbox;
  connector?: TelegramConnectorOptions;
  gateway?: Partial<GatewayOptions>;
}

export async function tgHarness(opts: TgHarnessOptions = {}): Promise<TgHarness> {
  const dir = mkdtempSync(join(tmpdir(), "sb-tg-"));
  const store = await openStore({ dataDir: dir });
  const sandbox = opts.useSandbox ?? (await startTelegramSandbox({ port: 0, log: () => {}, ...opts.sandbox }));
  const events: EventEnvelope[] = [];
  const gateway = new Gateway({
    store,
    credentials: vaultCredentialStore(store.secrets, new Vault(TEST_KEY)),
    connectors: [telegramConnector({ now: () => sandbox.clock.now(), ...opts.connector })],
    urlGuard: new UrlGuard({ allowPrivate: true }), // the sandbox listens on 127.0.0.1
    uploads: new MediaUploads({ dir: join(dir, "media", "uploads") }),
    policy: { baseMs: 50, capMs: 200, debounceMs: 0, maxAttempts: 1000 },
    timeouts: { platformCallMs: 8_000, closeMs: 2_000, shutdownMs: 5_000 },
    ...opts.gateway,
  });
  gateway.bus.subscribe((e) => events.push(e.envelope));
  await gateway.start();
  return {
    dir,
    store,
    gateway,
    sandbox,
    events,
    received: (instance) =>
      events.filter((e): e is EventEnvelope<"message.received"> => e.type === "message.received" && e.instance === instance),
    async connectBot(name, token, config = {}) {
      await gateway.createInstance({ name, platform: "telegram", config: { apiRoot: sandbox.url, pollTimeoutS: 5, ...config } });
      return gateway.connect(name, { login: { method: "token", input: { token } }, wait: "connected", timeoutMs: 5_000 });
    },
    rawFiles: () => rawFiles(dir),
    async dispose() {
      await gateway.shutdown();
      await store.close();
      if (!opts.useSandbox) await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { until } from "../../support/gateway-harness.js";

/** The rejection of `p` (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string; retryAfterMs?: number; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string; retryAfterMs?: number };
  }
  throw new Error("expected a rejection");
}
