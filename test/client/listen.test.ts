import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  GatewayTimeoutError,
  Switchboard,
  SwitchboardError,
  type ListenError,
  type SwitchboardEvent,
} from "../../client/src/index.js";
import { until } from "../support/gateway-harness.js";

/**
 * The listener's client-side contract against a scripted SSE server on loopback: what it sends on
 * (re)connect, which failures it retries and which end it, dedupe, idle detection, and stop. The
 * real gateway's stream is covered by listen-gateway.test.ts.
 */

interface Conn {
  url: URL;
  headers: IncomingMessage["headers"];
  closed: boolean;
}
type Script = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Serves connection i with scripts[i] (the last script repeats); records every connection. */
async function sse(scripts: Script[]): Promise<{ url: string; conns: Conn[] }> {
  const conns: Conn[] = [];
  server = createServer((req, res) => {
    const conn: Conn = { url: new URL(req.url ?? "/", "http://x"), headers: req.headers, closed: false };
    conns.push(conn);
    res.on("close", () => (conn.closed = true));
    scripts[Math.min(conns.length - 1, scripts.length - 1)]!(req, res);
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, conns };
}

function event(id: string, body = `text ${id}`): SwitchboardEvent {
  return {
    id,
    type: "message.received",
    instance: "bot",
    platform: "memory",
    ts: 1,
    metadata: {},
    data: { threadId: "t", senderId: "s", body, messageId: id, timestamp: 1 },
  };
}

const frame = (e: SwitchboardEvent): string => `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`;
const open = (res: ServerResponse): void => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.flushHeaders();
};
/** Sends `events` then ends the response. */
const sendAndEnd =
  (...events: SwitchboardEvent[]): Script =>
  (_req, res) => {
    open(res);
    res.end(events.map(frame).join(""));
  };
/** Sends `events` and keeps the stream open. */
const sendAndHold =
  (...events: SwitchboardEvent[]): Script =>
  (_req, res) => {
    open(res);
    res.write(events.map(frame).join(""));
  };
const fail =
  (status: number, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Script =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify({ error: { code, message: `failed with ${code}`, ...extra } }));
  };

function collect() {
  const events: SwitchboardEvent[] = [];
  const errors: ListenError[] = [];
  return {
    events,
    errors,
    callback: (err: ListenError | null, e: SwitchboardEvent | undefined) => {
      if (err) errors.push(err);
      else events.push(e!);
    },
  };
}

const FAST = { minDelayMs: 5, maxDelayMs: 20 };

