import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../../src/server.js";

describe("server close", () => {
  it("is bounded even when a client keeps a request open (half-sent body)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-close-"));
    const server = await startServer({ dataDir, port: 0, secret: "s", accountToken: "sba_close-test-account-token-0123456789", logLevel: "silent" });
    try {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), "127.0.0.1");
      await new Promise<void>((r) => socket.once("connect", () => r()));
      socket.on("error", () => {});
      socket.write("POST /v1/instances HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sba_close-test-account-token-0123456789\r\ncontent-type: application/json\r\nContent-Length: 100\r\n\r\n{");
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      socket.destroy();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
