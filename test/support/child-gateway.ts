/**
 * A gateway process for crash-recovery tests: `node --import tsx test/support/child-gateway.ts`.
 * Env: SB_DATA (data dir), SB_PLATFORM_FILE (the memory platform's shared state), SB_PAUSE_AT (a
 * logout step at which the logout stops forever, so the parent can SIGKILL the process there).
 * Prints `READY <url>` once listening and `PAUSED <step>` when it reaches SB_PAUSE_AT.
 */
import { pauseLogoutAt } from "./logout-pause.js";
import { installSignalHandlers, startServer } from "../../src/server.js";
import { MemoryPlatform, memoryConnector } from "./memory-connector.js";

const pauseAt = process.env["SB_PAUSE_AT"];
const server = await startServer({
  dataDir: process.env["SB_DATA"] ?? "",
  port: 0,
  secret: "crash-test-secret",
  accountToken: CHILD_ACCOUNT_TOKEN(),
  logLevel: "warn",
  logDestination: process.stderr,
  connectors: [memoryConnector(new MemoryPlatform(process.env["SB_PLATFORM_FILE"]))],
  gateway: {
    timeouts: { platformCallMs: 2_000, shutdownMs: 3_000 },
    hooks: pauseLogoutAt(pauseAt),
  },
});
installSignalHandlers(server);
process.stdout.write(`READY ${server.url}\n`);

function CHILD_ACCOUNT_TOKEN(): string {
  return "sba_child-test-account-token-0123456789abcdef";
}
