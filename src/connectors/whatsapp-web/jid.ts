import { err } from "../../core/errors.js";

/** A JID of a chat Switchboard sends to: a user (`…@s.whatsapp.net`, `…@lid`) or a group (`…@g.us`). */
const JID = /^[0-9A-Za-z.:_-]{1,64}@(s\.whatsapp\.net|lid|g\.us)$/;

/**
 * The chat JID of a `threadId`: a JID as given (as `message.received` reports it), or a phone number
 * (digits, country code first, optionally with `+`) as a user JID.
 * @throws {SwitchboardError} `VALIDATION_FAILED` for anything else.
 */
export function toJid(threadId: string): string {
  const t = threadId.trim();
  const digits = /^\+?(\d{7,15})$/.exec(t);
  if (digits) return `${digits[1]}@s.whatsapp.net`;
  if (JID.test(t)) return t;
  throw err("VALIDATION_FAILED", {
    message: "threadId must be a WhatsApp JID (…@s.whatsapp.net, …@lid, …@g.us) or a phone number with country code.",
  });
}
