/**
 * A gateway process with the whatsapp-web connector, for the crash tests:
 * `node --import tsx test/connectors/whatsapp-web/child-gateway.ts`.
 * Env: SB_DATA (data dir), SB_WA_ROOT (the sandbox's root public key, base64), SB_ACCOUNT_TOKEN,
 * SB_PAUSE_AT (a logout step at which the logout stops forever, so the parent can SIGKILL there).
 * Prints `READY <url>` once listening and `PAUSED <step>` when it reaches SB_PAUSE_AT.
 */
import { pauseLogoutAt } from "../../support/logout-pause.js";
import { whatsappWebConnector } from "../../../src/connectors/whatsapp-web/index.js";
import { installSignalHandlers, startServer } from "../../../src/server.js";

const pauseAt = process.env["SB_PAUSE_AT"];
const server = await startServer({
  dataDir: process.env["SB_DATA"] ?? "",
  port: 0,
  allowPrivateUrls: true, // the sandbox listens on 127.0.0.1
  secret: "wa-crash-secret",
  accountToken: process.env["SB_ACCOUNT_TOKEN"] ?? "",
  logLevel: "warn",
  logDestination: process.stderr,
  connectors: [whatsappWebConnector({ trustRootPublicKey: Buffer.from(process.env["SB_WA_ROOT"] ?? "", "base64"), fetchLatestVersion: false })],
  gateway: {
    policy: { baseMs: 50, capMs: 200, debounceMs: 0, maxAttempts: 1000 },
    timeouts: { platformCallMs: 5_000, shutdownMs: 3_000 },
    hooks: pauseLogoutAt(pauseAt),
  },
});
installSignalHandlers(server);
process.stdout.write(`READY ${server.url}\n`);
