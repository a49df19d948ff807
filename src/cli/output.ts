/**
 * Human output (tables, status lines, boxes) and machine output (`--json`) of the CLI, as pure
 * functions returning strings. Every returned string ends with a newline unless stated otherwise.
 *
 * Contracts:
 * - `--json` output is the API's JSON document as received, pretty-printed, one document per run
 *   ({@link jsonDoc}); errors in `--json` mode are the API's error envelope on stderr.
 * - Human output strips terminal control characters from every value that comes from the gateway
 *   ({@link sanitize}), so a crafted name or error message cannot drive the terminal.
 * - Error output never contains the token: {@link formatError} redacts the secrets it is given.
 */
import type { InstanceView, TokenView } from "../core/api.js";
import type { InstanceStatus, LogoutResult } from "../core/status.js";
import { CliApiError, GatewayTimeoutError, GatewayUnreachableError } from "./client.js";
import { UsageError } from "./errors.js";

/** The machine form: `value` as pretty-printed JSON plus a newline. */
export function jsonDoc(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Replaces C0/C1 control characters (escape sequences, carriage returns, …) with `?`. Keeps nothing else from them. */
export function sanitize(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

/**
 * A plain-text table: upper-case headers, columns padded to their widest cell, two spaces apart,
 * trailing spaces trimmed. Cells are sanitised.
 */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => sanitize(r[i] ?? "")))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}

/** Epoch ms → ISO 8601 UTC (`2024-05-01T12:00:00.000Z`); `-` for null/undefined/invalid. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  return new Date(ms).toISOString();
}

/** `yes` / `no`. */
function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}

/**
 * The short form of a status for tables: the state, plus the one detail that matters
 * (`awaiting_login (qr)`, `reconnecting (3)`, `failed (CODE)`, `logged_out (remote)`,
 * `stopped (login_expired)`). Unknown future states print as their `state`.
 */
export function statusCell(status: InstanceStatus): string {
  switch (status.state) {
    case "stopped":
      return status.reason && status.reason !== "user" ? `stopped (${status.reason === "created" ? "new" : status.reason})` : "stopped";
    case "awaiting_login":
      return `awaiting_login (${status.method})`;
    case "reconnecting":
      return `reconnecting (${status.attempt})`;
    case "logged_out":
      return `logged_out (${status.reason})`;
    case "failed":
      return `failed (${status.error.code})`;
    case "conflict":
      return status.error ? `conflict (${status.error.code})` : "conflict";
    default:
      return String((status as { state: unknown }).state);
  }
}

/** The words for each `stopped` reason. */
const STOP_REASON_TEXT: Record<string, string> = {
  created: "just created, not connected yet",
  user: "closed",
  shutdown: "the gateway stopped; it reconnects on the next start",
  login_expired: "the login codes ran out; connect again for a new one",
};

/** The long, one-line form of a status, with every field a person needs (times in ISO UTC). */
export function describeStatus(status: InstanceStatus): string {
  switch (status.state) {
    case "stopped":
      return status.reason ? `stopped (${STOP_REASON_TEXT[status.reason] ?? `reason: ${String(status.reason)}`})` : "stopped";
    case "starting":
      return "starting";
    case "awaiting_login": {
      const parts = [`method: ${status.method}`, `attempt ${status.attempt}`];
      if (status.expiresAt !== undefined) parts.push(`expires ${formatTime(status.expiresAt)}`);
      return `awaiting_login (${parts.join(", ")})`;
    }
    case "connected": {
      const who = status.self.name ? `${status.self.name} (${status.self.id})` : status.self.id;
      return `connected as ${who} since ${formatTime(status.since)}`;
    }
    case "reconnecting":
      return `reconnecting (attempt ${status.attempt}, next try ${formatTime(status.retryAt)}, last error: ${status.lastError.code}: ${status.lastError.message})`;
    case "logging_out":
      return "logging_out";
    case "logged_out": {
      const remote = (status as { remote?: unknown }).remote;
      return `logged_out (reason: ${status.reason}${typeof remote === "string" ? `, remote: ${remote}` : ""})`;
    }
    case "conflict":
      return status.error ? `conflict (${status.error.code}: ${status.error.message})` : "conflict (another client took the session over)";
    case "failed":
      return `failed (${status.error.code}: ${status.error.message})`;
    default:
      return String((status as { state: unknown }).state);
  }
}

