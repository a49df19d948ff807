/**
 * QR refs: the sandbox's schedule on its own clock, and what the real Baileys client does with the
 * refs it receives (shows each in turn, then ends with 408 "QR refs attempts ended").
 */
import { DisconnectReason } from "baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type WhatsAppWebSandbox, createManualClock, parseQr, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { QR_FIRST_TTL_MS, QR_NEXT_TTL_MS, QR_REF_COUNT, QR_SCAN_GRACE_MS, QrRefs, scheduleForQuery } from "../../../sandbox/whatsapp-web/pairing.js";
import { memoryAuth, restoreWhatsAppRoot, startClient, trustSandboxRoot } from "./helpers/baileys-client.js";

describe("QrRefs schedule", () => {
  it("keeps the first ref 60 s, each later one 20 s, then none", () => {
    const t0 = 1_000_000;
    const q = new QrRefs(t0);
    expect(q.refs).toHaveLength(QR_REF_COUNT);
    expect(new Set(q.refs).size).toBe(QR_REF_COUNT);
    expect(QR_FIRST_TTL_MS).toBe(60_000);
    expect(QR_NEXT_TTL_MS).toBe(20_000);
    expect(q.current(t0)).toBe(q.refs[0]);
    expect(q.current(t0 + 59_999)).toBe(q.refs[0]);
    expect(q.current(t0 + 60_000)).toBe(q.refs[1]);
    expect(q.current(t0 + 79_999)).toBe(q.refs[1]);
    expect(q.current(t0 + 80_000)).toBe(q.refs[2]);
    expect(q.endsAt()).toBe(t0 + 60_000 + 5 * 20_000);
    expect(q.current(q.endsAt() - 1)).toBe(q.refs[5]);
    expect(q.current(q.endsAt())).toBeUndefined();
  });

  it("says why a ref cannot be scanned", () => {
    const q = new QrRefs(0, { count: 3, firstTtlMs: 10, nextTtlMs: 5, graceMs: 0 });
    expect(q.state(q.refs[0]!, 0)).toBe("current");
    expect(q.state(q.refs[1]!, 0)).toBe("not-yet-shown");
    expect(q.state(q.refs[0]!, 10)).toBe("expired");
    expect(q.state(q.refs[1]!, 10)).toBe("current");
    expect(q.state(q.refs[2]!, 20)).toBe("expired");
    expect(q.state("2@nope", 0)).toBe("unknown");
  });

  it("still scans a ref for the grace after its expiry (the client rotates a little later), while the next one is current too", () => {
    expect(QR_SCAN_GRACE_MS).toBe(1_000);
    const q = new QrRefs(0, { count: 3, firstTtlMs: 5_000, nextTtlMs: 5_000 });
    expect(q.state(q.refs[0]!, 5_000)).toBe("current");
    expect(q.state(q.refs[1]!, 5_000)).toBe("current");
    expect(q.state(q.refs[0]!, 5_999)).toBe("current");
    expect(q.state(q.refs[0]!, 6_000)).toBe("expired");
    expect(q.state(q.refs[1]!, 4_999)).toBe("not-yet-shown"); // no grace before a ref is shown
    expect(q.state(q.refs[2]!, 15_999)).toBe("current"); // the last ref too
    expect(q.state(q.refs[2]!, 16_000)).toBe("expired");
    expect(q.current(5_000)).toBe(q.refs[1]); // what the client shows is unchanged
  });

  it("refuses a schedule without refs or with a negative grace", () => {
    expect(() => new QrRefs(0, { count: 0 })).toThrow(RangeError);
    expect(() => new QrRefs(0, { graceMs: -1 })).toThrow(RangeError);
  });
});

describe("scheduleForQuery (a client's qrTimeoutMs in the chat URL)", () => {
  const base = { count: 4 };
  it("keeps the base schedule without the parameter; shows every ref for n ms with it", () => {
    expect(scheduleForQuery(base, new URLSearchParams(""))).toBe(base);
    expect(scheduleForQuery(base, new URLSearchParams("qrTimeoutMs=5000"))).toEqual({ count: 4, firstTtlMs: 5000, nextTtlMs: 5000 });
    const q = new QrRefs(0, scheduleForQuery(base, new URLSearchParams("qrTimeoutMs=5000")));
    expect(q.current(4_999)).toBe(q.refs[0]);
    expect(q.current(5_000)).toBe(q.refs[1]);
    expect(q.endsAt()).toBe(20_000);
  });

  it("refuses a malformed or out-of-range value", () => {
    for (const v of ["", "0", "-5", "1.5", "abc", "600001", "1e3", "9999999"]) {
      expect(scheduleForQuery(base, new URLSearchParams({ qrTimeoutMs: v })), v).toBeUndefined();
    }
    expect(scheduleForQuery(base, new URLSearchParams("qrTimeoutMs=600000"))).toMatchObject({ firstTtlMs: 600_000 });
  });
});

