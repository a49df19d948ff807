import { Option, type Command } from "commander";
import type { AnyPlatformModule, SandboxModule, SandboxOption } from "../../platforms/types.js";
import { intOption } from "../args.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { jsonDoc } from "../output.js";

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
 * Registers `sandbox <name>` for every platform module that has a sandbox: a local,
 * protocol-faithful server of that platform with its control API under `/sandbox`, running until
 * SIGINT/SIGTERM. The flags are the module's (`SandboxModule.options`) besides `--host` and
 * `--port`; the output is the module's report (`RunningSandbox.report`: lines of text, or one JSON
 * document with `--json`); the sandbox's own log lines go to stderr. The sandbox's code is loaded
 * only when its command runs. See docs/sandbox-telegram.md, docs/sandbox-whatsapp-web.md.
 */
export function registerSandbox(program: Command, io: CliIo, platforms: readonly AnyPlatformModule[], stopSignal: () => Promise<unknown> = nextStopSignal): void {
  const group = program.command("sandbox").description("run a local, protocol-faithful platform sandbox to develop and test against");
  for (const p of platforms) if (p.sandbox) registerOne(group, io, p.sandbox, stopSignal);
}

function registerOne(group: Command, io: CliIo, sb: SandboxModule<unknown>, stopSignal: () => Promise<unknown>): void {
  const cmd = group
    .command(sb.name)
    .description(sb.description)
    .addOption(new Option("--host <host>", "interface to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "TCP port (0: any free port)").default(sb.defaultPort).argParser(intOption(0, 65_535)));
  for (const o of sb.options) cmd.addOption(toOption(o));
  if (sb.help) cmd.addHelpText("after", `\n${sb.help}\n`);
  cmd.action(async (opts: Record<string, unknown> & { host: string; port: number }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const { host, port, ...options } = opts;
    const running = await sb.start({ host, port, options, mode: "standalone", log: (line) => io.err(`${line}\n`) });
    const stopped = stopSignal();
    try {
      io.out(globals.json === true ? jsonDoc(running.report.json) : `${running.report.lines.join("\n")}\nStop with Ctrl-C.\n`);
      await stopped;
    } finally {
      await running.close();
    }
  });
}

/** A module's flag as a commander option. */
function toOption(o: SandboxOption): Option {
  const opt = new Option(o.flags, o.description);
  if (o.choices) opt.choices([...o.choices]);
  if (o.kind === "list") opt.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]).default([]);
  else if (o.default !== undefined) opt.default(o.default);
  return opt;
}
