/**
 * The server's Noise certificate chain must lead to the trusted root (issue 12): a WhatsApp Web
 * server whose intermediate certificate is signed by another root is refused with a clear error and
 * no QR, and the trusted one is accepted. Real Baileys against two real WhatsApp Web sandboxes with
 * different root keys.
 */
import { WA_CERT_DETAILS } from "baileys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Credentials, InboundEvent, LoginStep, Session, SessionHost } from "../../../src/core/connector.js";
import type { DisconnectKind } from "../../../src/core/status.js";
import { whatsappWebConnector } from "../../../src/connectors/whatsapp-web/index.js";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";

const WHATSAPP_ROOT = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let trusted: WhatsAppWebSandbox;
let stranger: WhatsAppWebSandbox;
const sessions: Session[] = [];
beforeAll(async () => {
  trusted = await startWhatsAppWebSandbox();
  stranger = await startWhatsAppWebSandbox(); // its own random root key
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});
afterAll(async () => {
  WA_CERT_DETAILS.PUBLIC_KEY = WHATSAPP_ROOT;
  await trusted?.close();
  await stranger?.close();
});

class Host implements SessionHost {
  steps: LoginStep[] = [];
  disconnects: { kind: DisconnectKind; error: { code: string; message: string } }[] = [];
  connectedAs: string | null = null;
  loginStep(step: LoginStep): void {
    this.steps.push(step);
  }
  connected({ self }: { self: { id: string } }): void {
    this.connectedAs = self.id;
  }
  disconnected(d: { kind: DisconnectKind; error: { code: string; message: string } }): void {
    this.disconnects.push(d);
  }
  async saveCredentials(_c: Credentials): Promise<void> {}
  async sentMessage(): Promise<null> {
    return null;
  }
  async storedMessage(): Promise<null> {
    return null;
  }
  async receive(_b: { events: readonly InboundEvent[] }): Promise<void> {}
}

function open(websocketUrl: string): Host {
  const connector = whatsappWebConnector({ trustRootPublicKey: trusted.rootPublicKey, fetchLatestVersion: false, baileysLogLevel: "silent" });
  const host = new Host();
  sessions.push(
    connector.connect({
      instance: { id: "ins_trust", name: "wa", platform: "whatsapp-web" },
      config: { websocketUrl },
      credentials: null,
      login: { method: "qr", input: {} },
      state: {},
      webhookUrl: null,
      keys: { get: async () => new Map(), set: async () => {} },
      host,
      logger: quiet,
      net: { agentFor: () => undefined, proxyOptions: () => undefined },
    }),
  );
  return host;
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("whatsapp-web: the server's certificate chain", () => {
  it("refuses a server whose chain leads to another root: fatal PLATFORM_UNTRUSTED, no QR", async () => {
    const host = open(stranger.wsUrl);
    const d = await until("the refusal", () => host.disconnects[0]);
    expect(d.kind).toBe("fatal");
    expect(d.error.code).toBe("PLATFORM_UNTRUSTED");
    expect(d.error.message).toMatch(/certificate/i);
    await new Promise((r) => setTimeout(r, 300));
    expect(host.steps).toEqual([]);
    expect(host.disconnects).toHaveLength(1);
  });

  it("accepts the server whose chain leads to the trusted root: a QR is shown", async () => {
    const host = open(trusted.wsUrl);
    const step = await until("a QR", () => host.steps[0]);
    expect(step.method).toBe("qr");
    expect(host.disconnects).toEqual([]);
  });
});
