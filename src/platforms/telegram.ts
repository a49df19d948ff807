/**
 * The Telegram platform: bots on the Bot API (src/connectors/telegram), the Bot API sandbox
 * (sandbox/telegram), and their wiring. See docs/telegram.md and docs/sandbox-telegram.md.
 */
import type { TelegramConnectorOptions } from "../connectors/telegram/index.js";
import type { SandboxPanel } from "./panel.js";
import { definePlatform } from "./types.js";

/** The dashboard panel of the Telegram sandbox: a bot (its token for the connect form), a user writing to it, what the bot sent. */
const panel: SandboxPanel = {
  title: "Telegram",
  resultLabel: "Telegram result",
  envelope: "bot-api",
  reloadOn: { types: ["message.sent"], samePlatform: true },
  parts: [
    {
      kind: "button",
      id: "create-bot",
      label: "Create bot",
      steps: [{ method: "POST", path: "/bots", body: {} }],
      done: { result: "Created @{answer.username}. Paste its token into connect (login method token).", addTo: "bot", set: { value: "token", text: "{answer.token}" } },
    },
    { kind: "value", id: "token", label: "Bot token", prefix: "Bot token: ", secret: true },
    {
      kind: "button",
      id: "use-token",
      label: "Use token in connect",
      style: "small",
      requires: [{ value: "{output.token}", message: "Create a bot first." }],
      steps: [],
      done: { result: "The token is in the connect form of the selected instance.", fillLogin: { name: "token", text: "{output.token}" }, reload: false },
    },
    { kind: "picker", id: "bot", label: "Bot", load: { method: "GET", path: "/bots" }, value: "id", text: "@{username}" },
    {
      kind: "button",
      id: "create-user",
      label: "Create user",
      steps: [{ method: "POST", path: "/users", body: {} }],
      done: { result: "Created user {answer.first_name} ({answer.id}).", addTo: "user" },
    },
    { kind: "picker", id: "user", label: "User", load: { method: "GET", path: "/users" }, value: "id", text: "{first_name} ({id})" },
    { kind: "input", id: "text", label: "Message to the bot" },
    {
      kind: "button",
      id: "send",
      label: "Send as user",
      requires: [
        { value: "{bot.id}", message: "Create a bot and a user first." },
        { value: "{user.id}", message: "Create a bot and a user first." },
        { value: "{input.text}", message: "Type a message first." },
      ],
      steps: [{ method: "POST", path: "/messages", body: { bot: "{bot.id}", from: "{user.id}", text: "{input.text}" } }],
      done: { result: "Sent at {now}.", clear: ["text"] },
    },
    { kind: "button", id: "refresh", label: "Refresh sent messages", style: "small", steps: [], done: { result: "" } },
    {
      kind: "list",
      id: "sent",
      label: "Sent by the bot",
      heading: "Sent by the bot",
      ordered: true,
      request: { method: "GET", path: "/bots/{bot.id}/sent" },
      where: "message.text",
      text: "to {chat_id}: {message.text}",
      empty: "Nothing sent yet.",
    },
  ],
};

export const telegramPlatform = definePlatform<TelegramConnectorOptions>({
  id: "telegram",
  displayName: "Telegram bot",
  async connector(options) {
    const { telegramConnector } = await import("../connectors/telegram/index.js");
    return telegramConnector(options);
  },
  sandbox: {
    name: "telegram",
    description: "a local Telegram Bot API server (apiRoot for grammY & co.) with a control API under /sandbox",
    defaultPort: 8081,
    options: [
      { flags: "--profile <profile>", description: "behave like api.telegram.org (cloud) or a self-hosted Bot API server (local)", choices: ["cloud", "local"], default: "cloud" },
      { flags: "--no-flood", description: "turn the flood limits (429 Too Many Requests) off", kind: "boolean" },
      { flags: "--strict-webhook-urls", description: "on the cloud profile, refuse webhook URLs api.telegram.org refuses (HTTP, other ports, local IPs)", kind: "boolean" },
      { flags: "--bot <username>", description: "create a bot at start and print its token (repeatable)", kind: "list" },
    ],
    help: "The control API is described at GET <control URL> (curl http://127.0.0.1:8081/sandbox).",
    async start({ host, port, options, log }) {
      const { startTelegramSandbox } = await import("../../sandbox/telegram/index.js");
      const profile = options.profile === "local" ? "local" : "cloud";
      const sandbox = await startTelegramSandbox({
        host,
        port,
        profile,
        ...(options.flood === false ? { flood: false as const } : {}),
        strictWebhookUrls: options.strictWebhookUrls === true,
        log,
      });
      const bots = (Array.isArray(options.bot) ? (options.bot as string[]) : []).map((username) => sandbox.createBot({ username }));
      return {
        url: sandbox.url,
        endpoint: sandbox.url,
        info: { apiRoot: sandbox.url, controlUrl: sandbox.controlUrl, profile },
        // "The cloud" for log-out-cloud / use-cloud is the sandbox, so use-cloud never leaves it.
        connectorOptions: { cloudApiRoot: sandbox.url },
        configDefaults: { apiRoot: sandbox.url },
        report: {
          lines: [
            `Telegram Bot API sandbox (${profile} profile) listening on ${sandbox.url}`,
            `apiRoot:     ${sandbox.url}   (methods at ${sandbox.url}/bot<token>/<method>)`,
            `control API: ${sandbox.controlUrl}`,
            ...bots.map((b) => `bot @${b.username}: ${b.token}`),
          ],
          json: { apiRoot: sandbox.url, controlUrl: sandbox.controlUrl, profile, bots },
        },
        close: () => sandbox.close(),
      };
    },
    panel,
  },
});
