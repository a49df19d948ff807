/**
 * A contact's phone asks a client for a message again: the retry receipt WhatsApp's server relays
 * when a recipient device could not decrypt a copy (Baileys rc14 messages-recv.js
 * `sendRetryRequest` builds it on the recipient's side; `handleReceipt` → `sendMessagesAgain` answers
 * it on the sender's side):
 *
 *   <receipt id from="contact@s.whatsapp.net" type="retry" t>
 *     <retry count id t v="1" error="0"/>
 *     <registration>4-byte big-endian registration id</registration>
 *     [<keys><type/><identity/><key>…</key><skey>…</skey></keys>]     (when count > 1)
 *   </receipt>
 *
 * Before asking, the contact's phone forgets its session with the sending device (what a failed
 * decrypt stands for), so only a copy on a new session decrypts: Baileys fetches the contact's keys
 * again (`assertSessions(…, force)`) or, with `<keys>`, starts the session from them, and sends the
 * message again with the same id as a `pkmsg`. The message it sends is whatever its `getMessage`
 * answers (Switchboard: RetryMessages, then the gateway's stored `message.sent` event).
 *
 * The receipt goes to the connection of the device that sent the message; the sandbox does not
 * queue retry receipts for a device that is offline (real WhatsApp does).
 */
import type { BinaryNode } from "../binary/index.js";
import type { SandboxContact } from "../contacts.js";
import { type SentMessage, messagingOf } from "../messaging.js";
import type { SandboxPhone } from "../phone.js";
import type { Connection } from "../server.js";
import { keyBundleUserNode } from "../signal/index.js";
import { SandboxError } from "../state.js";

/** How long a retry waits for the client to send the message again by default (ms, real time; 100–60 000 on request). */
export const RETRY_RESEND_TIMEOUT_MS = 10_000;

/** Baileys' `maxMsgRetryCount` default: a sender answers at most 5 retries per message and device. */
export const MAX_RETRY_COUNT = 5;

/** What a retry request came to. */
export interface RetryOutcome {
  /** The message as first recorded. */
  original: SentMessage;
  /** The `count` of the `<retry>` node. */
  count: number;
  /** The client's resend (same id), decrypted as any sent message is. */
  resent: SentMessage;
}

/**
 * Contact `contact` asks the client that sent message `id` to send it again (retry `count`, 1–5;
 * with count > 1 the receipt carries the contact's key bundle, as Baileys' recipients do). Resolves
 * once the client sent it again.
 *
 * SandboxError 404 `message_not_found` (no such message from a client of `phone` to `contact`),
 * 400 `bad_request` (count not 1–5, timeoutMs not 100–60 000), 409 `device_offline` (the sending
 * device is not connected), 504 `no_resend` (the client did not send it again within `timeoutMs`).
 */
export async function requestRetry(
  state: Connection["env"]["state"],
  phone: SandboxPhone,
  contact: SandboxContact,
  id: string,
  { count = 1, timeoutMs = RETRY_RESEND_TIMEOUT_MS }: { count?: number; timeoutMs?: number } = {},
): Promise<RetryOutcome> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_RETRY_COUNT) throw new SandboxError(400, "bad_request", `count must be an integer from 1 to ${MAX_RETRY_COUNT}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) throw new SandboxError(400, "bad_request", "timeoutMs must be an integer from 100 to 60000");
  const messaging = messagingOf(state);
  const original = messaging.sent.find((m) => m.id === id && m.phoneId === phone.id && m.contactId === contact.id);
  if (!original) throw new SandboxError(404, "message_not_found", `no message ${id} from a client of ${phone.id} to ${contact.id}`);
  const conn = messaging.connectionsOf(phone).find((c) => c.loggedIn?.device.jid === original.from);
  if (!conn) throw new SandboxError(409, "device_offline", `device ${original.from} is not connected; the sandbox does not queue retry receipts`);

  const device = contact.phoneDevice;
  device.deleteSession(original.from);
  const t = String(Math.floor(state.clock.now() / 1000));
  const content: BinaryNode[] = [
    { tag: "retry", attrs: { count: String(count), id, t, v: "1", error: "0" } },
    { tag: "registration", attrs: {}, content: beUint32(device.registrationId) },
  ];
  if (count > 1) {
    // The same children as a key fetch's <user> bundle, without its <registration> (Baileys reads that from the receipt).
    const bundle = messaging.bundleFor(contact.jid);
    if (!bundle) throw new SandboxError(500, "internal", `no key bundle for ${contact.jid}`);
    const user = keyBundleUserNode(contact.jid, bundle);
    const keys = (user.content as BinaryNode[]).filter((c) => c.tag !== "registration");
    content.push({ tag: "keys", attrs: {}, content: keys });
  }
  const resent = messaging.nextSent(id, original.from, timeoutMs);
  conn.sendNode({ tag: "receipt", attrs: { id, from: contact.jid, type: "retry", t }, content });
  original.receipts.push({ type: "retry", at: state.clock.now() });
  const copy = await resent;
  if (!copy) throw new SandboxError(504, "no_resend", `the client did not send message ${id} again within ${timeoutMs} ms`);
  return { original, count, resent: copy };
}

function beUint32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
