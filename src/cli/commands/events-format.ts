import type { SwitchboardEvent } from "../../../client/src/index.js";
import { describeStatus, formatTime, sanitize } from "../output.js";

/** Longest data summary of an event type the CLI does not know, characters. */
const UNKNOWN_DATA_CHARS = 200;

/**
 * One line per event for `events tail` (ends with a newline):
 * `<ISO time>  <instance or ->  <type>  <summary>`. Values from the gateway are sanitised; message
 * bodies keep their line breaks as `↵`. Login secrets (QR strings, pairing codes) are not printed:
 * the line says where to get them (`--json` prints the whole event).
 */
export function formatEventLine(e: SwitchboardEvent): string {
  return `${formatTime(e.ts)}  ${sanitize(e.instance ?? "-")}  ${sanitize(e.type)}  ${summary(e)}\n`;
}

/** The human summary of an event's data. */
export function summary(e: SwitchboardEvent): string {
  switch (e.type) {
    case "instance.status":
      return `${sanitize(describeStatus(e.data.status))} (was ${sanitize(e.data.previous)}, desired ${sanitize(e.data.desired)})`;
    case "instance.qr":
      return `new QR code (attempt ${e.data.attempt}${e.data.expiresAt !== null ? `, expires ${formatTime(e.data.expiresAt)}` : ""}); show it with: switchboard instances qr ${sanitize(e.instance ?? "<name>")}`;
    case "instance.pairing_code":
      return `new pairing code${e.data.expiresAt !== null ? ` (expires ${formatTime(e.data.expiresAt)})` : ""}; see --json or the instance's status`;
    case "instance.logged_out":
      return `logged out (reason: ${sanitize(e.data.reason)}, remote: ${sanitize(e.data.remote)}, credentials wiped)`;
    case "instance.deleted":
      return `deleted (remote logout: ${sanitize(e.data.remote)})`;
    case "message.received":
      return `from ${sanitize(e.data.senderId)} in ${sanitize(e.data.threadId)}: ${body(e.data.body)}`;
    case "message.sent":
      return `to ${sanitize(e.data.threadId)}: ${body(e.data.body)}`;
    case "message.status":
      return `${sanitize(e.data.messageId)} in ${sanitize(e.data.threadId)}: ${sanitize(e.data.status)}`;
    default: {
      const text = JSON.stringify((e as { data?: unknown }).data ?? null);
      return sanitize(text.length > UNKNOWN_DATA_CHARS ? `${text.slice(0, UNKNOWN_DATA_CHARS - 1)}…` : text);
    }
  }
}

/** A message body on one line: line breaks as `↵`, other control characters as `?`. */
function body(text: string): string {
  return sanitize(text.replace(/\r\n|\r|\n/g, "↵"));
}
