/**
 * The child gateway of the contract's kill scenario: `node --import tsx test/connectors/contract-child.ts`.
 * Env: SB_DATA (data dir), SB_DRIVER_MODULE (a driver module exporting `childConnector(env)`),
 * SB_DRIVER_ENV (JSON given to it), SB_PAUSE_AT (a logout step at which the logout stops forever).
 * Prints `READY <url>` once listening and `PAUSED <step>` when it reaches SB_PAUSE_AT.
 */
import type { Connector } from "../../src/core/connector.js";
import { installSignalHandlers, startServer } from "../../src/server.js";
import { pauseLogoutAt } from "../support/logout-pause.js";
import { CONTRACT_CHILD_TOKEN } from "./contract-child-handle.js";

const driver = (await import(process.env["SB_DRIVER_MODULE"] ?? "")) as { childConnector(env: Record<string, string>): Connector };
const server = await startServer({
  dataDir: process.env["SB_DATA"] ?? "",
  port: 0,
  secret: "contract-child-secret",
  accountToken: CONTRACT_CHILD_TOKEN,
  allowPrivateUrls: true, // the sandbox listens on 127.0.0.1
  logLevel: "warn",
  logDestination: process.stderr,
  connectors: [driver.childConnector(JSON.parse(process.env["SB_DRIVER_ENV"] ?? "{}") as Record<string, string>)],
  gateway: {
    policy: { baseMs: 50, capMs: 200, debounceMs: 0, maxAttempts: 1000 },
    timeouts: { platformCallMs: 3_000, shutdownMs: 3_000 },
    hooks: pauseLogoutAt(process.env["SB_PAUSE_AT"]),
  },
});
installSignalHandlers(server);
process.stdout.write(`READY ${server.url}\n`);
