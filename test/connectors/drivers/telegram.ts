/**
 * The contract driver of Telegram: the Bot API sandbox in this process. A bot per instance, a user
 * per instance writing to it; updates sent while the instance is closed wait at the sandbox (as on
 * Telegram) for the next getUpdates.
 */
import { fileURLToPath } from "node:url";
import { Api } from "grammy";
import type { Connector } from "../../../src/core/connector.js";
import { telegramConnector } from "../../../src/connectors/telegram/index.js";
import { startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import type { ContractDriver, SeenByOtherSide } from "../contract.js";

let sandbox: TelegramSandbox;
const bots = new Map<string, { id: number; token: string; user: number }>();

/** The child gateway's connector (the kill scenario). */
export function childConnector(): Connector {
  return telegramConnector();
}

function bot(name: string): { id: number; token: string; user: number } {
  const b = bots.get(name);
  if (!b) throw new Error(`${name} has no bot yet`);
  return b;
}

export const telegramDriver: ContractDriver = {
  platform: "telegram",
  async start() {
    sandbox = await startTelegramSandbox({ port: 0, log: () => {} });
  },
  stop: () => sandbox.close(),
  connector: () => telegramConnector({ now: () => sandbox.clock.now() }),
  config: () => ({ apiRoot: sandbox.url, pollTimeoutS: 2 }),
  async login(gw, name) {
    const b = sandbox.createBot();
    const user = sandbox.createUser();
    bots.set(name, { id: b.id, token: b.token, user: user.id });
    await gw.connect(name, { method: "token", input: { token: b.token } }, "connected");
  },
  async inbound(name, text) {
    const b = bot(name);
    sandbox.sendUserMessage({ bot: b.id, from: b.user, text });
  },
  thread: (name) => String(bot(name).user),
  delivered: async (name) => sandbox.sent(bot(name).id).flatMap((r) => (typeof r.message?.text === "string" ? [r.message.text] : [])),
  async seen(name) {
    return sandbox.sent(bot(name).id).flatMap((r): SeenByOtherSide[] => {
      const m = r.message;
      switch (r.method) {
        case "sendMessage":
          return [{ type: "text", text: m!.text!, ...(m!.reply_to_message ? { replyTo: String(m!.reply_to_message.message_id) } : {}) }];
        case "sendLocation":
        case "sendVenue":
          return [{ type: "location", latitude: m!.location!.latitude, longitude: m!.location!.longitude }];
        case "sendContact":
          return [{ type: "contact", phone: m!.contact!.phone_number }];
        case "setMessageReaction":
          return [{ type: "reaction", messageId: String(r.message_id), emoji: r.reaction?.[0]?.type === "emoji" ? r.reaction[0].emoji : "" }];
        case "editMessageText":
          return [{ type: "edit", messageId: String(r.message_id), text: m!.text! }];
        case "deleteMessage":
          return [{ type: "delete", messageId: String(r.message_id) }];
        default:
          return [];
      }
    });
  },
  async inboundContent(name, content) {
    const b = bot(name);
    if (content.type === "location") sandbox.sendUserMessage({ bot: b.id, from: b.user, location: { latitude: content.latitude, longitude: content.longitude } });
    else if (content.type === "contact") {
      const [first, ...rest] = content.name.split(" ");
      sandbox.sendUserMessage({ bot: b.id, from: b.user, contact: { phone_number: content.phone, first_name: first!, ...(rest.length ? { last_name: rest.join(" ") } : {}) } });
    } else sandbox.sendUserMessage({ bot: b.id, from: b.user, text: content.text, reply_to_message_id: Number(content.replyTo) });
  },
  remoteLogout: "not_supported",
  secrets: (name) => [bot(name).token.split(":")[1]!],
  async revoke(name) {
    sandbox.revokeToken(bot(name).id);
  },
  async takeOver(name) {
    // A second long poll of the same token: the Bot API answers one of them 409 Conflict.
    const other = new Api(bot(name).token, { apiRoot: sandbox.url });
    const poll = other.getUpdates({ timeout: 1 }).catch(() => []);
    return async () => {
      await poll;
    };
  },
  child: () => ({ driverModule: fileURLToPath(import.meta.url), env: {} }),
  skips: {
    unreachable: "a bot token has no remote logout: in polling mode logout calls nothing at Telegram, so an unreachable Bot API cannot hold it up",
    "login-expiry": "a token login has no step that expires: the token is given at once",
  },
};
