import { InvalidArgumentError, Option, type Command } from "commander";
import { DEFAULT_EVENT_RETENTION_MS, parseDuration } from "../../events/retention.js";
import { intOption } from "../args.js";
import { UsageError } from "../errors.js";
import type { CliIo } from "../context.js";
import type { SandboxInfo } from "../../sandbox-mode/index.js";
import type { AnyPlatformModule } from "../../platforms/types.js";
import { secretBox } from "../output.js";

/** The options of `serve`, as commander parses them (flag, else env, else default). */
interface ServeFlags {
  host: string;
  port: number;
  data: string;
  databaseUrl?: string;
  rateLimit: number;
  /** ms; 0 keeps events forever. */
  eventRetention: number;
  logLevel: string;
  publicUrl?: string;
  webhookAllowPrivate?: boolean;
  allowPrivateUrls?: boolean;
  webhookRetrySchedule?: string;
  webhookTimeout?: number;
  sandbox?: boolean;
  compat?: string;
  compatInstance?: string;
}

/**
 * Registers `serve`: starts the gateway in this process (REST API, store, sessions) and keeps it
 * running until SIGTERM/SIGINT, which close every session gracefully (credentials kept, never a
 * logout).
 *
 * Configuration: flags, else environment (`HOST`, `PORT`, `SWITCHBOARD_DATA`, `DATABASE_URL`,
 * `LOG_LEVEL`, `SWITCHBOARD_EVENT_RETENTION`), else defaults. Secrets come from the environment only, never from flags (flags are
 * visible in the process list): `SWITCHBOARD_SECRET` (master key), `SWITCHBOARD_ACCOUNT_TOKEN`
 * (preset account token).
 *
 * On the first start (no account token stored yet, none preset) the generated account token is
 * printed once to stderr in a box, with the URL and the docs URL; later starts print no token.
 * Logs go to stdout (pino JSON).
 *
 * `--sandbox` (docs/sandbox-mode.md) also runs the Telegram and WhatsApp Web sandboxes in-process on
 * free loopback ports; the banner then lists them and their control APIs under `<url>/sandbox/…`.
 */