describe("parseQr", () => {
  it("splits Baileys' QR string into its five parts", () => {
    expect(parseQr("https://wa.me/settings/linked_devices#2@a+b/c=,bm9pc2U=,aWQ=,YWR2,1")).toEqual({
      ref: "2@a+b/c=",
      noiseKeyB64: "bm9pc2U=",
      identityKeyB64: "aWQ=",
      advSecretB64: "YWR2",
      platform: "1",
    });
    expect(() => parseQr("2@x,y,z")).toThrow(SyntaxError);
  });
});

describe("the real Baileys client and the sandbox's QR refs", () => {
  let sandbox: WhatsAppWebSandbox;
  const clock = createManualClock(1_700_000_000_000);
  beforeAll(async () => {
    sandbox = await startWhatsAppWebSandbox({ clock });
    trustSandboxRoot(sandbox.rootPublicKey);
  });
  afterAll(async () => {
    restoreWhatsAppRoot();
    await sandbox?.close();
  });

  it("shows every ref in order, then ends with 408 QR refs attempts ended", async () => {
    // Baileys' own option `qrTimeout` shortens the client's 60 s / 20 s so the test is fast.
    const client = startClient(sandbox.wsUrl, memoryAuth(), { qrTimeout: 20 });
    const closed = await client.waitFor((u) => u.connection === "close");
    const shown = client.updates.filter((u) => typeof u.qr === "string").map((u) => parseQr(u.qr!).ref);
    expect(shown).toHaveLength(QR_REF_COUNT);
    const err = closed.lastDisconnect?.error as { message: string; output?: { statusCode: number } };
    expect(err.message).toBe("QR refs attempts ended");
    expect(err.output?.statusCode).toBe(DisconnectReason.timedOut);
    expect(err.output?.statusCode).toBe(408);
    expect(new Set(shown).size).toBe(QR_REF_COUNT);
  });

  it("times a connection's refs by the qrTimeoutMs of its URL; a malformed value is refused with 400", async () => {
    const client = startClient(`${sandbox.wsUrl}?qrTimeoutMs=7000`, memoryAuth(), { qrTimeout: 20 });
    try {
      const first = await client.waitFor((u) => typeof u.qr === "string");
      const conn = sandbox.connections().find((c) => c.qrRefs?.refs[0] === parseQr(first.qr!).ref)!;
      const t0 = conn.qrRefs!.issuedAtMs;
      expect(conn.qrRefs!.expiresAt(0)).toBe(t0 + 7000);
      expect(conn.qrRefs!.expiresAt(1)).toBe(t0 + 14_000);
    } finally {
      await client.waitFor((u) => u.connection === "close");
    }
    const ws = new WebSocket(`${sandbox.wsUrl}?qrTimeoutMs=0`);
    const refused = await new Promise<Error>((resolve) => ws.on("error", resolve));
    expect(refused.message).toMatch(/400/);
  });

  it("sends the number of refs it is configured with, timed on its own clock", async () => {
    const small = await startWhatsAppWebSandbox({ clock, qr: { count: 2 } });
    trustSandboxRoot(small.rootPublicKey);
    try {
      const client = startClient(small.wsUrl, memoryAuth(), { qrTimeout: 20 });
      const first = await client.waitFor((u) => typeof u.qr === "string");
      const conn = small.connections().find((c) => c.qrRefs)!;
      expect(conn.qrRefs!.issuedAtMs).toBe(clock.now());
      expect(parseQr(first.qr!).ref).toBe(conn.qrRefs!.refs[0]);
      await client.waitFor((u) => u.connection === "close");
      expect(client.updates.filter((u) => typeof u.qr === "string").map((u) => parseQr(u.qr!).ref)).toEqual(conn.qrRefs!.refs);
      clock.advance(QR_FIRST_TTL_MS);
      expect(conn.qrRefs!.current(clock.now())).toBe(conn.qrRefs!.refs[1]);
    } finally {
      await small.close();
      trustSandboxRoot(sandbox.rootPublicKey);
    }
  });
});
