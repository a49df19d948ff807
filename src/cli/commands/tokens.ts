import { Option, type Command } from "commander";
import type { TokenView } from "../../core/api.js";
import { seg } from "../client.js";
import { contextOf, type CliIo } from "../context.js";
import { UsageError } from "../errors.js";
import { formatTime, formatTokenList, sanitize, secretBox } from "../output.js";

/** Registers `tokens list|create|revoke` (account token required by the API). */
export function registerTokens(program: Command, io: CliIo): void {
  const tokens = program.command("tokens").alias("token").description("manage API tokens (account and instance tokens)");

  tokens
    .command("list")
    .description("list tokens (ids and labels; never the tokens themselves)")
    .option("--instance <name>", "only the tokens of this instance")
    .action(async (opts: { instance?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ items: TokenView[] }>("GET", "/v1/tokens", { query: { instance: opts.instance } });
      await ctx.emit(res, () => formatTokenList(res.items));
    });

  tokens
    .command("create")
    .description("issue a token; it is printed once")
    .addOption(new Option("--scope <scope>", "account: everything; instance: one instance").choices(["account", "instance"]).makeOptionMandatory())
    .option("--instance <name>", "the instance (required with --scope instance)")
    .option("--label <label>", "a note to recognise the token by")
    .action(async (opts: { scope: "account" | "instance"; instance?: string; label?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (opts.scope === "instance" && opts.instance === undefined) throw new UsageError("--scope instance needs --instance <name>");
      if (opts.scope === "account" && opts.instance !== undefined) throw new UsageError("--instance is only allowed with --scope instance");
      const body: Record<string, unknown> = { scope: opts.scope };
      if (opts.instance !== undefined) body.instance = opts.instance;
      if (opts.label !== undefined) body.label = opts.label;
      const res = await ctx.client().request<{ token: string | null; record: TokenView }>("POST", "/v1/tokens", { body });
      await ctx.emit(res, () => {
        const r = res.record;
        const what = r.scope === "account" ? "account token" : `instance token for ${sanitize(r.instance ?? "?")}`;
        let out = `created ${what} ${sanitize(r.id)}${r.label ? ` (${sanitize(r.label)})` : ""} at ${formatTime(r.createdAt)}\n`;
        out +=
          res.token === null
            ? "warning: the token is not shown (an idempotent replay); revoke it and create a new one.\n"
            : secretBox(r.scope === "account" ? "Account token" : "Instance token", res.token, [
                "It is stored only as a hash and cannot be shown again.",
                `Revoke it with: switchboard tokens revoke ${sanitize(r.id)}`,
              ]);
        return out;
      });
    });

  tokens
    .command("revoke <id>")
    .description("revoke a token by id (see `tokens list`)")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ id: string; revoked: true }>("DELETE", `/v1/tokens/${seg(id)}`);
      await ctx.emit(res, () => `revoked token ${sanitize(res?.id ?? id)}\n`);
    });
}
