/**
 * bench/media's Telegram Bot API sandbox in its own process (flood limits off, the local profile so
 * that files of any size are served): a bot per side, one user who wrote to both, and a check of the
 * bytes the bot sent (their SHA-256, as the sandbox stores them).
 */
import { createHash } from "node:crypto";
import { startTelegramSandbox } from "../../sandbox/telegram/index.js";
import { serve } from "../telegram/ipc.js";

const sandbox = await startTelegramSandbox({ port: 0, flood: false, profile: "local" });
const user = sandbox.createUser({ first_name: "Bench" });

serve(
  {
    url: () => sandbox.url,
    /** A bot the user has written to: `{id, token, user}`. */
    bot: () => {
      const b = sandbox.createBot();
      sandbox.sendUserMessage({ bot: b.id, from: user.id, text: "hi" });
      return { id: b.id, token: b.token, user: user.id };
    },
    /** SHA-256 (hex) and size of the last document `bot` sent. */
    lastDocument: ({ bot }: { bot: number }) => {
      const doc = sandbox.sent(bot).filter((r) => r.method === "sendDocument").at(-1)?.message?.document;
      if (!doc) throw new Error(`bot ${bot} sent no document`);
      const { data } = sandbox.fileContent(bot, doc.file_id);
      return { sha256: createHash("sha256").update(data).digest("hex"), size: data.length };
    },
  },
  () => sandbox.close(),
);
