import type { Command } from "commander";
import { isTerminalListenError, type ListenError, type SwitchboardEvent } from "../../../client/src/index.js";
import { collectList, intOption } from "../args.js";
import { contextOf, type CliIo } from "../context.js";
import { formatError } from "../output.js";
import { formatEventLine } from "./events-format.js";

interface TailFlags {
  instance?: string;
  type: string[];
  after?: string;
  count?: number;
}

/**
 * Registers `events tail`: follows the live event stream (`GET /v1/events/stream`, through the
 * SDK's `listen`, which reconnects and resumes by itself) until SIGINT/SIGTERM, or `--count` events.
 * Output: one line per event, or with `--json` one event JSON per line (NDJSON). Transient failures
 * print a warning on stderr and the stream resumes; a failure that ends the stream (bad token,
 * unknown instance, expired resume id) exits with its code.
 */
export function registerEvents(program: Command, io: CliIo): void {
  const events = program.command("events").alias("event").description("follow the gateway's events");
  events
    .command("tail")
    .description("print events as they happen (Ctrl-C to stop); resumes by itself after a disconnect")
    .option("--instance <name>", "only this instance's events (an instance token always sees only its own instance)")
    .option("--type <types>", "only these event types, comma-separated or repeated (e.g. message.received)", collectList, [])
    .option("--after <id>", "first replay the stored events after this event id, then follow")
    .option("--count <n>", "exit after this many events", intOption(1, 1_000_000_000))
    .addHelpText(
      "after",
      "\nWith --json every event is printed as one JSON line (NDJSON), as the API sends it.\n" +
        "The last event id is printed on stderr when the command stops: pass it as --after to continue.\n",
    )
    .action(async (opts: TailFlags, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const sb = ctx.sdk();
      let seen = 0;
      let fatal: ListenError | undefined;
      const onEvent = (event: SwitchboardEvent): void => {
        io.out(ctx.json ? `${JSON.stringify(event)}\n` : formatEventLine(event));
        seen++;
        if (opts.count !== undefined && seen >= opts.count) stop();
      };
      const listenOpts = { types: opts.type, ...(opts.after !== undefined && { after: opts.after }) };
      const stop = sb.listen((err, event) => {
        if (!err) return onEvent(event);
        if (isTerminalListenError(err)) {
          fatal = err;
          return;
        }
        // A warning only: the listener reconnects and resumes by itself.
        const line = formatError(err, { json: false, secrets: [ctx.token] }).replace(/^error: /, "warning: ").trimEnd();
        io.err(`${line} — reconnecting\n`);
      }, opts.instance !== undefined ? { ...listenOpts, instance: opts.instance } : listenOpts);

      const onSignal = (): void => stop();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await stop.closed;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (!ctx.json && stop.lastEventId !== null && (opts.count === undefined || fatal !== undefined)) {
        io.err(`last event id: ${stop.lastEventId} (continue with --after ${stop.lastEventId})\n`);
      }
      if (fatal) throw fatal;
    });
}

