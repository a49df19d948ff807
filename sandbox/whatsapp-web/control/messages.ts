/**
 * Control routes for contacts and messages (JSON; errors as in ../control.ts):
 *
 *   POST /sandbox/phones/:id/contacts                 {number?, name?} → 201 ContactInfo
 *   GET  /sandbox/phones/:id/contacts                                  → 200 {contacts: ContactInfo[]}
 *   POST /sandbox/phones/:id/contacts/:c/messages     {text}           → 200 InboundMessage
 *        the contact writes to the phone; answers once every connected client device has sent its
 *        receipt (deliveries[].status "delivered" | "read" | "retry" | "nack" | "timeout" | "no_keys" | "error")
 *   GET  /sandbox/phones/:id/contacts/:c/messages                      → 200 {inbound: InboundMessage[], sent: SentMessage[]}
 *   POST /sandbox/phones/:id/contacts/:c/messages/:msg/read            → 200 SentMessage (read receipt sent)
 *   GET  /sandbox/phones/:id/inbound                                   → 200 {messages: InboundMessage[]} (with client receipts)
 *   GET  /sandbox/phones/:id/sent                                      → 200 {messages: SentMessage[]} (what clients sent, decrypted)
 *
 * `:c` is a contact id ("contact-1") or its number. Errors: 404 `phone_not_found`,
 * `contact_not_found`, `message_not_found`; 400 `bad_number`, `bad_request` (text missing or over
 * 64 KiB of JSON); 409 `number_taken`.
 */
import type { ControlRoutes } from "../control.js";
import { markRead, sendInbound } from "../handlers/messages.js";
import { messagingOf } from "../messaging.js";
import { SandboxError } from "../state.js";
import { param } from "./param.js";

const PHONE = /^\/sandbox\/phones\/([^/]+)\/(contacts|inbound|sent)(?:\/([^/]+)(?:\/(messages)(?:\/([^/]+)\/(read))?)?)?$/;

export const messageRoutes: ControlRoutes = async (state, req) => {
  const m = PHONE.exec(req.path);
  if (!m) return undefined;
  const [, phoneRef, area, contactRef, messages, msgId, read] = m.map((x) => (x === undefined ? undefined : param(x)));
  const phone = state.phone(phoneRef!);
  const messaging = messagingOf(state);
  const { method } = req;
  if (area === "inbound" && !contactRef && method === "GET") return [200, { messages: messaging.inbound.filter((x) => x.phoneId === phone.id) }];
  if (area === "sent" && !contactRef && method === "GET") return [200, { messages: messaging.sent.filter((x) => x.phoneId === phone.id) }];
  if (area !== "contacts") return undefined;
  if (!contactRef) {
    if (method === "POST") {
      const body = await req.body();
      return [201, messaging.contacts.create(phone.id, { number: body.number, name: body.name }, (n) => state.phoneByNumber(n) !== undefined)];
    }
    if (method === "GET") return [200, { contacts: messaging.contacts.ofPhone(phone.id).map((c) => c.info()) }];
    return undefined;
  }
  const contact = messaging.contacts.get(phone.id, contactRef);
  if (!messages) return method === "GET" ? [200, contact.info()] : undefined;
  if (read && method === "POST") {
    const sent = markRead(state, phone, contact, msgId!);
    if (!sent) throw new SandboxError(404, "message_not_found", `no message ${msgId} from a client of ${phone.id} to ${contact.id}`);
    return [200, sent];
  }
  if (msgId) return undefined;
  if (method === "POST") {
    const body = await req.body();
    if (typeof body.text !== "string" || body.text.length === 0) throw new SandboxError(400, "bad_request", "body.text must be a non-empty string");
    return [200, await sendInbound(state, phone, contact, body.text)];
  }
  if (method === "GET") {
    return [
      200,
      {
        inbound: messaging.inbound.filter((x) => x.phoneId === phone.id && x.contactId === contact.id),
        sent: messaging.sent.filter((x) => x.phoneId === phone.id && x.contactId === contact.id),
      },
    ];
  }
  return undefined;
};
