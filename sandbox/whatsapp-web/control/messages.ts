/**
 * Control routes for contacts and messages (JSON; errors as in ../control.ts):
 *
 *   POST /sandbox/phones/:id/contacts                 {number?, name?} → 201 ContactInfo
 *   GET  /sandbox/phones/:id/contacts                                  → 200 {contacts: ContactInfo[]}
 *   POST /sandbox/phones/:id/contacts/:c/messages     {text, replyTo?} | {location} | {contact} | {reaction} | {edit} | {revoke}
 *                                                                       → 200 InboundMessage (../contact-content.ts)
 *        the contact writes to the phone; answers once every connected client device has sent its
 *        receipt (deliveries[].status "delivered" | "read" | "retry" | "nack" | "timeout" | "no_keys" | "error")
 *   GET  /sandbox/phones/:id/contacts/:c/messages                      → 200 {inbound: InboundMessage[], sent: SentMessage[], conversation: [{from, who, text, at}] (both merged by time, text only)}
 *   POST /sandbox/phones/:id/contacts/:c/messages/:msg/read            → 200 SentMessage (read receipt sent)
 *   POST /sandbox/phones/:id/contacts/:c/messages/:msg/retry {count?, timeoutMs?}  → 200 {original, count, resent} (the contact
 *        could not decrypt it: retry receipt; answers once the client sent it again, ../handlers/retry-receipts.ts)
 *   GET  /sandbox/phones/:id/inbound                                   → 200 {messages: InboundMessage[]} (with client receipts)
 *   GET  /sandbox/phones/:id/sent                                      → 200 {messages: SentMessage[]} (what clients sent, decrypted)
 *
 * `:c` is a contact id ("contact-1") or its number. Errors: 404 `phone_not_found`,
 * `contact_not_found`, `message_not_found`; 400 `bad_number`, `bad_request` (text missing or over
 * 64 KiB of JSON, retry count not 1–5 or timeoutMs not 100–60 000); 409 `number_taken`, `device_offline`; 504 `no_resend`.
 */
import { type ControlRoute, answer } from "../../kit/control.js";
import { markRead, sendInbound } from "../handlers/messages.js";
import { requestRetry } from "../handlers/retry-receipts.js";
import { contactMessage } from "../contact-content.js";
import { type InboundMessage, type SentMessage, messagingOf } from "../messaging.js";
import { SandboxError, type SandboxState } from "../state.js";

