import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MediaUploads } from "../../src/media/uploads.js";
import { Gateway, type GatewayOptions } from "../../src/core/gateway.js";
import type { EventEnvelope } from "../../src/events/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { vaultCredentialStore } from "../../src/vault/credential-store.js";
import { Vault } from "../../src/vault/vault.js";
import { MemoryPlatform, memoryConnector } from "./memory-connector.js";

/** A gateway over a real SQLite store in a temp dir, with the in-memory platform. */
export interface Harness {
  dir: string;
  store: Store;
  platform: MemoryPlatform;
  gateway: Gateway;
  events: EventEnvelope[];
  /** A second gateway on the same store (after `gateway.shutdown()`), as a restarted process would be. */
  reopen(opts?: Partial<GatewayOptions>): Promise<Gateway>;
  dispose(): Promise<void>;
}

export const TEST_KEY = Buffer.alloc(32, 7);

export async function harness(opts: Partial<GatewayOptions> & { qrIntervalMs?: number; platform?: MemoryPlatform } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "sb-core-"));
  const store = await openStore({ dataDir: dir });
  const platform = opts.platform ?? new MemoryPlatform();
  const events: EventEnvelope[] = [];
  const make = async (extra: Partial<GatewayOptions> = {}): Promise<Gateway> => {
    const g = new Gateway({
      store,
      credentials: vaultCredentialStore(store.secrets, new Vault(TEST_KEY)),
      connectors: [memoryConnector(platform, { qrIntervalMs: opts.qrIntervalMs ?? 60_000 })],
      policy: { baseMs: 20, capMs: 100, debounceMs: 0, ...opts.policy },
      timeouts: { platformCallMs: 500, closeMs: 500, shutdownMs: 2_000, ...opts.timeouts },
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      ...(opts.urlGuard ? { urlGuard: opts.urlGuard } : {}),
      uploads: new MediaUploads({ dir: join(dir, "media", "uploads") }),
      ...extra,
    });
    g.bus.subscribe((e) => events.push(e.envelope));
    await g.start();
    return g;
  };
  const gateway = await make();
  const all: Gateway[] = [gateway];
  return {
    dir,
    store,
    platform,
    gateway,
    events,
    async reopen(extra) {
      const g = await make(extra);
      all.push(g);
      return g;
    },
    async dispose() {
      for (const g of all) await g.shutdown();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function until<T>(fn: () => T | Promise<T>, ms = 5_000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
