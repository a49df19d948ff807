/**
 * The contract driver of WhatsApp Web: the WhatsApp Web sandbox in this process, the real Baileys in
 * the connector. A phone per instance, linked by a QR scan; a contact per instance writing to it.
 * Revocation removes the linked device at the phone; a takeover is a bare Baileys client with the
 * instance's stored creds; "unreachable" silences every connection (the server reads, never answers).
 */
import { fileURLToPath } from "node:url";
import { WA_CERT_DETAILS } from "baileys";
import type { Connector, Credentials } from "../../../src/core/connector.js";
import { readCreds } from "../../../src/connectors/whatsapp-web/auth-state.js";
import { whatsappWebConnector } from "../../../src/connectors/whatsapp-web/index.js";
import { startWhatsAppWebSandbox, type WhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { memoryAuth, startClient } from "../../sandbox/whatsapp-web/helpers/baileys-client.js";
import { type ContractDriver, type SeenByOtherSide, until } from "../contract.js";

const WHATSAPP_ROOT = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);
const VERSION = "2.3000.1043857760";
let sandbox: WhatsAppWebSandbox;
const phones = new Map<string, { id: string; number: string; contact?: { id: string; jid: string } }>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- control answers are read field by field
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The child gateway's connector (the kill scenario): trusts the sandbox of this process. */
export function childConnector(env: Record<string, string>): Connector {
  return whatsappWebConnector({ trustRootPublicKey: Buffer.from(env["root"] ?? "", "base64"), fetchLatestVersion: false, baileysLogLevel: "silent" });
}

function phone(name: string): { id: string; number: string; contact?: { id: string; jid: string } } {
  const p = phones.get(name);
  if (!p) throw new Error(`${name} has no phone yet`);
  return p;
}

async function contactOf(name: string): Promise<{ id: string; jid: string }> {
  const p = phone(name);
  if (!p.contact) {
    const r = await call("POST", `/sandbox/phones/${p.id}/contacts`, { name: "Contract contact" });
    if (r.status !== 201) throw new Error(`contact: ${r.status} ${JSON.stringify(r.body)}`);
    p.contact = { id: r.body.id as string, jid: r.body.jid as string };
  }
  return p.contact;
}

const devices = async (name: string): Promise<Array<{ device: number; connected: boolean }>> =>
  (await call("GET", `/sandbox/phones/${phone(name).id}/devices`)).body.devices as Array<{ device: number; connected: boolean }>;

