/**
 * The bench connector: a platform that is always connected and never talks to anything. Its sessions
 * hand events to the gateway exactly as a real connector does — `host.receive({events, state})`,
 * awaited (the gateway stores the batch with the cursor, then publishes) — when `emit` is called.
 */
import { Type } from "@sinclair/typebox";
import type { Connector, InboundEvent, Session, SessionHost } from "../../src/core/connector.js";
import { err } from "../../src/core/errors.js";

/** The live sessions, by instance name. */
export const sessions = new Map<string, BenchSession>();

export class BenchSession implements Session {
  private seq = 0;

  constructor(
    readonly name: string,
    private readonly host: SessionHost,
  ) {}

  /**
   * Hands `n` `message.received` events to the gateway in one batch, with the cursor; resolves once
   * they are stored. Each body is `body` (the bench puts the emit time there).
   */
  emit(n: number, body: string): Promise<void> {
    const events: InboundEvent[] = [];
    for (let i = 0; i < n; i++) {
      const seq = ++this.seq;
      events.push({ id: `bench:${this.name}:${seq}`, type: "message.received", data: { threadId: "t1", senderId: "u1", body, messageId: String(seq), timestamp: Date.now() } });
    }
    return this.host.receive({ events, state: { cursor: this.seq } });
  }

  async close(): Promise<void> {
    sessions.delete(this.name);
  }

  /** The bench platform declares `send: false`. */
  async send(): Promise<never> {
    throw err("NOT_SUPPORTED", { message: "The bench platform sends nothing." });
  }
}

export function benchConnector(): Connector {
  return {
    platform: "bench",
    displayName: "Bench",
    configSchema: Type.Object({}),
    capabilities: { login: [{ method: "token" }], remoteLogout: false, send: false },
    actions: [],
    connect(ctx) {
      const s = new BenchSession(ctx.instance.name, ctx.host);
      sessions.set(ctx.instance.name, s);
      queueMicrotask(() => ctx.host.connected({ self: { id: "bench", name: "Bench" } }));
      return s;
    },
    logoutRemote: async () => "not_supported",
  };
}
