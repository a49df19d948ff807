import { Option, type Command } from "commander";
import { intOption } from "../args.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { jsonDoc } from "../output.js";
import { registerWhatsAppWebSandbox } from "./sandbox-whatsapp.js";

/** The options of `sandbox telegram`, as commander parses them. */
interface TelegramSandboxFlags {
  host: string;
  port: number;
  profile: "cloud" | "local";
  flood: boolean;
  strictWebhookUrls?: boolean;
  bot: string[];
}

/**
 * What this command uses of `sandbox/telegram` (startTelegramSandbox and the returned object). The
 * module is loaded at run time only: the client commands must not pay for it, and the build
 * (rootDir `src`) must not pull it in. test/sandbox/telegram checks that the real module fits.
 */
export interface TelegramSandboxLike {
  readonly url: string;
  readonly controlUrl: string;
  createBot(input?: { username?: string }): { id: number; token: string; username: string };
  close(): Promise<void>;
}

export interface TelegramSandboxModuleLike {
  startTelegramSandbox(options: {
    host?: string;
    port?: number;
    profile?: "cloud" | "local";
    flood?: false;
    strictWebhookUrls?: boolean;
  }): Promise<TelegramSandboxLike>;
}

/**
 * Loads sandbox/telegram lazily (client commands must not pay for it). It is built next to src/
 * (`dist/sandbox/`), so the same relative import works from source (tsx) and from the build.
 */
export async function loadTelegramSandbox(): Promise<TelegramSandboxModuleLike> {
  return (await import("../../../sandbox/telegram/index.js")) as TelegramSandboxModuleLike;
}

/** Resolves on the first SIGINT or SIGTERM. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * Registers `sandbox telegram` (and `sandbox whatsapp-web`, see sandbox-whatsapp.ts): a local
 * server speaking the Telegram Bot API (point a client's apiRoot at it) with its control API under
 * `/sandbox`, running until SIGINT/SIGTERM. Prints the API root, the control URL and the tokens of
 * the bots created with `--bot` on stdout (a JSON document with `--json`). See docs/sandbox-telegram.md.
 */
export function registerSandbox(program: Command, io: CliIo): void {
  const sandbox = program
    .command("sandbox")
    .description("run a local, protocol-faithful platform sandbox to develop and test against");
  sandbox
    .command("telegram")
    .description("a local Telegram Bot API server (apiRoot for grammY & co.) with a control API under /sandbox")
    .addOption(new Option("--host <host>", "interface to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "TCP port (0: any free port)").default(8081).argParser(intOption(0, 65_535)))
    .addOption(
      new Option("--profile <profile>", "behave like api.telegram.org (cloud) or a self-hosted Bot API server (local)")
        .choices(["cloud", "local"])
        .default("cloud"),
    )
    .option("--no-flood", "turn the flood limits (429 Too Many Requests) off")
    .option("--strict-webhook-urls", "on the cloud profile, refuse webhook URLs api.telegram.org refuses (HTTP, other ports, local IPs)")
    .addOption(new Option("--bot <username>", "create a bot at start and print its token (repeatable)").argParser(collect).default([]))
    .addHelpText("after", "\nThe control API is described at GET <control URL> (curl http://127.0.0.1:8081/sandbox).\n")
    .action(async (opts: TelegramSandboxFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { startTelegramSandbox } = await loadTelegramSandbox();
      const server = await startTelegramSandbox({
        host: opts.host,
        port: opts.port,
        profile: opts.profile,
        ...(opts.flood ? {} : { flood: false as const }),
        strictWebhookUrls: opts.strictWebhookUrls === true,
      });
      const stopped = nextStopSignal();
      try {
        const bots = opts.bot.map((username) => server.createBot({ username }));
        if (globals.json === true) {
          io.out(jsonDoc({ apiRoot: server.url, controlUrl: server.controlUrl, profile: opts.profile, bots }));
        } else {
          let text = `Telegram Bot API sandbox (${opts.profile} profile) listening on ${server.url}\n`;
          text += `apiRoot:     ${server.url}   (methods at ${server.url}/bot<token>/<method>)\n`;
          text += `control API: ${server.controlUrl}\n`;
          for (const b of bots) text += `bot @${b.username}: ${b.token}\n`;
          text += "Stop with Ctrl-C.\n";
          io.out(text);
        }
        await stopped;
      } finally {
        await server.close();
      }
    });
  registerWhatsAppWebSandbox(sandbox, io, nextStopSignal);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
