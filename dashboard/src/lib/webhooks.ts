/**
 * Webhook subscriptions for the dashboard: what the create form's text becomes, and the words shown
 * for a subscription and its delivery attempts. Pure: no DOM. Times are epoch milliseconds.
 */
import type { CreateWebhookInput, Webhook, WebhookAttempt } from "@switchboard/client";
import { clock } from "./time.js";

/** The part of a subscription view (`WebhookView`, docs/events.md) this module reads. */
export type WebhookLike = Pick<
  Webhook,
  | "id"
  | "instance"
  | "url"
  | "types"
  | "headers"
  | "ordered"
  | "maxConcurrency"
  | "enabled"
  | "disabledReason"
  | "disabledAt"
  | "failingSince"
  | "previousSecretExpiresAt"
>;

/** The part of a recorded attempt (`AttemptView`) this module reads. */
export type AttemptLike = Pick<WebhookAttempt, "id" | "eventId" | "attempt" | "ts" | "status" | "latencyMs" | "error" | "ok">;

/** What the create form holds, as typed (every text field untrimmed). */
export interface WebhookFormInput {
  url: string;
  /** Instance name, or "" for a global subscription. */
  instance: string;
  /** Event types and `prefix.*` patterns, separated by commas, spaces or new lines. */
  types: string;
  /** Custom headers, one `Name: value` per line. */
  headers: string;
  description: string;
  ordered: boolean;
  /** "" for the gateway's default. */
  maxConcurrency: string;
}

/** Largest `maxConcurrency` the gateway accepts (docs/events.md). */
export const MAX_CONCURRENCY = 64;

/** `"message.*, instance.status"` → `["message.*", "instance.status"]` (deduplicated, order kept). */
export function parseTypes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((t) => t !== ""))];
}

/**
 * One header per line, `Name: value` (the first colon splits; names and values trimmed; blank lines
 * skipped). Only the lines are split here: the gateway checks the names (HTTP tokens, reserved names,
 * length) and values, and its error is shown as it comes.
 * @returns the headers, or `error` naming the first line without a name before a colon (1-based) —
 *   never its text, which may be a value.
 */
export function parseHeaders(text: string): { ok: true; value: Record<string, string> } | { ok: false; error: string } {
  const value: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (name === "") return { ok: false, error: `Line ${i + 1}: write a header as "Name: value".` };
    value[name] = line.slice(colon + 1).trim();
  }
  return { ok: true, value };
}

/**
 * Checks the form and builds the create body. Only the URL is required here; the gateway checks the
 * rest (URL scheme, SSRF guard, limits) and its error message is shown as it comes.
 * @returns the body, or `errors` keyed by form field (`url`, `headers`, `maxConcurrency`).
 */
export function webhookCreateBody(input: WebhookFormInput): { ok: true; value: CreateWebhookInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const url = input.url.trim();
  if (url === "") errors.url = "Enter the URL that receives the events.";
  const headers = parseHeaders(input.headers);
  if (!headers.ok) errors.headers = headers.error;
  let maxConcurrency: number | undefined;
  const mc = input.maxConcurrency.trim();
  if (mc !== "") {
    maxConcurrency = Number(mc);
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY) errors.maxConcurrency = `A whole number from 1 to ${MAX_CONCURRENCY}.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const value: CreateWebhookInput = { url };
  if (input.instance !== "") value.instance = input.instance;
  const types = parseTypes(input.types);
  if (types.length > 0) value.types = types;
  if (headers.ok && Object.keys(headers.value).length > 0) value.headers = headers.value;
  if (input.description.trim() !== "") value.description = input.description.trim();
  if (input.ordered) value.ordered = true;
  if (maxConcurrency !== undefined) value.maxConcurrency = maxConcurrency;
  return { ok: true, value };
}

/**
 * The subscription's state in words: "enabled", "enabled, failing since 14:03:07",
 * "disabled: kept failing", "disabled by a user".
 */
export function webhookState(w: WebhookLike): string {
  if (w.enabled) return w.failingSince !== null ? `enabled, failing since ${clock(w.failingSince)}` : "enabled";
  if (w.disabledReason === "failing") return "disabled: kept failing";
  if (w.disabledReason === "user") return "disabled by a user";
  return w.disabledReason ? `disabled (${w.disabledReason})` : "disabled";
}

/**
 * The subscription's name in the page: its URL and scope, "https://x.example/h (instance wa)" or
 * "https://x.example/h (all instances)" — the group "Webhook <name>" and the list "Attempts for <name>".
 */
export function webhookName(w: Pick<WebhookLike, "url" | "instance">): string {
  return `${w.url} (${w.instance === null ? "all instances" : `instance ${w.instance}`})`;
}

/** "all types" or the list; "every instance" or the instance; ordered; concurrency; header names. */
export function webhookScope(w: WebhookLike): string {
  const parts = [
    w.instance === null ? "every instance" : `instance ${w.instance}`,
    w.types.length === 0 ? "all event types" : w.types.join(", "),
    w.ordered ? "ordered" : "unordered",
    `up to ${w.maxConcurrency} at once`,
  ];
  if (w.headers.length > 0) parts.push(`headers: ${w.headers.join(", ")}`);
  return parts.join(" · ");
}

/** "14:03:07 · attempt 2 · HTTP 200 · 12 ms" (+ " · <error>" when the attempt failed with one). */
export function attemptLine(a: AttemptLike): string {
  const parts = [clock(a.ts), `attempt ${a.attempt}`, a.status === null ? "no answer" : `HTTP ${a.status}`, `${a.latencyMs} ms`];
  if (a.error && a.error !== `HTTP ${a.status}`) parts.push(a.error);
  return parts.join(" · ");
}

/**
 * Attempts grouped by event, newest event first (attempts arrive newest first, as the API lists
 * them); each group's attempts newest first.
 */
export function attemptsByEvent<A extends AttemptLike>(attempts: readonly A[]): { eventId: string; attempts: A[] }[] {
  const groups = new Map<string, A[]>();
  for (const a of attempts) {
    const list = groups.get(a.eventId);
    if (list) list.push(a);
    else groups.set(a.eventId, [a]);
  }
  return [...groups].map(([eventId, list]) => ({ eventId, attempts: list }));
}
