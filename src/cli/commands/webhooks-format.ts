import type { Webhook, WebhookAttempt } from "../../../client/src/index.js";
import { formatTime, sanitize, table } from "../output.js";

/** `enabled`, or `disabled (<reason> since <time>)`. */
function state(w: Webhook): string {
  if (w.enabled) return w.failingSince !== null ? `enabled (failing since ${formatTime(w.failingSince)})` : "enabled";
  return `disabled (${w.disabledReason ?? "user"}${w.disabledAt !== null ? ` since ${formatTime(w.disabledAt)}` : ""})`;
}

/** The `webhooks list` table. "No webhooks." when empty. */
export function formatWebhookList(items: readonly Webhook[]): string {
  if (items.length === 0) return "No webhooks.\n";
  return table(
    ["id", "instance", "url", "types", "state", "ordered"],
    items.map((w) => [w.id, w.instance ?? "*", w.url, w.types.join(",") || "all", state(w), w.ordered ? "yes" : "no"]),
  );
}

/** `webhooks get` and the first part of `create`: aligned `key: value` lines. */
export function formatWebhook(w: Webhook): string {
  const rows: [string, unknown][] = [
    ["id", w.id],
    ["url", w.url],
    ["instance", w.instance ?? "* (every instance)"],
    ["types", w.types.join(", ") || "all"],
    ["state", state(w)],
    ["ordered", w.ordered ? "yes (one delivery at a time per instance)" : "no"],
    ["concurrency", w.maxConcurrency],
  ];
  if (w.headers.length > 0) rows.push(["headers", `${w.headers.join(", ")} (values hidden)`]);
  if (w.description) rows.push(["description", w.description]);
  if (w.previousSecretExpiresAt !== null) rows.push(["previous secret", `valid until ${formatTime(w.previousSecretExpiresAt)}`]);
  rows.push(["created", formatTime(w.createdAt)], ["updated", formatTime(w.updatedAt)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${sanitize(v)}`).join("\n") + "\n";
}

/** The `webhooks attempts` table, newest first. "No attempts." when empty. */
export function formatAttempts(items: readonly WebhookAttempt[]): string {
  if (items.length === 0) return "No attempts.\n";
  return table(
    ["time", "event", "attempt", "result", "latency", "error"],
    items.map((a) => [
      formatTime(a.ts),
      a.eventId,
      a.attempt,
      `${a.ok ? "ok" : "failed"}${a.status !== null ? ` ${a.status}` : ""}`,
      `${a.latencyMs} ms`,
      a.error ?? "-",
    ]),
  );
}