export function registerServe(program: Command, io: CliIo, platforms: readonly AnyPlatformModule[]): void {
  program
    .command("serve")
    .description("run the gateway (REST API on --host:--port, state in --data or Postgres)")
    .addOption(new Option("--host <host>", "interface to listen on").env("HOST").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "TCP port (0: any free port)").env("PORT").default(8080).argParser(intOption(0, 65_535)))
    .addOption(new Option("--data <dir>", "data directory (SQLite database, key file)").env("SWITCHBOARD_DATA").default("./data"))
    .addOption(new Option("--database-url <url>", "postgres://… to keep state in Postgres instead of SQLite").env("DATABASE_URL"))
    .addOption(new Option("--public-url <url>", "public base URL of this gateway, where platforms push webhooks").env("SWITCHBOARD_PUBLIC_URL"))
    .addOption(new Option("--rate-limit <n>", "requests per minute per token (default: 100; 1000 with --sandbox)").argParser(intOption(1, 1_000_000)))
    .addOption(
      new Option("--event-retention <duration>", "keep events this long (7d, 36h, 90m, or ms; 0 keeps them forever)")
        .env("SWITCHBOARD_EVENT_RETENTION")
        .default(DEFAULT_EVENT_RETENTION_MS, "7d")
        .argParser(durationOption),
    )
    .addOption(new Option("--webhook-allow-private", "allow webhook URLs on loopback/private addresses (SSRF guard off; env SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1; implied by --sandbox unless the env says 0)"))
    .addOption(
      new Option(
        "--allow-private-urls",
        "allow URLs on loopback/private addresses in instance configs and action inputs, e.g. a local Bot API server (env SWITCHBOARD_ALLOW_PRIVATE_URLS=1; implied by --sandbox unless the env says 0)",
      ),
    )
    .addOption(
      new Option("--webhook-retry-schedule <delays>", "webhook retry delays, e.g. 5s,5m,30m,2h,5h,10h,10h (the default)").env("SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE"),
    )
    .addOption(new Option("--webhook-timeout <ms>", "timeout of one webhook attempt, ms (default 10000)").env("SWITCHBOARD_WEBHOOK_TIMEOUT_MS").argParser(intOption(1, 300_000)))
    .option("--sandbox", "also run every platform's sandbox locally; new instances use them (offline try-out)")
    .addOption(
      new Option("--compat <profiles>", "also serve other gateways' REST contracts over the same verbs: ryze, wwebjs, comma-separated (docs/compat.md)").env(
        "SWITCHBOARD_COMPAT",
      ),
    )
    .addOption(new Option("--compat-instance <name>", "the instance the wwebjs profile answers for").env("SWITCHBOARD_COMPAT_INSTANCE"))
    .addOption(
      new Option("--log-level <level>", "log level")
        .env("LOG_LEVEL")
        .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
        .default("info"),
    )
    .addHelpText(
      "after",
      "\nEnvironment (secrets are read from here only):\n" +
        "  SWITCHBOARD_SECRET         master key for credentials at rest (default: a key file in the data dir)\n" +
        "  SWITCHBOARD_ACCOUNT_TOKEN  preset account token (default: one is generated and printed once)\n",
    )
    .action(async (opts: ServeFlags, command: Command) => {
      if (command.getOptionValueSource("databaseUrl") === "cli" && hasPassword(opts.databaseUrl)) {
        throw new UsageError("--database-url must not carry a password (flags show in the process list): set DATABASE_URL instead.");
      }
      // Loaded lazily: the client commands must not pay for (or depend on) the server's modules.
      const { startServer, installSignalHandlers } = await import("../../server.js");
      const { parseSchedule } = await import("../../events/webhooks/options.js");
      let retryScheduleMs: number[] | undefined;
      try {
        retryScheduleMs = nonEmpty(opts.webhookRetrySchedule) === undefined ? undefined : parseSchedule(opts.webhookRetrySchedule!);
      } catch (e) {
        throw new UsageError(`--webhook-retry-schedule: ${(e as Error).message}`);
      }
      const compat = await compatOptions(opts);
      const server = await startServer({
        host: opts.host,
        port: opts.port,
        dataDir: opts.data,
        databaseUrl: nonEmpty(opts.databaseUrl),
        secret: nonEmpty(process.env.SWITCHBOARD_SECRET),
        accountToken: nonEmpty(process.env.SWITCHBOARD_ACCOUNT_TOKEN),
        rateLimitPerMinute: opts.rateLimit,
        eventRetentionMs: opts.eventRetention,
        publicUrl: nonEmpty(opts.publicUrl),
        logLevel: opts.logLevel,
        sandbox: opts.sandbox === true,
        platforms,
        ...(compat && { compat }),
        // Unset: the default (off; on in sandbox mode). The env variable set to 0 keeps it off there too.
        allowPrivateUrls: allowFlag(opts.allowPrivateUrls, "SWITCHBOARD_ALLOW_PRIVATE_URLS"),
        webhooks: {
          allowPrivateAddresses: allowFlag(opts.webhookAllowPrivate, "SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE"),
          ...(retryScheduleMs && { retryScheduleMs }),
          ...(opts.webhookTimeout !== undefined && { attemptTimeoutMs: opts.webhookTimeout }),
        },
      });
      installSignalHandlers(server);
      io.err(
        serveBanner(server.url, server.initialAccountToken, server.sandbox, {
          presetToken: nonEmpty(process.env.SWITCHBOARD_ACCOUNT_TOKEN) !== undefined,
          ...(compat && { compat }),
        }),
      );
    });
}

/**
 * The compat profiles `--compat` names, with the bound instance; undefined when none.
 * @throws UsageError for an unknown profile, `wwebjs` without `--compat-instance` (or the other way
 *   round), or a bad name.
 */
