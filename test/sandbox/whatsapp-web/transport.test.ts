/**
 * Transport of the WhatsApp Web sandbox: framing, the certificate chain, and the Noise XX handshake
 * as the real (pinned, unmodified) Baileys client runs it against the sandbox.
 */
import { proto as baileysProto, Curve, WA_CERT_DETAILS } from "baileys";
import { X509Certificate } from "node:crypto";
import { Duplex } from "node:stream";
import { Agent } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type WhatsAppWebSandbox, parseQr, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { createCertificates } from "../../../sandbox/whatsapp-web/certs.js";
import { createSelfSignedTls } from "../../../sandbox/whatsapp-web/tls.js";
import { MAX_RECEIVED_NODES, MAX_WS_PAYLOAD, startServer } from "../../../sandbox/whatsapp-web/server.js";
import { SandboxState } from "../../../sandbox/whatsapp-web/state.js";
import { createSystemClock } from "../../../sandbox/kit/clock.js";
import { generateKeyPair, verify } from "../../../sandbox/whatsapp-web/noise/crypto.js";
import { FrameReader, FramingError, encodeFrame } from "../../../sandbox/whatsapp-web/noise/framing.js";
import { memoryAuth, restoreWhatsAppRoot, startClient, trustSandboxRoot } from "./helpers/baileys-client.js";

let sandbox: WhatsAppWebSandbox;
const logged: string[] = [];
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox({ log: (l) => logged.push(l) });
  trustSandboxRoot(sandbox.rootPublicKey);
});
afterAll(async () => {
  restoreWhatsAppRoot();
  await sandbox?.close();
});

describe("framing", () => {
  it("reads the intro header, then frames split across and joined within chunks", () => {
    const r = new FrameReader();
    const bytes = new Uint8Array([0x57, 0x41, 6, 3, ...encodeFrame(Uint8Array.of(1, 2, 3)), ...encodeFrame(new Uint8Array(300).fill(7))]);
    expect(r.push(bytes.subarray(0, 2))).toEqual([]);
    expect(r.push(bytes.subarray(2, 10))).toEqual([Uint8Array.of(1, 2, 3)]);
    const rest = r.push(bytes.subarray(10));
    expect(rest).toHaveLength(1);
    expect(rest[0]!.length).toBe(300);
    expect(r.intro).toEqual({});
  });

  it("reads the routing info of an ED header", () => {
    const r = new FrameReader();
    const frames = r.push(Uint8Array.of(0x45, 0x44, 0, 1, 0, 0, 2, 9, 8, 0x57, 0x41, 6, 3, 0, 0, 1, 42));
    expect(frames).toEqual([Uint8Array.of(42)]);
    expect(r.intro?.routingInfo).toEqual(Uint8Array.of(9, 8));
  });

  it("refuses another intro header", () => {
    expect(() => new FrameReader().push(Uint8Array.of(0x57, 0x41, 5, 2, 0, 0, 0))).toThrow(FramingError);
  });

  it("writes a 3-byte big-endian length", () => {
    expect(encodeFrame(new Uint8Array(0x10203))).toHaveLength(0x10203 + 3);
    expect([...encodeFrame(new Uint8Array(0x10203)).subarray(0, 3)]).toEqual([1, 2, 3]);
  });
});

describe("certificate chain", () => {
  it("is root → intermediate (issuer serial 0) → leaf certifying the static key, as Baileys' proto reads it", () => {
    const certs = createCertificates();
    const chain = baileysProto.CertChain.decode(certs.chain);
    const inter = baileysProto.CertChain.NoiseCertificate.Details.decode(chain.intermediate!.details!);
    const leaf = baileysProto.CertChain.NoiseCertificate.Details.decode(chain.leaf!.details!);
    expect(inter.issuerSerial).toBe(0);
    expect(Buffer.from(inter.key!)).toEqual(Buffer.from(certs.intermediate.public));
    expect(Buffer.from(leaf.key!)).toEqual(Buffer.from(certs.serverStatic.public));
    expect(leaf.issuerSerial).toBe(inter.serial);
    // Signatures: by the sandbox root, not by WhatsApp's (libsignal's verify returns a boolean).
    expect(verify(certs.rootPublicKey, chain.intermediate!.details!, chain.intermediate!.signature!)).toBe(true);
    expect(verify(WA_CERT_DETAILS.PUBLIC_KEY, chain.intermediate!.details!, chain.intermediate!.signature!)).toBe(false);
    expect(verify(certs.intermediate.public, chain.leaf!.details!, chain.leaf!.signature!)).toBe(true);
    expect(verify(generateKeyPair().public, chain.leaf!.details!, chain.leaf!.signature!)).toBe(false);
  });

  it("keeps a given root key", () => {
    const root = generateKeyPair();
    expect(createCertificates({ root }).rootPublicKey).toEqual(root.public);
  });
});

