import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import type { InstanceView } from "../../core/api.js";
import type { LogoutResult } from "../../core/status.js";
import { intOption, parseJsonOption } from "../args.js";
import { CliApiError, seg, type ApiClient } from "../client.js";
import { contextOf, type CliContext, type CliIo } from "../context.js";
import { UsageError } from "../errors.js";
import {
  describeStatus,
  formatDeleted,
  formatInstance,
  formatInstanceList,
  formatLogout,
  formatStatusLine,
  formatTime,
  jsonDoc,
  sanitize,
  secretBox,
} from "../output.js";
import { renderQrTerminal } from "../qr.js";

/** The server's default and maximum `wait` time, ms (`ConnectOptions.timeoutMs`). */
const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 300_000;
/** Extra client-side time on top of a server-side wait, so the server's own TIMEOUT answer arrives first. */
const WAIT_SLACK_MS = 15_000;
/**
 * Timing of the interactive `connect --wait connected`: how often the instance is polled while a
 * person scans the QR, ms (2 s = 30 requests a minute, well under the default rate limit of 100).
 * Mutable for tests only.
 */
export const connectTiming = { pollMs: 2_000 };

type WaitState = "awaiting_login" | "connected";

interface ConnectFlags {
  wait?: WaitState;
  timeout?: number;
  loginMethod?: string;
  login?: string;
}

/**
 * The `wait` of a connect/restart did not end in the awaited state (the server answered with a
 * settled state such as `failed`, `logged_out` or `stopped (login_expired)`). Exit 1.
 */
export class WaitNotReachedError extends CliApiError {
  constructor(name: string, wanted: WaitState, view: InstanceView) {
    super(200, {
      code: "WAIT_NOT_REACHED",
      message: `${name} did not reach ${wanted}: ${describeStatus(view.status)}`,
      details: { status: view.status.state },
    });
    this.name = "WaitNotReachedError";
  }
}

/**
 * Registers `instances …` (alias `instance`): list, create, get, connect, close, restart,
 * logout, delete, qr, pairing-code, action.
 */
