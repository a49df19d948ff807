import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { quietLibsignalConsole } from "../../../src/connectors/whatsapp-web/quiet-libsignal.js";

const require = createRequire(import.meta.url);
const { SessionRecord } = require("libsignal") as { SessionRecord: new () => { closeSession(s: unknown): void } };

describe("quietLibsignalConsole", () => {
  afterEach(() => vi.restoreAllMocks());

  it("drops what libsignal writes to the console (session keys) and lets everything else through", () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    quietLibsignalConsole();
    const secret = Buffer.from("chain-key-material");
    // libsignal's own code path: "Closing session:" with the whole session entry.
    new SessionRecord().closeSession({ indexInfo: { closed: -1, baseKey: secret }, chains: { k: { chainKey: { key: secret } } } });
    expect(info).not.toHaveBeenCalled();
    console.info("from the gateway");
    expect(info).toHaveBeenCalledWith("from the gateway");
    quietLibsignalConsole(); // idempotent: still one wrapper
    console.info("again");
    expect(info).toHaveBeenCalledTimes(2);
    // A wrapper installed later (an APM, a test runner) does not hide libsignal as the caller.
    const wrapped = console.info;
    console.info = (...args: unknown[]) => wrapped(...args);
    try {
      new SessionRecord().closeSession({ indexInfo: { closed: -1, baseKey: secret } });
      expect(info).toHaveBeenCalledTimes(2);
    } finally {
      console.info = wrapped;
    }
  });
});