/** The `instances list` table: name, platform, status, desired, credentials. "No instances." when empty. */
export function formatInstanceList(items: readonly InstanceView[]): string {
  if (items.length === 0) return "No instances.\n";
  return table(
    ["name", "platform", "status", "desired", "credentials"],
    items.map((i) => [i.name, i.platform, statusCell(i.status), i.desired, yesNo(i.hasCredentials)]),
  );
}

/** Aligned `key: value` lines (values sanitised). */
function fields(rows: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${sanitize(v)}`).join("\n") + "\n";
}

/** `instances get`: the instance's fields, its status, then its history table (newest first) when present. */
export function formatInstance(view: InstanceView): string {
  const rows: [string, unknown][] = [
    ["name", view.name],
    ["platform", view.platform],
    ["status", describeStatus(view.status)],
    ["desired", view.desired],
    ["credentials", yesNo(view.hasCredentials)],
  ];
  if (view.logoutPending) rows.push(["logout pending", "yes (finishes on the next start)"]);
  rows.push(["created", formatTime(view.createdAt)], ["updated", formatTime(view.updatedAt)]);
  if (Object.keys(view.config ?? {}).length > 0) rows.push(["config", JSON.stringify(view.config)]);
  if (Object.keys(view.metadata ?? {}).length > 0) rows.push(["metadata", JSON.stringify(view.metadata)]);
  let out = fields(rows);
  if (view.history !== undefined) {
    out += "\nHistory (newest first):\n";
    out +=
      view.history.length === 0
        ? "  (none)\n"
        : table(
            ["time", "from", "to", "reason"],
            view.history.map((h) => [formatTime(h.ts), h.from, h.to, h.reason]),
          );
  }
  return out;
}

/** One status line for the lifecycle verbs: `<name>: <long status>`. */
export function formatStatusLine(view: InstanceView): string {
  return `${sanitize(view.name)}: ${sanitize(describeStatus(view.status))}\n`;
}

/** `instances logout`: what the platform said and that credentials are gone. */
export function formatLogout(r: LogoutResult): string {
  const meaning: Record<string, string> = {
    revoked: "the platform ended the session",
    already_revoked: "the session had already ended at the platform",
    not_supported: "this platform has no remote logout",
    unconfirmed: "the platform could not confirm (forced)",
  };
  const why = meaning[r.remote];
  return (
    `${sanitize(r.instance)}: logged out\n` +
    fields([
      ["remote", why ? `${r.remote} (${why})` : r.remote],
      ["credentials wiped", yesNo(r.credentialsWiped === true)],
    ])
  );
}

/** `instances delete`. */
export function formatDeleted(r: { instance: string; remote: string }): string {
  return `${sanitize(r.instance)}: deleted (remote logout: ${sanitize(r.remote)})\n`;
}

/** The `tokens list` table (never the tokens themselves). "No tokens." when empty. */
export function formatTokenList(items: readonly TokenView[]): string {
  if (items.length === 0) return "No tokens.\n";
  return table(
    ["id", "scope", "instance", "label", "created"],
    items.map((t) => [t.id, t.scope, t.instance ?? "-", t.label || "-", formatTime(t.createdAt)]),
  );
}

/**
 * A secret shown once, in a box:
 * ```
 * ┌──────────────────────────────────────────────┐
 * │ <label> (shown once, store it now): <secret>  │
 * │ <note>                                         │
 * └──────────────────────────────────────────────┘
 * ```
 * The secret appears exactly once in the returned text.
 */
export function secretBox(label: string, secret: string, notes: readonly string[] = []): string {
  const lines = [`${label} (shown once, store it now): ${sanitize(secret)}`, ...notes.map(sanitize)];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "─".repeat(width + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width)} │`), `└${bar}┘`].join("\n") + "\n";
}

/** A platform as listed by `GET /v1/platforms` (the fields the CLI shows). */
export interface PlatformItem {
  platform: string;
  displayName: string;
  capabilities: { login: readonly { method: string }[]; remoteLogout: boolean; send: boolean };
  actions: readonly { name: string }[];
}

/** The `platforms` table. "No platforms registered." when empty. */
export function formatPlatforms(items: readonly PlatformItem[]): string {
  if (items.length === 0) return "No platforms registered.\n";
  return table(
    ["platform", "name", "login", "remote logout", "send", "actions"],
    items.map((p) => [
      p.platform,
      p.displayName,
      p.capabilities.login.map((l) => l.method).join(",") || "-",
      yesNo(p.capabilities.remoteLogout),
      yesNo(p.capabilities.send),
      p.actions.map((a) => a.name).join(",") || "-",
    ]),
  );
}