describe("listen (scripted SSE server)", () => {
  it("asks for the stream with the token, the filters and text/event-stream", async () => {
    const s = await sse([sendAndHold(event("e1"))]);
    const c = collect();
    const stop = new Switchboard({ url: s.url, token: "sbk_t" }).instance("bot").listen(c.callback, { types: ["message.received", "instance.status"] });
    await until(() => c.events.length === 1);
    stop();
    await stop.closed;
    const conn = s.conns[0]!;
    expect(conn.url.pathname).toBe("/v1/events/stream");
    expect(conn.url.searchParams.get("instance")).toBe("bot");
    expect(conn.url.searchParams.get("type")).toBe("message.received,instance.status");
    expect(conn.url.searchParams.has("after")).toBe(false);
    expect(conn.headers.accept).toBe("text/event-stream");
    expect(conn.headers.authorization).toBe("Bearer sbk_t");
    expect(conn.headers["last-event-id"]).toBeUndefined();
    expect(stop.lastEventId).toBe("e1");
    await until(() => conn.closed, 2_000, "the connection closed by stop()");
  });

  it("reconnects after the stream ends, resumes with Last-Event-ID, and drops a repeated id", async () => {
    const s = await sse([sendAndEnd(event("e1"), event("e2")), sendAndHold(event("e2"), event("e3"))]);
    const c = collect();
    const stop = new Switchboard({ url: s.url }).listen(c.callback, FAST);
    await until(() => c.events.length === 3);
    stop();
    expect(c.events.map((e) => e.id)).toEqual(["e1", "e2", "e3"]);
    expect(c.errors).toEqual([]);
    expect(s.conns[1]!.headers["last-event-id"]).toBe("e2");
    expect(s.conns[1]!.url.searchParams.get("after")).toBe("e2");
  });

  it("starts after `after`, and an id-only block moves the cursor", async () => {
    const idOnly: Script = (_req, res) => {
      open(res);
      res.end(": hello\nid: e7\n\n");
    };
    const s = await sse([idOnly, sendAndHold(event("e8"))]);
    const c = collect();
    const stop = new Switchboard({ url: s.url }).listen(c.callback, { ...FAST, after: "e5" });
    await until(() => c.events.length === 1);
    stop();
    expect(s.conns[0]!.headers["last-event-id"]).toBe("e5");
    expect(s.conns[1]!.headers["last-event-id"]).toBe("e7");
  });

  it("a frame cut off before its blank line is neither delivered nor counted", async () => {
    const cut: Script = (_req, res) => {
      open(res);
      res.write(frame(event("e1")) + `id: e2\ndata: ${JSON.stringify(event("e2"))}\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const s = await sse([cut, sendAndHold(event("e2"))]);
    const c = collect();
    const stop = new Switchboard({ url: s.url }).listen(c.callback, FAST);
    await until(() => c.events.length === 2);
    stop();
    expect(c.events.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(s.conns[1]!.headers["last-event-id"]).toBe("e1");
  });

  it("reports 5xx and retries; 429 waits retryAfterMs", async () => {
    const s = await sse([fail(503, "SHUTTING_DOWN"), fail(429, "RATE_LIMITED", { retryAfterMs: 300 }), sendAndHold(event("e1"))]);
    const c = collect();
    const t: number[] = [];
    const stop = new Switchboard({ url: s.url }).listen((err, e) => {
      t.push(Date.now());
      c.callback(err, e);
    }, FAST);
    await until(() => c.events.length === 1, 5_000);
    stop();
    expect(c.errors.map((e) => (e as SwitchboardError).code)).toEqual(["SHUTTING_DOWN", "RATE_LIMITED"]);
    expect(c.errors.every((e) => e instanceof SwitchboardError)).toBe(true);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(250);
  });

  it("ends on 401 (and 404): one error, no retry, `closed` resolves", async () => {
    for (const [status, code] of [
      [401, "UNAUTHENTICATED"],
      [404, "INSTANCE_NOT_FOUND"],
    ] as const) {
      const s = await sse([fail(status, code)]);
      const c = collect();
      const stop = new Switchboard({ url: s.url }).instance("bot").listen(c.callback, FAST);
      await stop.closed;
      expect(c.errors).toHaveLength(1);
      expect(c.errors[0]).toMatchObject({ status, code });
      await new Promise((r) => setTimeout(r, 50));
      expect(s.conns).toHaveLength(1);
      server!.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    }
  });

  it("`event: end` frames: SHUTTING_DOWN is retried, EVENTS_EXPIRED ends the listener", async () => {
    const end = (code: string): Script => (_req, res) => {
      open(res);
      res.end(`event: end\ndata: ${JSON.stringify({ error: { code, message: `ended: ${code}` } })}\n\n`);
    };
    const s = await sse([sendAndEnd(event("e1")), end("SHUTTING_DOWN"), end("EVENTS_EXPIRED")]);
    const c = collect();
    const stop = new Switchboard({ url: s.url }).listen(c.callback, FAST);
    await stop.closed;
    expect(c.events.map((e) => e.id)).toEqual(["e1"]);
    expect(c.errors.map((e) => [(e as SwitchboardError).code, (e as SwitchboardError).status])).toEqual([
      ["SHUTTING_DOWN", 503],
      ["EVENTS_EXPIRED", 410],
    ]);
    expect(s.conns).toHaveLength(3);
    expect(s.conns[2]!.headers["last-event-id"]).toBe("e1");
  });

  it("reconnects when the stream goes silent past idleTimeoutMs", async () => {
    const s = await sse([sendAndHold(event("e1")), sendAndHold(event("e2"))]);
    const c = collect();
    const stop = new Switchboard({ url: s.url }).listen(c.callback, { ...FAST, idleTimeoutMs: 150 });
    await until(() => c.events.length === 2, 5_000);
    stop();
    expect(c.errors[0]).toBeInstanceOf(GatewayTimeoutError);
    expect(s.conns[0]!.closed).toBe(true);
    expect(s.conns[1]!.headers["last-event-id"]).toBe("e1");
  });

  it("an async callback holds the next event until it settles; a throwing callback does not stop the stream", async () => {
    const s = await sse([sendAndHold(event("e1"), event("e2"), event("e3"))]);
    const order: string[] = [];
    const thrown: unknown[] = [];
    const onUncaught = (e: unknown) => thrown.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const stop = new Switchboard({ url: s.url }).listen(async (err, e) => {
        if (err) return;
        order.push(`start ${e.id}`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`end ${e.id}`);
        if (e.id === "e2") throw new Error("handler bug");
      });
      await until(() => order.length === 6);
      stop();
      await stop.closed;
      await until(() => thrown.length === 1);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    expect(order).toEqual(["start e1", "end e1", "start e2", "end e2", "start e3", "end e3"]);
    expect((thrown[0] as Error).message).toBe("handler bug");
  });
});