describe("the real Baileys client", () => {
  it("completes the Noise handshake, registers, and shows a QR made of the sandbox's first ref", async () => {
    const auth = memoryAuth();
    const client = startClient(sandbox.wsUrl, auth);
    try {
      const u = await client.waitFor((x) => typeof x.qr === "string");
      const conn = sandbox.connections().find((c) => c.payload !== undefined)!;
      expect(conn.payload?.username).toBeUndefined();
      expect(conn.payload?.devicePairingData?.eIdent).toEqual(new Uint8Array(auth.creds.signedIdentityKey.public));
      expect(conn.clientStatic).toEqual(new Uint8Array(auth.creds.noiseKey.public));
      const qr = parseQr(u.qr!);
      expect(qr.ref).toBe(conn.qrRefs!.refs[0]);
      expect(Buffer.from(qr.noiseKeyB64, "base64")).toEqual(Buffer.from(auth.creds.noiseKey.public));
      expect(qr.advSecretB64).toBe(auth.creds.advSecretKey);
      // Baileys acknowledged the pair-device IQ.
      await expect.poll(() => conn.received.some((n) => n.tag === "iq" && n.attrs.type === "result")).toBe(true);
    } finally {
      client.end();
    }
  });

  it("gets answers to its keepalive pings over the encrypted transport", async () => {
    const client = startClient(sandbox.wsUrl, memoryAuth());
    try {
      await client.waitFor((x) => typeof x.qr === "string");
      const answer = await client.sock.query({
        tag: "iq",
        attrs: { id: client.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "w:p" },
        content: [{ tag: "ping", attrs: {} }],
      });
      expect(answer.tag).toBe("iq");
      expect(answer.attrs.type).toBe("result");
    } finally {
      client.end();
    }
  });

  it("refuses IQs other than pairing and ping before login (401), and still answers pings", async () => {
    const client = startClient(sandbox.wsUrl, memoryAuth());
    try {
      await client.waitFor((x) => typeof x.qr === "string");
      const count = client.sock.query({
        tag: "iq",
        attrs: { id: client.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "encrypt" },
        content: [{ tag: "count", attrs: {} }],
      });
      await expect(count).rejects.toMatchObject({ data: 401 });
      expect(logged.some((l) => l.includes('xmlns="encrypt"><count> before login: 401'))).toBe(true);
      const ping = await client.sock.query({
        tag: "iq",
        attrs: { id: client.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "w:p" },
        content: [{ tag: "ping", attrs: {} }],
      });
      expect(ping.attrs.type).toBe("result");
    } finally {
      client.end();
    }
  });

  it("serves each connection with a fresh Noise ephemeral key (two clients at once)", async () => {
    const a = startClient(sandbox.wsUrl, memoryAuth());
    const b = startClient(sandbox.wsUrl, memoryAuth());
    try {
      const [qa, qb] = await Promise.all([a.waitFor((x) => !!x.qr), b.waitFor((x) => !!x.qr)]);
      expect(parseQr(qa.qr!).ref).not.toBe(parseQr(qb.qr!).ref);
    } finally {
      a.end();
      b.end();
    }
  });
});

