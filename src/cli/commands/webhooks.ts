import { Option, type Command } from "commander";
import type { CreateWebhookInput, RedeliverInput } from "../../../client/src/index.js";
import { MAX_CONCURRENCY, MAX_ROTATION_OVERLAP_MS } from "../../events/webhooks/options.js";
import { collectList, intOption, parseJsonOption } from "../args.js";
import { contextOf, type CliIo } from "../context.js";
import { UsageError } from "../errors.js";
import { sanitize, secretBox } from "../output.js";
import { formatAttempts, formatWebhook, formatWebhookList } from "./webhooks-format.js";

interface CreateFlags {
  instance?: string;
  type: string[];
  header: string[];
  headers?: string;
  description?: string;
  ordered?: boolean;
  maxConcurrency?: number;
  disabled?: boolean;
}


/**
 * Registers `webhooks list|get|create|delete|attempts|redeliver|rotate-secret|enable|disable`
 * (alias `webhook`), all through the SDK's `sb.webhooks`. Signing secrets are printed once, boxed;
 * custom header values are never printed (the gateway does not show them either).
 */
export function registerWebhooks(program: Command, io: CliIo): void {
  const webhooks = program
    .command("webhooks")
    .alias("webhook")
    .description("outbound webhook subscriptions: signed event deliveries with retries");

  webhooks
    .command("list")
    .description("list subscriptions (an instance token sees its own instance's)")
    .option("--instance <name>", "only this instance's subscriptions")
    .action(async (opts: { instance?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const items = await ctx.sdk().webhooks.list(opts.instance !== undefined ? { instance: opts.instance } : {});
      await ctx.emit({ items }, () => formatWebhookList(items));
    });

  webhooks
    .command("get <id>")
    .description("show one subscription")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const w = await ctx.sdk().webhooks.get(id);
      await ctx.emit(w, () => formatWebhook(w));
    });

  webhooks
    .command("create <url>")
    .description("subscribe a URL (the receiver) to events; prints the signing secret once")
    .option("--instance <name>", "only this instance's events (omitted with an account token: every instance)")
    .option("--type <types>", "only these event types or `prefix.*` patterns, comma-separated or repeated", collectList, [])
    .option("--header <header>", "an extra request header 'Name: value' (repeatable; values are stored secret)", collect, [])
    .option("--headers <json>", "extra request headers as a JSON object, or @file (keeps values out of the process list)")
    .option("--description <text>", "a note to recognise the subscription by")
    .option("--ordered", "deliver each instance's events strictly in order (one at a time)")
    .option("--max-concurrency <n>", "concurrent deliveries to this URL", intOption(1, MAX_CONCURRENCY))
    .option("--disabled", "create it disabled")
    .addHelpText("after", "\nThe URL must be http(s); hosts resolving to loopback or private addresses are refused unless the gateway allows them.\n")
    .action(async (url: string, opts: CreateFlags, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const input: CreateWebhookInput = { url };
      if (opts.instance !== undefined) input.instance = opts.instance;
      if (opts.type.length > 0) input.types = opts.type;
      const headers = headersOf(opts);
      if (headers !== undefined) input.headers = headers;
      if (opts.description !== undefined) input.description = opts.description;
      if (opts.ordered) input.ordered = true;
      if (opts.maxConcurrency !== undefined) input.maxConcurrency = opts.maxConcurrency;
      if (opts.disabled) input.enabled = false;
      const res = await ctx.sdk().webhooks.create(input);
      await ctx.emit(res, () =>
        `created webhook ${sanitize(res.webhook.id)}\n${formatWebhook(res.webhook)}` +
        (res.secret === null
          ? `warning: the signing secret is not shown (an idempotent replay); issue a new one with: switchboard webhooks rotate-secret ${sanitize(res.webhook.id)}\n`
          : secretBox("Signing secret", res.secret, [
              "Verify deliveries with it (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).",
              `It cannot be shown again; rotate it with: switchboard webhooks rotate-secret ${sanitize(res.webhook.id)}`,
            ])),
      );
    });

  webhooks
    .command("delete <id>")
    .description("delete a subscription with its pending deliveries and recorded attempts")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      await ctx.sdk().webhooks.delete(id);
      await ctx.emit({ id, deleted: true }, () => `deleted webhook ${sanitize(id)}\n`);
    });

  webhooks
    .command("attempts <id>")
    .description("recorded delivery attempts, newest first (status, latency, error)")
    .option("--limit <n>", "page size (1-500)", intOption(1, 500))
    .option("--before <cursor>", "the `next` cursor of the previous page", intOption(1, Number.MAX_SAFE_INTEGER))
    .option("--event <id>", "only the attempts of this event")
    .action(async (id: string, opts: { limit?: number; before?: number; event?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const page = await ctx.sdk().webhooks.attempts(id, {
        ...(opts.limit !== undefined && { limit: opts.limit }),
        ...(opts.before !== undefined && { before: opts.before }),
        ...(opts.event !== undefined && { eventId: opts.event }),
      });
      await ctx.emit(page, () => formatAttempts(page.items));
      if (!ctx.json && page.next !== null) io.err(`more attempts: run again with --before ${page.next}\n`);
    });

  webhooks
    .command("redeliver <id>")
    .description("deliver one event again (--event), or every matching event of a time range (--from/--to)")
    .option("--event <id>", "the event id")
    .option("--from <time>", "range start, inclusive: ISO 8601 or epoch ms")
    .option("--to <time>", "range end, inclusive: ISO 8601 or epoch ms")
    .action(async (id: string, opts: { event?: string; from?: string; to?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const input = redeliverInput(opts);
      const res = await ctx.sdk().webhooks.redeliver(id, input);
      await ctx.emit(res, () => `queued ${res.queued} ${res.queued === 1 ? "delivery" : "deliveries"} for webhook ${sanitize(id)}\n`);
    });

  webhooks
    .command("rotate-secret <id>")
    .description("issue a new signing secret; the old one keeps signing for the overlap")
    .addOption(new Option("--overlap <ms>", "how long the old secret keeps signing, ms (default: the gateway's, 24 h)").argParser(intOption(0, MAX_ROTATION_OVERLAP_MS)))
    .action(async (id: string, opts: { overlap?: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.sdk().webhooks.rotateSecret(id, opts.overlap !== undefined ? { overlapMs: opts.overlap } : {});
      await ctx.emit(res, () => {
        const until = res.webhook.previousSecretExpiresAt;
        if (res.secret === null) return "warning: the new secret is not shown (an idempotent replay); rotate again.\n";
        return secretBox("New signing secret", res.secret, [
          until !== null ? `The previous secret also signs until ${new Date(until).toISOString()}.` : "The previous secret no longer signs.",
        ]);
      });
    });

  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    webhooks
      .command(`${verb} <id>`)
      .description(enabled ? "re-enable a subscription (pending deliveries are retried at once)" : "pause deliveries (events keep queueing)")
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd, io);
        const w = await ctx.sdk().webhooks.update(id, { enabled });
        await ctx.emit(w, () => formatWebhook(w));
      });
  }
}

