/**
 * The Telegram Bot API sandbox in its own process (flood limits off), driven by the bench over IPC,
 * so that writing updates and answering getUpdates never share an event loop with what is measured.
 */
import { startTelegramSandbox } from "../../sandbox/telegram/index.js";
import { serve } from "./ipc.js";

const sandbox = await startTelegramSandbox({ port: 0, flood: false });
const users = Array.from({ length: 50 }, (_, i) => sandbox.createUser({ first_name: `User ${i}` }).id);
let written = 0;

serve(
  {
    url: () => sandbox.url,
    /** Creates `n` bots; answers their `{id, token}`. */
    bots: ({ n }: { n: number }) =>
      Array.from({ length: n }, () => {
        const b = sandbox.createBot();
        return { id: b.id, token: b.token };
      }),
    /**
     * Writes `n` text messages to `bot` from 50 users in turn, in one synchronous burst (the waiting
     * getUpdates is woken on the next tick, so it finds them all queued). Answers the wall-clock time
     * at which the last one was queued: the start of the measurement.
     */
    write: ({ bot, n }: { bot: number; n: number }) => {
      for (let i = 0; i < n; i++) {
        sandbox.sendUserMessage({ bot, from: users[i % users.length] as number, text: `bench message ${++written}` });
      }
      return { queuedAt: Date.now() };
    },
    /** How many of `bots` have a getUpdates waiting (long poll open) right now. */
    polling: ({ bots }: { bots: number[] }) => {
      const wanted = new Set(bots);
      return sandbox.listBots().filter((b) => wanted.has(b.id) && b.waiting_get_updates).length;
    },
    pending: ({ bot }: { bot: number }) => sandbox.getBot(bot).pending_update_count,
  },
  () => sandbox.close(),
);
