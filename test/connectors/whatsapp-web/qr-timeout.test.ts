/** The `qrTimeoutMs` config field: its schema, `readConfig`, and the WebSocket URL that announces it to a sandbox. */
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { WhatsAppWebConfigSchema, readConfig } from "../../../src/connectors/whatsapp-web/config.js";
import { SANDBOX_QR_TIMEOUT_PARAM, socketUrl } from "../../../src/connectors/whatsapp-web/socket.js";
import { QR_TIMEOUT_PARAM } from "../../../sandbox/whatsapp-web/pairing.js";

describe("whatsapp-web qrTimeoutMs", () => {
  it("is optional, a whole number of ms from 1 s to 5 min; absent means WhatsApp Web's 60 s / 20 s", () => {
    const defaulted = Value.Default(WhatsAppWebConfigSchema, {}) as Record<string, unknown>;
    expect(defaulted.qrTimeoutMs).toBeUndefined();
    expect(Value.Check(WhatsAppWebConfigSchema, { ...defaulted, qrTimeoutMs: 5_000 })).toBe(true);
    for (const bad of [999, 300_001, 1_500.5, "5000"]) expect(Value.Check(WhatsAppWebConfigSchema, { ...defaulted, qrTimeoutMs: bad }), String(bad)).toBe(false);
    expect(readConfig({ qrTimeoutMs: 5_000 }).qrTimeoutMs).toBe(5_000);
    expect("qrTimeoutMs" in readConfig({})).toBe(false);
  });

  it("goes into the WebSocket URL only when it is the sandbox's and both fields are set; any other URL is used as configured", () => {
    const ws = "ws://127.0.0.1:40124/ws/chat";
    expect(SANDBOX_QR_TIMEOUT_PARAM).toBe(QR_TIMEOUT_PARAM); // the connector's copy of the sandbox's parameter name
    expect(socketUrl({ websocketUrl: ws, qrTimeoutMs: 5_000 }, ws)).toBe(`${ws}?qrTimeoutMs=5000`);
    expect(socketUrl({ websocketUrl: "WS://127.0.0.1:40124/ws/chat", qrTimeoutMs: 5_000 }, ws)).toBe(`${ws}?qrTimeoutMs=5000`);
    expect(socketUrl({ websocketUrl: ws, qrTimeoutMs: 5_000 }, undefined)).toBe(ws);
    expect(socketUrl({ websocketUrl: ws }, ws)).toBe(ws);
    expect(socketUrl({ qrTimeoutMs: 5_000 }, ws)).toBeUndefined();
    // Sandbox mode with an instance pointed elsewhere: WhatsApp's own server, another sandbox, another path.
    for (const other of ["wss://web.whatsapp.com/ws/chat", "ws://127.0.0.1:40125/ws/chat", "ws://127.0.0.1:40124/ws/other"]) {
      expect(socketUrl({ websocketUrl: other, qrTimeoutMs: 5_000 }, ws), other).toBe(other);
    }
  });
});
