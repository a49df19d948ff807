/**
 * The gateway process of the memory benchmark (spawned with `--expose-gc`): the real gateway
 * (`startServer`: SQLite in a temp dir, vault, core, REST API, logging at `warn`) with the
 * whatsapp-web connector trusting the sandbox's root key. It starts empty; run.ts creates, connects
 * and links the instances through the REST API, so that no client code runs in this process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { whatsappWebConnector } from "../../src/connectors/whatsapp-web/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "../telegram/ipc.js";
import { measure, snapshot } from "./measure.js";

const runGc = globalThis.gc;
if (!runGc) throw new Error("gateway-proc needs --expose-gc");

/** The account token run.ts uses against this gateway's REST API. */
const ACCOUNT_TOKEN = "sba_bench-whatsapp-account-token-0123456789abcdef";

let server: RunningServer | null = null;
let dataDir: string | null = null;

serve(
  {
    /** Starts the gateway; answers `{url, token}` of its REST API. */
    start: async ({ rootPublicKey }: { rootPublicKey: string }) => {
      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-wagw-"));
      server = await startServer({
        dataDir,
        port: 0,
        allowPrivateUrls: true, // the sandbox listens on 127.0.0.1
        secret: "bench",
        accountToken: ACCOUNT_TOKEN,
        rateLimitPerMinute: 1_000_000_000, // run.ts polls the status of every instance it links
        logLevel: "error", // warn would print Baileys' line for every 515 restart after a scan
        connectors: [whatsappWebConnector({ trustRootPublicKey: Buffer.from(rootPublicKey, "base64"), fetchLatestVersion: false })],
      });
      return { url: server.url, token: ACCOUNT_TOKEN };
    },
    measure: () => measure(runGc),
    /** A heap snapshot into `dir` (BENCH_HEAP_SNAPSHOT), after the last measurement. */
    snapshot: ({ dir }: { dir: string }) => snapshot(dir, "gateway"),
  },
  async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