export function registerInstances(program: Command, io: CliIo): void {
  const instances = program
    .command("instances")
    .alias("instance")
    .description("create, inspect and drive instances (one messaging account each)");

  instances
    .command("list")
    .description("list instances, ascending by name")
    .option("--platform <platform>", "only this platform")
    .option("--limit <n>", "page size (1-500)", intOption(1, 500))
    .option("--after <name>", "start after this name (the `next` cursor of the previous page)")
    .option("--all", "follow `next` until the last page")
    .action(async (opts: { platform?: string; limit?: number; after?: string; all?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const client = ctx.client();
      const page = (after: string | undefined) =>
        client.request<{ items: InstanceView[]; next: string | null }>("GET", "/v1/instances", {
          query: { limit: opts.limit, after, platform: opts.platform },
        });
      let result = await page(opts.after);
      if (opts.all) {
        const items = [...result.items];
        while (result.next !== null) {
          result = await page(result.next);
          items.push(...result.items);
        }
        result = { items, next: null };
      }
      await ctx.emit(result, () => formatInstanceList(result.items));
      if (!ctx.json && result.next !== null) {
        io.err(`more instances: run again with --after ${sanitize(result.next)}, or use --all\n`);
      }
    });

  instances
    .command("create <name>")
    .description("create an instance; prints its instance token once")
    .requiredOption("--platform <platform>", "connector id (see `switchboard platforms`)")
    .option("--config <json>", "connector config as JSON, or @file")
    .option("--metadata <json>", "free metadata as JSON, or @file (echoed in every event)")
    .option("--start", "also connect (without waiting)")
    .action(async (name: string, opts: { platform: string; config?: string; metadata?: string; start?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body: Record<string, unknown> = { name, platform: opts.platform };
      if (opts.config !== undefined) body.config = parseJsonOption(opts.config, "--config");
      if (opts.metadata !== undefined) body.metadata = parseJsonOption(opts.metadata, "--metadata");
      if (opts.start) body.start = true;
      const res = await ctx.client().request<{ instance: InstanceView; token: string | null }>("POST", "/v1/instances", { body });
      await ctx.emit(res, () => {
        let out = `created ${sanitize(res.instance.name)} (${sanitize(res.instance.platform)}): ${sanitize(describeStatus(res.instance.status))}\n`;
        if (res.instance.status.state === "stopped" && res.instance.status.reason === "created") {
          out += `next: switchboard instances connect ${sanitize(res.instance.name)}   (logs in; see --login-method)\n`;
        }
        out +=
          res.token === null
            ? "warning: the instance token is not shown (an idempotent replay); create a new one with `switchboard tokens create`.\n"
            : secretBox("Instance token", res.token, [
                "It gives full control of this instance and is stored only as a hash:",
                "it cannot be shown again (issue another with `switchboard tokens create`).",
              ]);
        return out;
      });
    });

  instances
    .command("get <name>")
    .description("show an instance: status, config, metadata and recent status history")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const view = await ctx.client().request<InstanceView>("GET", `/v1/instances/${seg(name)}`);
      await ctx.emit(view, () => formatInstance(view));
    });

  for (const verb of ["connect", "restart"] as const) {
    instances
      .command(`${verb} <name>`)
      .description(
        verb === "connect"
          ? "desired = running: restore the session, or start a login (shows the QR in the terminal)"
          : "close, then connect (same options as connect)",
      )
      .addOption(new Option("--wait <state>", "answer once the status reaches this state").choices(["awaiting_login", "connected"]))
      .option("--timeout <ms>", `upper bound for --wait, ms (default ${DEFAULT_WAIT_MS}, max ${MAX_WAIT_MS})`, intOption(1, MAX_WAIT_MS))
      .addOption(new Option("--login-method <method>", "login method to start").choices(["qr", "pairing_code", "token", "cookies", "key"]))
      .option("--login <json>", "login input as JSON, or @file (e.g. '{\"token\":\"…\"}'); may include \"method\"")
      .action(async (name: string, opts: ConnectFlags, cmd: Command) => {
        await runConnect(contextOf(cmd, io), verb, name, opts);
      });
  }

  instances
    .command("close <name>")
    .description("desired = stopped: end the local session only; credentials are kept, no platform logout")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const view = await ctx.client().request<InstanceView>("POST", `/v1/instances/${seg(name)}/close`, { body: {} });
      await ctx.emit(view, () => formatStatusLine(view));
    });

  instances
    .command("logout <name>")
    .description("end the session at the platform, then wipe the credentials")
    .option("--force", "wipe even when the platform cannot confirm (remote: unconfirmed)")
    .action(async (name: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<LogoutResult>("POST", `/v1/instances/${seg(name)}/logout`, {
        body: opts.force ? { force: true } : {},
      });
      await ctx.emit(res, () => formatLogout(res));
    });

  instances
    .command("delete <name>")
    .description("log out (remote best effort), then purge the instance, its tokens and its history")
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (!opts.yes) {
        if (!io.stdinIsTTY) throw new UsageError(`refusing to delete ${name} without --yes (stdin is not a terminal)`);
        const answer = await io.prompt(
          `Delete instance "${sanitize(name)}"? This logs it out, wipes its credentials and purges its tokens and history. [y/N] `,
        );
        if (!/^\s*y(es)?\s*$/i.test(answer)) throw new UsageError("not deleted: confirmation declined");
      }
      const res = await ctx.client().request<{ instance: string; deleted: true; remote: string }>(
        "DELETE",
        `/v1/instances/${seg(name)}`,
      );
      await ctx.emit(res, () => formatDeleted(res));
    });

  instances
    .command("qr <name>")
    .description("show the pending QR: in the terminal, or as an SVG/PNG image")
    .addOption(new Option("--format <format>", "output format").choices(["terminal", "svg", "png"]).default("terminal"))
    .option("--out <file>", "write the image to this file (svg/png)")
    .action(async (name: string, opts: { format: "terminal" | "svg" | "png"; out?: string }, cmd: Command) => {
      await runQr(contextOf(cmd, io), name, opts);
    });

  instances
    .command("pairing-code <name> <phone>")
    .description("ask for a pairing code for a phone number while a login is pending")
    .action(async (name: string, phone: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ code: string; expiresAt: number | null }>(
        "POST",
        `/v1/instances/${seg(name)}/pairing-code`,
        { body: { phoneNumber: phone } },
      );
      await ctx.emit(
        res,
        () =>
          `Pairing code: ${sanitize(res.code)}${res.expiresAt !== null ? ` (expires ${formatTime(res.expiresAt)})` : ""}\n` +
          "Enter it on the phone (WhatsApp: Linked devices → Link a device → Link with phone number instead).\n",
      );
    });

  instances
    .command("action <name> <action>")
    .description("run a platform action (see `switchboard platforms`)")
    .option("--input <json>", "action input as JSON, or @file (default {})")
    .action(async (name: string, action: string, opts: { input?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const input = opts.input === undefined ? {} : parseJsonOption(opts.input, "--input", "any");
      const res = await ctx.client().request<{ result: unknown }>(
        "POST",
        `/v1/instances/${seg(name)}/actions/${seg(action)}`,
        { body: input, timeoutMs: MAX_WAIT_MS },
      );
      await ctx.emit(res, () => `${JSON.stringify(res.result ?? null, null, 2).split("\n").map(sanitize).join("\n")}\n`);
    });
}