export const whatsappWebDriver: ContractDriver = {
  platform: "whatsapp-web",
  async start() {
    sandbox = await startWhatsAppWebSandbox({ port: 0 });
  },
  async stop() {
    WA_CERT_DETAILS.PUBLIC_KEY = WHATSAPP_ROOT;
    await sandbox.close();
  },
  connector: () =>
    whatsappWebConnector({ trustRootPublicKey: sandbox.rootPublicKey, fetchLatestVersion: false, baileysLogLevel: "silent", announceQrTimeoutTo: sandbox.wsUrl }),
  config: () => ({ websocketUrl: sandbox.wsUrl, version: VERSION }),
  configFor: (scenario) => (scenario === "login-expiry" ? { websocketUrl: sandbox.wsUrl, version: VERSION, qrTimeoutMs: 1_000 } : undefined),
  async login(gw, name) {
    const r = await call("POST", "/sandbox/phones", {});
    phones.set(name, { id: r.body.id as string, number: r.body.number as string });
    await gw.connect(name, { method: "qr", input: {} }, "awaiting_login");
    const qr = await gw.qr(name);
    const scan = await call("POST", `/sandbox/phones/${phone(name).id}/scan`, { qr });
    if (scan.status !== 200) throw new Error(`scan: ${scan.status} ${JSON.stringify(scan.body)}`);
    await until(async () => (await gw.view(name)).status.state === "connected", 20_000, "connected after the scan");
  },
  async inbound(name, text) {
    const c = await contactOf(name);
    const r = await call("POST", `/sandbox/phones/${phone(name).id}/contacts/${c.id}/messages`, { text });
    if (r.status !== 200) throw new Error(`inbound: ${r.status} ${JSON.stringify(r.body)}`);
  },
  thread: (name) => phone(name).contact!.jid,
  async delivered(name) {
    const c = await contactOf(name);
    const r = await call("GET", `/sandbox/phones/${phone(name).id}/contacts/${c.id}/messages`);
    return (r.body.sent as Array<{ text?: string }>).flatMap((m) => (typeof m.text === "string" ? [m.text] : []));
  },
  async seen(name) {
    const c = await contactOf(name);
    const r = await call("GET", `/sandbox/phones/${phone(name).id}/contacts/${c.id}/messages`);
    type Content = { kind: string; text?: string; quoted?: { id: string }; latitude?: number; longitude?: number; vcard?: string; targetId?: string; emoji?: string };
    return (r.body.sent as Array<{ content?: Content }>).flatMap((m): SeenByOtherSide[] => {
      const x = m.content;
      switch (x?.kind) {
        case "text":
          return [{ type: "text", text: x.text ?? "", ...(x.quoted ? { replyTo: x.quoted.id } : {}) }];
        case "location":
          return [{ type: "location", latitude: x.latitude ?? NaN, longitude: x.longitude ?? NaN }];
        case "contact":
          return [{ type: "contact", ...(x.vcard && /TEL[^:]*:([^\r\n]+)/.exec(x.vcard) ? { phone: /TEL[^:]*:([^\r\n]+)/.exec(x.vcard)![1]! } : {}) }];
        case "reaction":
          return [{ type: "reaction", messageId: x.targetId!, emoji: x.emoji ?? "" }];
        case "edit":
          return [{ type: "edit", messageId: x.targetId!, text: x.text ?? "" }];
        case "revoke":
          return [{ type: "delete", messageId: x.targetId! }];
        default:
          return [];
      }
    });
  },
  async inboundContent(name, content) {
    const c = await contactOf(name);
    const body =
      content.type === "location"
        ? { location: { latitude: content.latitude, longitude: content.longitude } }
        : content.type === "contact"
          ? { contact: { vcard: `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${content.name}\r\nTEL:${content.phone}\r\nEND:VCARD`, displayName: content.name } }
          : { text: content.text, replyTo: content.replyTo };
    const r = await call("POST", `/sandbox/phones/${phone(name).id}/contacts/${c.id}/messages`, body);
    if (r.status !== 200) throw new Error(`inbound content: ${r.status} ${JSON.stringify(r.body)}`);
  },
  remoteLogout: "revoked",
  endedAtPlatform: async (name) => (await devices(name)).length === 0,
  secrets: () => [],
  async revoke(name) {
    const [d] = await devices(name);
    if (!d) throw new Error("no linked device to remove");
    await call("DELETE", `/sandbox/phones/${phone(name).id}/devices/${d.device}`);
  },
  async takeOver(_name, credentials: Credentials) {
    const creds = readCreds(credentials);
    if (!creds) throw new Error("the instance holds no creds");
    const other = startClient(sandbox.wsUrl, memoryAuth(creds));
    await other.waitFor((u) => u.connection === "open", 10_000);
    return async () => other.end();
  },
  async unreachable(on) {
    if (on) await call("POST", "/sandbox/faults", { kind: "silence" });
    else await call("DELETE", "/sandbox/faults");
  },
  async expiringLogin(gw, name) {
    // Six QR refs of 1 s each: the login runs out after 6 s without a scan.
    await gw.connect(name, { method: "qr", input: {} }, "awaiting_login");
  },
  child: () => ({ driverModule: fileURLToPath(import.meta.url), env: { root: Buffer.from(sandbox.rootPublicKey).toString("base64") } }),
  skips: {},
};