async function compatOptions(opts: ServeFlags): Promise<{ profiles: Array<"ryze" | "wwebjs">; instance?: string } | undefined> {
  if (nonEmpty(opts.compat) === undefined) {
    if (nonEmpty(opts.compatInstance) !== undefined) throw new UsageError("--compat-instance is for the wwebjs profile: add --compat wwebjs.");
    return undefined;
  }
  const { parseCompatProfiles } = await import("../../http/compat/index.js");
  const { INSTANCE_NAME_PATTERN } = await import("../../core/api.js");
  let profiles: Array<"ryze" | "wwebjs">;
  try {
    profiles = parseCompatProfiles(opts.compat!);
  } catch (e) {
    throw new UsageError(`--compat: ${(e as Error).message}`);
  }
  const instance = nonEmpty(opts.compatInstance);
  if (profiles.includes("wwebjs") && instance === undefined) {
    throw new UsageError("--compat wwebjs answers for one instance: give it with --compat-instance <name> (or SWITCHBOARD_COMPAT_INSTANCE).");
  }
  if (instance !== undefined && !profiles.includes("wwebjs")) throw new UsageError("--compat-instance is for the wwebjs profile: add it to --compat.");
  if (instance !== undefined && !new RegExp(INSTANCE_NAME_PATTERN).test(instance)) {
    throw new UsageError("--compat-instance: an instance name is 1–63 lower-case letters, digits, '-' or '_', starting with a letter or digit.");
  }
  return { profiles, ...(instance !== undefined && { instance }) };
}

/**
 * The stderr banner of `serve`: URL, docs URL, in sandbox mode the sandboxes (URLs only, nothing
 * secret), and the initial account token in a box when there is one (the only place it is ever
 * shown). On a later start without a preset token (`opts.presetToken`), it says where the token is
 * and how to get in when it was lost, never the token itself.
 */
export function serveBanner(
  url: string,
  initialAccountToken: string | null,
  sandbox: SandboxInfo | null = null,
  opts: { presetToken?: boolean; compat?: { profiles: readonly string[]; instance?: string } } = {},
): string {
  let out = `Switchboard is listening on ${url}\nAPI docs: ${url}/docs\n`;
  for (const p of opts.compat?.profiles ?? []) {
    out +=
      p === "ryze"
        ? `Compat profile ryze: ${url}/api/instance/… (token header)\n`
        : `Compat profile wwebjs for instance '${opts.compat?.instance ?? ""}': ${url}/api/state, ${url}/qr\n`;
  }
  if (sandbox) {
    const views = Object.values(sandbox);
    const width = Math.max(0, ...views.map((s) => s.displayName.length));
    out += "Sandbox mode: new instances use these local sandboxes (state in memory, gone at stop):\n";
    for (const s of views) out += `  ${s.displayName.padEnd(width)}  ${s.endpoint}   control: ${url}${s.proxy}\n`;
  }
  if (initialAccountToken !== null) {
    out += secretBox("Account token", initialAccountToken, [
      "It is stored only as a hash: it will not be shown again.",
      "Send it as `Authorization: Bearer <token>`; the CLI reads it from SWITCHBOARD_TOKEN.",
    ]);
  } else if (opts.presetToken) {
    out += "Account token: the one in SWITCHBOARD_ACCOUNT_TOKEN.\n";
  } else {
    out +=
      "Account token: not shown. This data directory already has one; it was printed once, on its first start.\n" +
      "  Lost it? Start again with one of your choosing in SWITCHBOARD_ACCOUNT_TOKEN (16–256 characters, no spaces),\n" +
      "  e.g. `export SWITCHBOARD_ACCOUNT_TOKEN=$(openssl rand -hex 24)`: it is added as another account token.\n";
  }
  return out;
}

/**
 * A tri-state "allow private addresses" setting: the flag, else the environment variable (`1`/`true`
 * → true, `0`/`false` → false), else undefined (the gateway's default).
 */
function allowFlag(flag: boolean | undefined, env: string): boolean | undefined {
  const v = process.env[env];
  if (flag === true || v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  return undefined;
}

/** commander parser of `--event-retention`: see {@link parseDuration}. */
function durationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError("must be a duration such as 7d, 36h, 90m, 3600s, or milliseconds.");
  return ms;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** Whether a database URL embeds a password. Unparseable URLs are left to the store to refuse. */
function hasPassword(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
}
