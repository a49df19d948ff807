import { Command, CommanderError, Option } from "commander";
import { registerEvents } from "./commands/events.js";
import { registerInstances } from "./commands/instances.js";
import { registerMessages } from "./commands/messages.js";
import { registerPlatforms } from "./commands/platforms.js";
import { registerSandbox } from "./commands/sandbox.js";
import { registerServe } from "./commands/serve.js";
import { registerTokens } from "./commands/tokens.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { processIo, type CliIo, type GlobalOptions } from "./context.js";
import { EXIT, exitCodeFor } from "./errors.js";
import { formatError } from "./output.js";
import { PLATFORMS, type AnyPlatformModule } from "../platforms/index.js";

/** Default gateway URL when neither `--url` nor `SWITCHBOARD_URL` is set. */
export const DEFAULT_URL = "http://127.0.0.1:8080";

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  failure (API error, timeout, a --wait that ended in another state)
  2  usage error
  3  cannot reach the gateway
  4  not authenticated or not allowed (HTTP 401/403)
  5  not found (HTTP 404)
`;

/**
 * Builds the `switchboard` program. Commander's own output (help, usage errors) goes to `io`, and
 * it never exits the process: {@link run} maps its errors to exit codes. `platforms` (default: the
 * list in src/platforms) give `serve` its connectors and `sandbox` its commands; `sandboxStopSignal`
 * (tests) replaces SIGINT/SIGTERM as what stops a `sandbox <name>` command.
 */
export function buildProgram(io: CliIo, opts: { platforms?: readonly AnyPlatformModule[]; sandboxStopSignal?: () => Promise<unknown> } = {}): Command {
  const platforms = opts.platforms ?? PLATFORMS;
  const program = new Command("switchboard")
    .description("Switchboard: many messaging accounts behind one REST API")
    .version("0.1.0")
    .addOption(new Option("--url <url>", "gateway URL").env("SWITCHBOARD_URL").default(DEFAULT_URL))
    .addOption(new Option("--token <token>", "API token (prefer the env variable: flags show in the process list)").env("SWITCHBOARD_TOKEN"))
    .option("--json", "machine output: the API's JSON document on stdout; error envelopes on stderr")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .addHelpText("after", EXIT_CODES_HELP);
  // Settings above are inherited by the subcommands added below.
  registerServe(program, io, platforms);
  registerInstances(program, io);
  registerMessages(program, io);
  registerTokens(program, io);
  registerPlatforms(program, io);
  registerEvents(program, io);
  registerWebhooks(program, io);
  registerSandbox(program, io, platforms, opts.sandboxStopSignal);
  return program;
}

/**
 * Runs the CLI with `argv` (the user arguments, without `node` and the script) and resolves with
 * the exit code (see {@link EXIT}). Never rejects: every failure is printed to `io.err` (the error
 * envelope with `--json`) and mapped to its exit code. The token never appears in that output.
 */
export async function run(argv: readonly string[], io: CliIo = processIo(), opts: { platforms?: readonly AnyPlatformModule[] } = {}): Promise<number> {
  const program = buildProgram(io, opts);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the message (or the help/version) already.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const globals = program.opts<GlobalOptions>();
    const token = globals.token === "" ? undefined : globals.token;
    io.err(formatError(e, { json: globals.json === true, secrets: [token], hadToken: token !== undefined }));
    return exitCodeFor(e);
  }
}