/** `--header 'Name: value'` (repeated) and `--headers <json|@file>`, merged; undefined when neither. */
function headersOf(opts: Pick<CreateFlags, "header" | "headers">): Record<string, string> | undefined {
  if (opts.header.length === 0 && opts.headers === undefined) return undefined;
  const out: Record<string, string> = {};
  if (opts.headers !== undefined) {
    for (const [k, v] of Object.entries(parseJsonOption(opts.headers, "--headers") as Record<string, unknown>)) {
      if (typeof v !== "string") throw new UsageError(`--headers: the value of ${k} must be a string`);
      out[k] = v;
    }
  }
  for (const h of opts.header) {
    const colon = h.indexOf(":");
    const name = colon > 0 ? h.slice(0, colon).trim() : "";
    // The value is never echoed: it may be a secret.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError("--header: expected 'Name: value' with a valid header name");
    out[name] = h.slice(colon + 1).trim();
  }
  return out;
}

/** The redeliver body from the flags. @throws {@link UsageError} unless exactly --event, or both --from and --to (from <= to). */
export function redeliverInput(opts: { event?: string; from?: string; to?: string }): RedeliverInput {
  const range = opts.from !== undefined || opts.to !== undefined;
  if (opts.event !== undefined && range) throw new UsageError("pass either --event or --from/--to, not both");
  if (opts.event !== undefined) return { eventId: opts.event };
  if (opts.from === undefined || opts.to === undefined) throw new UsageError("pass --event <id>, or both --from and --to");
  const from = parseTime(opts.from, "--from");
  const to = parseTime(opts.to, "--to");
  if (from > to) throw new UsageError("--from must not be after --to");
  return { from, to };
}

/** ISO 8601 or epoch ms → epoch ms. @throws {@link UsageError}. */
function parseTime(value: string, flag: string): number {
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag}: expected an ISO 8601 time or epoch milliseconds`);
  return ms;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
