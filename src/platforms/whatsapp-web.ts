/**
 * The WhatsApp Web platform: linked devices on Baileys (src/connectors/whatsapp-web), the WhatsApp
 * Web sandbox (sandbox/whatsapp-web), and their wiring. See docs/whatsapp-web.md and
 * docs/sandbox-whatsapp-web.md.
 */
import type { WhatsAppWebConnectorOptions } from "../connectors/whatsapp-web/index.js";
import type { SandboxPanel } from "./panel.js";
import { definePlatform } from "./types.js";

/**
 * One root key pair per process for sandbox mode: Baileys trusts a single root process-wide, so
 * every sandbox-mode gateway of a process (tests start several) signs with the same root and stays
 * trusted. (The standalone command makes a fresh one each start.)
 */
let processRoot: { public: Uint8Array; private: Uint8Array } | undefined;

/** The dashboard panel of the WhatsApp Web sandbox: a phone that scans QRs, enters pairing codes, writes as a contact. */
const panel: SandboxPanel = {
  title: "WhatsApp phone",
  resultLabel: "Phone result",
  envelope: "plain",
  reloadOn: { types: ["message.sent", "instance.status", "instance.logged_out", "instance.deleted"] },
  parts: [
    {
      kind: "row",
      parts: [
        {
          kind: "button",
          id: "create-phone",
          label: "Create phone",
          steps: [{ method: "POST", path: "/phones", body: {} }],
          done: { result: "Created {answer.id} (+{answer.number}).", addTo: "phone" },
        },
      ],
    },
    { kind: "picker", id: "phone", label: "Phone", load: { method: "GET", path: "/phones", items: "phones" }, value: "id", text: "{id} (+{number})", resets: ["contact"] },
    { kind: "value", id: "number", label: "Phone number", prefix: "Number: +", text: "{phone.number|none yet}" },
    {
      kind: "row",
      parts: [
        {
          kind: "button",
          id: "scan",
          label: "Scan QR of the selected instance",
          style: "primary",
          requires: [
            { value: "{phone.id}", message: "Create a phone first." },
            { value: "{instance.name}", message: "Select the instance showing the QR first." },
          ],
          steps: [{ method: "POST", path: "/phones/{phone.id}/scan", body: { qr: "{instance.qr}" } }],
          done: { result: "Scanned the QR of {instance.name}." },
        },
      ],
    },
    { kind: "input", id: "code", label: "Pairing code" },
    {
      kind: "button",
      id: "pairing-code",
      label: "Enter pairing code",
      requires: [{ value: "{phone.id}", message: "Create a phone first." }],
      steps: [{ method: "POST", path: "/phones/{phone.id}/pairing-code", body: { code: "{input.code}" } }],
      done: { result: "Pairing code accepted.", clear: ["code"] },
    },
    { kind: "input", id: "text", label: "Contact message" },
    {
      kind: "button",
      id: "send",
      label: "Send as contact",
      requires: [
        { value: "{phone.id}", message: "Create a phone first." },
        { value: "{input.text}", message: "Type a message first." },
      ],
      steps: [
        { method: "POST", path: "/phones/{phone.id}/contacts", body: { name: "Sandbox contact" }, saveAs: "contact", unlessSaved: "contact" },
        { method: "POST", path: "/phones/{phone.id}/contacts/{vars.contact.id}/messages", body: { text: "{input.text}" } },
      ],
      done: { result: "The contact sent the message.", clear: ["text"] },
    },
    { kind: "button", id: "refresh", label: "Refresh devices and chat", style: "small", steps: [], done: { result: "" } },
    {
      kind: "list",
      id: "chat",
      label: "Chat with the contact",
      heading: "Chat with the contact",
      ordered: true,
      request: { method: "GET", path: "/phones/{phone.id}/contacts/{vars.contact.id}/messages", items: "conversation" },
      text: "{who}: {text}",
      itemClass: "{from}",
    },
    {
      kind: "list",
      id: "devices",
      label: "Linked devices",
      heading: "Linked devices",
      request: { method: "GET", path: "/phones/{phone.id}/devices", items: "devices" },
      text: "{device}: {name|device} {connected?(online):(offline)}",
      empty: "No linked devices.",
      itemButton: {
        label: "Remove device {item.device}",
        style: "danger",
        steps: [{ method: "DELETE", path: "/phones/{phone.id}/devices/{item.device}" }],
        done: { result: "Removed device {item.device}." },
      },
    },
  ],
};

export const whatsappWebPlatform = definePlatform<WhatsAppWebConnectorOptions>({
  id: "whatsapp-web",
  displayName: "WhatsApp (linked device)",
  async connector(options) {
    const { whatsappWebConnector } = await import("../connectors/whatsapp-web/index.js");
    return whatsappWebConnector(options);
  },
  sandbox: {
    name: "whatsapp-web",
    description: "a local WhatsApp Web (multi-device) server for Baileys' waWebSocketUrl, with a control API under /sandbox",
    defaultPort: 8082,
    options: [
      { flags: "--tls", description: "serve wss:// and https:// with a self-signed certificate generated at start (printed)", kind: "boolean" },
      { flags: "--phone <number>", description: "create a phone (account) with this number at start (repeatable)", kind: "list" },
    ],
    help: "Clients trust the sandbox by setting Baileys' WA_CERT_DETAILS.PUBLIC_KEY to the printed root key.",
    async start({ host, port, options, mode, log }) {
      const { startWhatsAppWebSandbox } = await import("../../sandbox/whatsapp-web/index.js");
      const shared = mode === "gateway" ? processRoot : undefined;
      const sandbox = await startWhatsAppWebSandbox({ host, port, log, ...(options.tls === true ? { tls: true as const } : {}), ...(shared ? { rootKey: shared } : {}) });
      if (mode === "gateway") processRoot ??= sandbox.certs.root;
      const phones = (Array.isArray(options.phone) ? (options.phone as string[]) : []).map((number) => sandbox.createPhone({ number })).map(({ id, number }) => ({ id, number }));
      const controlUrl = `${sandbox.url}/sandbox`;
      const rootPublicKey = Buffer.from(sandbox.rootPublicKey).toString("base64");
      return {
        url: sandbox.url,
        endpoint: sandbox.wsUrl,
        info: { url: sandbox.url, wsUrl: sandbox.wsUrl, controlUrl, rootPublicKey },
        // The sandbox's root key (Baileys' WA_CERT_DETAILS, process-wide); no version fetch from
        // web.whatsapp.com; a configured qrTimeoutMs told to the sandbox in the WebSocket URL.
        connectorOptions: { trustRootPublicKey: sandbox.rootPublicKey, fetchLatestVersion: false, announceQrTimeoutTo: sandbox.wsUrl },
        configDefaults: { websocketUrl: sandbox.wsUrl },
        report: {
          lines: [
            `WhatsApp Web sandbox listening on ${sandbox.url}`,
            `waWebSocketUrl:  ${sandbox.wsUrl}`,
            `control API:     ${controlUrl}`,
            `root public key: ${rootPublicKey}   (WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(key, "base64"))`,
            ...phones.map((p) => `phone ${p.id}: ${p.number}`),
            ...(sandbox.tlsCert ? [`TLS certificate (trust it in the client's agent: new https.Agent({ ca })):\n${sandbox.tlsCert.trimEnd()}`] : []),
          ],
          json: { wsUrl: sandbox.wsUrl, controlUrl, rootPublicKey, ...(sandbox.tlsCert ? { tlsCert: sandbox.tlsCert } : {}), phones },
        },
        close: () => sandbox.close(),
      };
    },
    panel,
  },
});