/** The `login` body member (`{method, ...input}`, the REST wire shape) from the flags, or undefined. */
export function loginBody(opts: Pick<ConnectFlags, "login" | "loginMethod">): Record<string, unknown> | undefined {
  const input = opts.login === undefined ? {} : (parseJsonOption(opts.login, "--login") as Record<string, unknown>);
  const method = opts.loginMethod ?? input.method;
  if (method === undefined) {
    if (opts.login !== undefined) throw new UsageError('--login needs a method: pass --login-method, or "method" in the JSON');
    return undefined;
  }
  if (typeof method !== "string") throw new UsageError('--login: "method" must be a string');
  return { ...input, method };
}

/**
 * `instances connect|restart`.
 * - `--json`, or no `--wait connected`: one request with the flags as given; prints the instance.
 * - human with `--wait connected`: first waits for `awaiting_login` (or connected), shows the QR or
 *   pairing code, then polls the instance every {@link connectTiming}`.pollMs`, re-showing the QR
 *   when a new one is issued, until connected, another settled state, or `--timeout` (then a
 *   client-side `TIMEOUT`, exit 1; the login stays pending on the gateway).
 * A wait that ends in another settled state exits 1 ({@link WaitNotReachedError}).
 */
async function runConnect(ctx: CliContext, verb: "connect" | "restart", name: string, opts: ConnectFlags): Promise<void> {
  const login = loginBody(opts);
  const totalMs = opts.timeout ?? DEFAULT_WAIT_MS;
  const client = ctx.client(totalMs + WAIT_SLACK_MS);
  const call = (v: "connect" | "restart", wait: WaitState | undefined, timeoutMs: number | undefined, withLogin: boolean) =>
    client.request<InstanceView>("POST", `/v1/instances/${seg(name)}/${v}`, {
      query: { wait, timeoutMs: wait === undefined ? undefined : timeoutMs },
      body: withLogin && login !== undefined ? { login } : {},
    });

  if (ctx.json || opts.wait !== "connected") {
    const view = await call(verb, opts.wait, opts.timeout, true);
    if (ctx.json) ctx.io.out(jsonDoc(view));
    else {
      await printConnectView(ctx, client, view, 0);
      if (opts.wait === undefined && view.status.state === "starting") {
        ctx.io.err("hint: the login starts in the background; pass --wait awaiting_login to see the QR, or --wait connected\n");
      }
    }
    if (opts.wait !== undefined && !reached(view, opts.wait)) throw new WaitNotReachedError(name, opts.wait, view);
    return;
  }

  const deadline = Date.now() + totalMs;
  const first = await call(verb, "awaiting_login", totalMs, true);
  let view = first;
  let shown = await printConnectView(ctx, client, view, 0);
  // Polled with GET, never with another `connect`: a connect racing a `login_expired` would start
  // a new login, which is exactly the QR loop the lifecycle forbids.
  while (view.status.state === "awaiting_login") {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(connectTiming.pollMs, remaining)));
    view = await client.request<InstanceView>("GET", `/v1/instances/${seg(name)}`);
    if (view.status.state === "awaiting_login" && view.status.attempt !== shown) {
      shown = await printConnectView(ctx, client, view, shown);
    }
  }
  if (view.status.state === "awaiting_login") {
    throw new CliApiError(504, {
      code: "TIMEOUT",
      message: `no login within ${Math.ceil(totalMs / 1000)} s; the login is still pending (run connect again, or raise --timeout)`,
      details: { status: view.status.state },
    });
  }
  if (view !== first) ctx.io.out(formatStatusLine(view));
  if (!reached(view, "connected")) throw new WaitNotReachedError(name, "connected", view);
}

