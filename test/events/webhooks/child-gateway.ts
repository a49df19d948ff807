/**
 * A gateway process for the webhook crash test: `node --import tsx test/events/webhooks/child-gateway.ts`.
 * Env: SB_DATA (data dir), SB_PLATFORM_FILE (the memory platform's shared state). Loopback webhook
 * URLs are allowed and retries are short. Prints `READY <url>` once listening.
 */
import { installSignalHandlers, startServer } from "../../../src/server.js";
import { MemoryPlatform, memoryConnector } from "../../support/memory-connector.js";

export const CHILD_TOKEN = "sba_webhook-crash-test-account-token-0123456789";

const server = await startServer({
  dataDir: process.env["SB_DATA"] ?? "",
  port: 0,
  secret: "webhook-crash-test-secret",
  accountToken: CHILD_TOKEN,
  logLevel: "warn",
  logDestination: process.stderr,
  rateLimitPerMinute: 1_000_000,
  connectors: [memoryConnector(new MemoryPlatform(process.env["SB_PLATFORM_FILE"]))],
  webhooks: { allowPrivateAddresses: true, retryScheduleMs: [50, 100, 100, 100, 100, 100], attemptTimeoutMs: 1_000, pollIntervalMs: 100 },
});
installSignalHandlers(server);
process.stdout.write(`READY ${server.url}\n`);