describe("refusals", () => {
  it("refuses WebSocket upgrades on other paths", async () => {
    const ws = new WebSocket(sandbox.wsUrl.replace("/ws/chat", "/other"));
    const err = await new Promise<Error>((resolve) => ws.on("error", resolve));
    expect(err.message).toMatch(/404/);
  });

  it("survives a client that resets the connection while an upgrade on another path is refused", async () => {
    // Node's HTTP server hands upgrade sockets over without an error listener: without one, the
    // reset becomes an uncaught exception that ends the process (vitest reports it as an error).
    const running = await startServer(
      { certs: createCertificates(), clock: createSystemClock(), qr: {}, state: new SandboxState(createSystemClock()), log: () => {} },
      { host: "127.0.0.1", port: 0 },
    );
    try {
      const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
      const socket = new Duplex({ read() {}, write: (_chunk, _enc, callback) => callback(reset) });
      running.http.emit("upgrade", { url: "/other", headers: {} }, socket, Buffer.alloc(0));
      await new Promise((r) => socket.once("close", r));
      expect(socket.destroyed).toBe(true);
    } finally {
      await running.close();
    }
  });

  it("closes a connection whose WebSocket message is larger than MAX_WS_PAYLOAD (1009)", async () => {
    const ws = new WebSocket(sandbox.wsUrl);
    await new Promise((r) => ws.on("open", r));
    ws.send(new Uint8Array(MAX_WS_PAYLOAD + 1));
    const code = await new Promise<number>((r) => ws.on("close", r));
    expect(code).toBe(1009);
  });

  it("keeps the last MAX_RECEIVED_NODES nodes a connection sent", async () => {
    const client = startClient(sandbox.wsUrl, memoryAuth());
    try {
      await client.waitFor((x) => typeof x.qr === "string");
      const conn = sandbox.connections().find((c) => c.registration && c.received.length < 5)!;
      for (let i = 0; i < MAX_RECEIVED_NODES + 5; i++) await client.sock.sendNode({ tag: "iq", attrs: { id: `n${i}`, type: "result", to: "s.whatsapp.net" } });
      await expect.poll(() => conn.received.at(-1)?.attrs.id).toBe(`n${MAX_RECEIVED_NODES + 4}`);
      expect(conn.received).toHaveLength(MAX_RECEIVED_NODES);
    } finally {
      client.end();
    }
  });

  it("closes a connection whose intro header is wrong", async () => {
    const ws = new WebSocket(sandbox.wsUrl);
    await new Promise((r) => ws.on("open", r));
    ws.send(Uint8Array.of(0x57, 0x41, 5, 2, 0, 0, 0));
    await new Promise((r) => ws.on("close", r));
    expect(logged.some((l) => l.includes("bad intro header"))).toBe(true);
  });

  it("closes a connection whose handshake does not authenticate", async () => {
    const ws = new WebSocket(sandbox.wsUrl);
    await new Promise((r) => ws.on("open", r));
    const hello = baileysProto.HandshakeMessage.encode({ clientHello: { ephemeral: Curve.generateKeyPair().public } }).finish();
    ws.send(new Uint8Array([0x57, 0x41, 6, 3, ...encodeFrame(hello)]));
    await new Promise((r) => ws.once("message", r));
    const finish = baileysProto.HandshakeMessage.encode({ clientFinish: { static: new Uint8Array(48), payload: new Uint8Array(20) } }).finish();
    ws.send(encodeFrame(finish));
    await new Promise((r) => ws.on("close", r));
    expect(logged.some((l) => l.includes("does not authenticate"))).toBe(true);
  });
});

describe("TLS", () => {
  it("generates a self-signed certificate for localhost and the loopback addresses", () => {
    const tls = createSelfSignedTls(["sandbox.test", "10.1.2.3"]);
    const x = new X509Certificate(tls.cert);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    for (const h of ["localhost", "sandbox.test"]) expect(x.checkHost(h)).toBe(h);
    for (const ip of ["127.0.0.1", "::1", "10.1.2.3"]) expect(x.checkIP(ip)).toBe(ip);
    expect(Date.parse(x.validTo) - Date.now()).toBeGreaterThan(300 * 24 * 3600_000);
  });

  it("serves wss:// to a Baileys client given an agent that trusts the sandbox's certificate", async () => {
    const secure = await startWhatsAppWebSandbox({ tls: true });
    trustSandboxRoot(secure.rootPublicKey);
    try {
      expect(secure.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
      const client = startClient(secure.wsUrl, memoryAuth(), { agent: new Agent({ ca: secure.tlsCert }) });
      try {
        const u = await client.waitFor((x) => typeof x.qr === "string");
        expect(parseQr(u.qr!).ref).toBe(secure.connections()[0]!.qrRefs!.refs[0]);
      } finally {
        client.end();
      }
      // Without the agent the self-signed certificate is refused.
      const untrusting = startClient(secure.wsUrl, memoryAuth());
      const closed = await untrusting.waitFor((x) => x.connection === "close");
      expect(closed.lastDisconnect?.error?.message).toMatch(/self.signed|certificate/i);
    } finally {
      await secure.close();
      trustSandboxRoot(sandbox.rootPublicKey);
    }
  });
});