/** Options of {@link formatError}. */
export interface ErrorFormatOptions {
  /** Print the error envelope (JSON) instead of the human line. */
  json: boolean;
  /** Strings that must never appear in the output (the token); each is replaced by `[redacted]`. */
  secrets?: readonly (string | undefined)[];
  /** Whether the request carried a token (adds a hint to a 401 when not). */
  hadToken?: boolean;
}

/**
 * The CLI-side codes used in `--json` error envelopes for failures that have no API answer:
 * `GATEWAY_UNREACHABLE` (exit 3), `GATEWAY_TIMEOUT` (exit 1), `USAGE` (exit 2), `CLI_ERROR` (exit 1).
 */
export type CliErrorCode = "GATEWAY_UNREACHABLE" | "GATEWAY_TIMEOUT" | "USAGE" | "CLI_ERROR";

/**
 * The stderr text for a failed command.
 * Human: `error: <message> (<CODE>)`, then indented details when helpful (validation issues,
 * other details as JSON, retry hint, missing-token hint). JSON: the error envelope
 * `{ error: { code, message, details?, retryAfterMs? } }` (API errors as received; CLI-side
 * failures with a {@link CliErrorCode}). Secrets in `opts.secrets` are redacted either way.
 */
export function formatError(e: unknown, opts: ErrorFormatOptions): string {
  const text = opts.json ? jsonDoc(errorEnvelope(e)) : humanError(e, opts.hadToken ?? true);
  return redact(text, opts.secrets ?? []);
}

/** The error envelope for anything thrown by a command. */
export function errorEnvelope(e: unknown): { error: { code: string; message: string; details?: Record<string, unknown>; retryAfterMs?: number } } {
  if (e instanceof CliApiError) return e.toEnvelope();
  if (e instanceof GatewayUnreachableError) {
    return { error: { code: "GATEWAY_UNREACHABLE", message: e.message, details: { url: e.url, cause: e.causeCode ?? null } } };
  }
  if (e instanceof GatewayTimeoutError) {
    return { error: { code: "GATEWAY_TIMEOUT", message: e.message, details: { url: e.url, timeoutMs: e.timeoutMs } } };
  }
  if (e instanceof UsageError) return { error: { code: "USAGE", message: e.message } };
  return { error: { code: systemCode(e) ?? "CLI_ERROR", message: e instanceof Error ? e.message : String(e) } };
}

function humanError(e: unknown, hadToken: boolean): string {
  if (e instanceof CliApiError) {
    const lines = [`error: ${sanitize(e.message)} (${sanitize(e.code)})`];
    const details = e.details ?? {};
    const issues = (details as { issues?: unknown }).issues;
    if (Array.isArray(issues)) {
      for (const issue of issues) {
        const { path, message } = (issue ?? {}) as { path?: unknown; message?: unknown };
        lines.push(`  - ${path ? `${sanitize(path)}: ` : ""}${sanitize(message ?? JSON.stringify(issue))}`);
      }
    }
    const rest = Object.fromEntries(Object.entries(details).filter(([k]) => k !== "issues" && k !== "envelope"));
    if (Object.keys(rest).length > 0) lines.push(`  details: ${sanitize(JSON.stringify(rest))}`);
    if (e.retryAfterMs !== undefined) lines.push(`  retry after ${Math.ceil(e.retryAfterMs / 1000)} s`);
    if (e.status === 401 && !hadToken) lines.push("  hint: pass --token or set SWITCHBOARD_TOKEN");
    return lines.join("\n") + "\n";
  }
  if (e instanceof GatewayUnreachableError) {
    return `error: ${sanitize(e.message)}${e.causeCode ? ` (${e.causeCode})` : ""}\n`;
  }
  if (e instanceof GatewayTimeoutError) return `error: ${sanitize(e.message)} (GATEWAY_TIMEOUT)\n`;
  const code = systemCode(e);
  return `error: ${sanitize(e instanceof Error ? e.message : String(e))}${code ? ` (${code})` : ""}\n`;
}

/**
 * The upper-case `code` of an error thrown in-process (a `SwitchboardError` from `serve`'s start,
 * or a system error such as `EADDRINUSE`), when it has one.
 */
function systemCode(e: unknown): string | undefined {
  if (e instanceof UsageError || e === null || typeof e !== "object") return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
}

/** Replaces every occurrence of each secret (4+ characters) with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s !== undefined && s.length >= 4) out = out.split(s).join("[redacted]");
  }
  return out;
}