/** Whether `view` satisfies a wait (a `connected` instance also satisfies `awaiting_login`, as on the server). */
function reached(view: InstanceView, wait: WaitState): boolean {
  return view.status.state === wait || (wait === "awaiting_login" && view.status.state === "connected");
}

/**
 * Prints the status line, and for a pending QR/pairing-code login the QR (rendered) or the code.
 * Returns the login attempt shown (or `shownAttempt` when nothing new was shown).
 */
async function printConnectView(ctx: CliContext, client: ApiClient, view: InstanceView, shownAttempt: number): Promise<number> {
  const s = view.status;
  if (s.state !== "awaiting_login") {
    ctx.io.out(formatStatusLine(view));
    return shownAttempt;
  }
  if (s.attempt === shownAttempt) return shownAttempt;
  ctx.io.out(formatStatusLine(view));
  if (s.method === "qr") {
    let qr = s.qr;
    if (qr === undefined) {
      try {
        qr = (await client.request<{ qr: string }>("GET", `/v1/instances/${seg(view.name)}/qr`)).qr;
      } catch (e) {
        if (!(e instanceof CliApiError && e.code === "NO_LOGIN_PENDING")) throw e;
      }
    }
    if (qr !== undefined) {
      ctx.io.out(await renderQrTerminal(qr));
      ctx.io.out("Scan this QR code with the app on your phone (WhatsApp: Settings → Linked devices → Link a device).\n");
    }
  } else if (s.method === "pairing_code" && s.code !== undefined) {
    ctx.io.out(`Pairing code: ${sanitize(s.code)}\n`);
  }
  return s.attempt;
}

/** `instances qr`: terminal rendering, or the SVG/PNG image to a file or stdout. */
async function runQr(ctx: CliContext, name: string, opts: { format: "terminal" | "svg" | "png"; out?: string }): Promise<void> {
  const client = ctx.client();
  const path = `/v1/instances/${seg(name)}/qr`;
  if (opts.format === "terminal") {
    if (opts.out !== undefined) throw new UsageError("--out needs --format svg or png");
    const res = await client.request<{ qr: string; expiresAt: number | null; attempt: number }>("GET", path);
    await ctx.emit(res, async () => {
      const when = res.expiresAt !== null ? `, expires ${formatTime(res.expiresAt)}` : "";
      return `${await renderQrTerminal(res.qr)}attempt ${res.attempt}${when}\n`;
    });
    return;
  }
  if (opts.out === undefined && opts.format === "png" && ctx.io.stdoutIsTTY) {
    throw new UsageError("refusing to write a PNG to the terminal: pass --out <file> or redirect stdout");
  }
  const accept = opts.format === "png" ? "image/png" : "image/svg+xml";
  const res = await client.requestRaw("GET", path, { query: { format: opts.format }, accept });
  if (opts.out === undefined) {
    ctx.io.out(res.body);
    return;
  }
  // A valid QR is a login secret: the file is readable by its owner only.
  writeFileSync(opts.out, res.body, { mode: 0o600 });
  ctx.io.err(`wrote ${opts.out} (${res.body.byteLength} bytes, ${opts.format})\n`);
}