export function messageRoutes(state: SandboxState): ControlRoute[] {
  const messaging = messagingOf(state);
  const contact = (phoneRef: string, contactRef: string) => {
    const phone = state.phone(phoneRef);
    return { phone, contact: messaging.contacts.get(phone.id, contactRef) };
  };
  return [
    {
      method: "GET",
      path: "/phones/:id/inbound",
      doc: "GET /sandbox/phones/:id/inbound — every contact message to the phone, with the clients' receipts",
      run: ({ params }) => {
        const phone = state.phone(params.id!);
        return { messages: messaging.inbound.filter((x) => x.phoneId === phone.id) };
      },
    },
    {
      method: "GET",
      path: "/phones/:id/sent",
      doc: "GET /sandbox/phones/:id/sent — what the phone's clients sent, decrypted",
      run: ({ params }) => {
        const phone = state.phone(params.id!);
        return { messages: messaging.sent.filter((x) => x.phoneId === phone.id) };
      },
    },
    {
      method: "POST",
      path: "/phones/:id/contacts",
      doc: "POST /sandbox/phones/:id/contacts {number?, name?} — a contact of the phone's address book",
      run: async ({ params, body }) => {
        const phone = state.phone(params.id!);
        const b = await body();
        return answer(201, messaging.contacts.create(phone.id, { number: b.number, name: b.name }, (n) => state.phoneByNumber(n) !== undefined));
      },
    },
    {
      method: "GET",
      path: "/phones/:id/contacts",
      doc: "GET /sandbox/phones/:id/contacts — the phone's contacts",
      run: ({ params }) => {
        const phone = state.phone(params.id!);
        return { contacts: messaging.contacts.ofPhone(phone.id).map((c) => c.info()) };
      },
    },
    {
      method: "GET",
      path: "/phones/:id/contacts/:c",
      doc: "GET /sandbox/phones/:id/contacts/:c — one contact",
      run: ({ params }) => contact(params.id!, params.c!).contact.info(),
    },
    {
      method: "POST",
      path: "/phones/:id/contacts/:c/messages",
      doc: "POST /sandbox/phones/:id/contacts/:c/messages {text, replyTo?} | {location: {latitude, longitude, name?, address?}} | {contact: {vcard, displayName?}} | {reaction: {messageId, emoji}} | {edit: {messageId, text}} | {revoke: {messageId}} — the contact writes to the phone; answers once every connected device sent its receipt",
      run: async ({ params, body }) => {
        const { phone, contact: c } = contact(params.id!, params.c!);
        const b = await body();
        return sendInbound(state, phone, c, contactMessage(b, { messaging, phone, contact: c, nowMs: state.clock.now() }));
      },
    },
    {
      method: "GET",
      path: "/phones/:id/contacts/:c/messages",
      doc: "GET /sandbox/phones/:id/contacts/:c/messages — {inbound, sent, conversation} between the contact and the phone's devices",
      run: ({ params }) => {
        const { phone, contact: c } = contact(params.id!, params.c!);
        const inbound = messaging.inbound.filter((x) => x.phoneId === phone.id && x.contactId === c.id);
        const sent = messaging.sent.filter((x) => x.phoneId === phone.id && x.contactId === c.id);
        return { inbound, sent, conversation: conversation(inbound, sent) };
      },
    },
    {
      method: "POST",
      path: "/phones/:id/contacts/:c/messages/:msg/read",
      doc: "POST /sandbox/phones/:id/contacts/:c/messages/:msg/read — the contact reads a message a client sent it (read receipt)",
      run: ({ params }) => {
        const { phone, contact: c } = contact(params.id!, params.c!);
        const sent = markRead(state, phone, c, params.msg!);
        if (!sent) throw new SandboxError(404, "message_not_found", `no message ${params.msg!} from a client of ${phone.id} to ${c.id}`);
        return sent;
      },
    },
    {
      method: "POST",
      path: "/phones/:id/contacts/:c/messages/:msg/retry",
      doc: "POST /sandbox/phones/:id/contacts/:c/messages/:msg/retry {count?, timeoutMs?} — the contact could not decrypt a message a client sent it and asks for it again (retry receipt); answers with the resend",
      run: async ({ params, body }) => {
        const { phone, contact: c } = contact(params.id!, params.c!);
        const b = await body();
        const number = (v: unknown, name: string): number | undefined => {
          if (v === undefined || typeof v === "number") return v;
          throw new SandboxError(400, "bad_request", `${name} must be a number`);
        };
        const count = number(b.count, "count");
        const timeoutMs = number(b.timeoutMs, "timeoutMs");
        return requestRetry(state, phone, c, params.msg!, { ...(count !== undefined ? { count } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      },
    },
  ];
}

/** One line of the chat between a contact and the account's devices, oldest first. */
interface ConversationLine {
  from: "contact" | "device";
  /** Who wrote it, in words ("Contact", "Linked device"). */
  who: string;
  text: string;
  /** Clock ms. */
  at: number;
}

/** The contact's messages and what the devices sent to the contact (text only), merged by time. */
function conversation(inbound: readonly InboundMessage[], sent: readonly SentMessage[]): ConversationLine[] {
  const lines: ConversationLine[] = [
    ...inbound.map((m) => ({ from: "contact" as const, who: "Contact", text: m.text, at: m.t * 1000 })),
    ...sent.flatMap((m) => (typeof m.text === "string" ? [{ from: "device" as const, who: "Linked device", text: m.text, at: m.at }] : [])),
  ];
  return lines.sort((a, b) => a.at - b.at);
}
