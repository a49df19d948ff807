/** The `qrTimeoutMs` config field: its schema, `readConfig`, and the WebSocket URL that announces it to a sandbox. */
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { WhatsAppWebConfigSchema, readConfig } from "../../../src/connectors/whatsapp-web/config.js";
import { socketUrl } from "../../../src/connectors/whatsapp-web/socket.js";

describe("whatsapp-web qrTimeoutMs", () => {
  it("is optional, a whole number of ms from 1 s to 5 min; absent means WhatsApp Web's 60 s / 20 s", () => {
    const defaulted = Value.Default(WhatsAppWebConfigSchema, {}) as Record<string, unknown>;
    expect(defaulted.qrTimeoutMs).toBeUndefined();
    expect(Value.Check(WhatsAppWebConfigSchema, { ...defaulted, qrTimeoutMs: 5_000 })).toBe(true);
    for (const bad of [999, 300_001, 1_500.5, "5000"]) expect(Value.Check(WhatsAppWebConfigSchema, { ...defaulted, qrTimeoutMs: bad }), String(bad)).toBe(false);
    expect(readConfig({ qrTimeoutMs: 5_000 }).qrTimeoutMs).toBe(5_000);
    expect("qrTimeoutMs" in readConfig({})).toBe(false);
  });

  it("goes into the sandbox's WebSocket URL only when announced and both fields are set; WhatsApp's own URL is never changed", () => {
    const ws = "ws://127.0.0.1:40124/ws/chat";
    expect(socketUrl({ websocketUrl: ws, qrTimeoutMs: 5_000 }, true)).toBe(`${ws}?qrTimeoutMs=5000`);
    expect(socketUrl({ websocketUrl: ws, qrTimeoutMs: 5_000 }, false)).toBe(ws);
    expect(socketUrl({ websocketUrl: ws }, true)).toBe(ws);
    expect(socketUrl({ qrTimeoutMs: 5_000 }, true)).toBeUndefined();
  });
});
