/**
 * 1:1 text messages between a phone's linked clients and sandbox contacts, and their receipts.
 *
 * Outbound (client → contact; Baileys rc14 lib/Socket/messages-send.js `relayMessage`,
 * `createParticipantNodes`):
 *   <message id to="contact@s.whatsapp.net" type="text">
 *     <participants><to jid="device JID"><enc v="2" type="pkmsg"|"msg">…</enc></to>…</participants>
 *     [<device-identity>…</device-identity>]   (when a copy is a pkmsg)
 *   </message>
 * (or a single `<enc>` instead of `<participants>`). The sandbox decrypts every copy addressed to a
 * device it simulates: the contact's phone gets the `Message`, the account's own phone (device 0)
 * gets `{deviceSentMessage: {destinationJid, message}}`. Copies for the account's other linked
 * devices are not forwarded. Then it answers as WhatsApp's server does:
 *   <ack class="message" id from="contact@s.whatsapp.net" t/>     (Baileys: `CB:ack,class:message`,
 *                                                                 only an `error` attr matters)
 *   <receipt id from="contact@s.whatsapp.net" t/>               (no type = delivered; Baileys
 *                                                                 messages-recv.js `handleReceipt`
 *                                                                 → messages.update status 3)
 * and, on request (control API), `<receipt type="read" …/>` (status 4). Baileys acks each receipt
 * with `<ack class="receipt">`.
 *
 * Inbound (contact → client; Baileys messages-recv.js `handleMessage`, Utils/decode-wa-message.js
 * `decryptMessageNode`): for every connected client device of the phone,
 *   <message id from="contact@s.whatsapp.net" type="text" t [notify=name]><enc v="2" type>…</enc></message>
 * encrypted by the contact's phone for that device: pkmsg from the device's uploaded bundle until
 * the device has written back, msg after. Baileys answers `<receipt id to=contact>` with no type
 * (delivered; "inactive" while the client is not marked online), `type="retry"` when it could not
 * decrypt, or `<ack class="message" error>`; later `type="read"` / "read-self" for read messages.
 * The sandbox acks each client receipt with `<ack class="receipt" id from>`.
 *
 * Also here: `<iq xmlns="privacy" type="get">`, answered with read receipts "all" so that
 * Baileys' readMessages sends `read` (Socket/chats.js `fetchPrivacySettings`).
 */
import { S_WHATSAPP_NET, type BinaryNode } from "../binary/index.js";
import type { SandboxContact } from "../contacts.js";
import { type InboundMessage, type SentMessage, messagingOf, newMessageId } from "../messaging.js";
import type { SandboxPhone } from "../phone.js";
import type { Message } from "../proto/index.js";
import type { Connection, StanzaHandler } from "../server.js";
import { sentContent } from "../sent-content.js";
import type { EncType } from "../signal/index.js";

/** How long an inbound message waits for each client's receipt (ms, real time). */
export const INBOUND_RECEIPT_TIMEOUT_MS = 10_000;

export const handleMessageStanzas: StanzaHandler = async (conn, node) => {
  if (node.tag === "message") return handleClientMessage(conn, node);
  if (node.tag === "receipt") return handleClientReceipt(conn, node);
  if (node.tag === "ack") return handleClientAck(conn, node);
  if (node.tag === "iq" && node.attrs.xmlns === "privacy" && node.attrs.type === "get" && child(node, "privacy")) {
    conn.sendNode({
      tag: "iq",
      attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET },
      content: [{ tag: "privacy", attrs: {}, content: [{ tag: "category", attrs: { name: "readreceipts", value: "all" } }] }],
    });
    return true;
  }
  return false;
};

async function handleClientMessage(conn: Connection, node: BinaryNode): Promise<boolean> {
  const id = node.attrs.id ?? "";
  const to = node.attrs.to ?? "";
  const sender = conn.loggedIn?.device.jid;
  const messaging = messagingOf(conn.env.state);
  const target = messaging.resolve(to);
  const t = seconds(conn);
  if (!sender || target?.account.kind !== "contact") {
    // Not logged in, or not to a contact (e.g. peer messages to the own account): acknowledged, not recorded.
    conn.sendNode({ tag: "ack", attrs: { class: "message", id, from: to || S_WHATSAPP_NET, t: String(t) } });
    return true;
  }
  const contact = target.account.contact;
  const phone = conn.loggedIn!.phone;
  const record: SentMessage = {
    id,
    phoneId: phone.id,
    contactId: contact.id,
    from: sender,
    to,
    text: undefined,
    at: conn.env.clock.now(),
    copies: [],
    receipts: [],
  };
  for (const { jid, enc } of encCopies(node, to)) {
    const r = messaging.resolve(jid);
    const device =
      r?.account.kind === "contact" && r.account.contact === contact
        ? contact.devices.get(r.device)
        : r?.account.kind === "phone" && r.account.phone === phone && r.device === 0
          ? messaging.phoneDevice(phone)
          : undefined;
    if (!device) continue;
    const type = enc.attrs.type ?? "";
    try {
      const message = await device.decrypt(sender, { type: type as EncType, ciphertext: bytesOf(enc) });
      const deviceSent = message.deviceSentMessage !== undefined;
      const inner = deviceSent ? message.deviceSentMessage?.message : message;
      record.text ??= textOf(inner);
      if (inner && !record.content) record.content = sentContent(inner);
      record.copies.push({ device: jid, type, ok: true, ...(deviceSent ? { deviceSent } : {}) });
    } catch (error) {
      record.copies.push({ device: jid, type, ok: false, error: (error as Error).message });
    }
  }
  applyToEarlier(messaging, record);
  messaging.recordSent(record);
  const from = contact.jid;
  conn.sendNode({ tag: "ack", attrs: { class: "message", id, from, t: String(t) } });
  if (record.copies.some((c) => c.ok && !c.deviceSent)) {
    conn.sendNode({ tag: "receipt", attrs: { id, from, t: String(t) } });
    record.receipts.push({ type: "delivery", at: conn.env.clock.now() });
  }
  return true;
}

/** An edit, revoke or reaction of the client changes the earlier message it names (as the contact's phone shows it). */
function applyToEarlier(messaging: ReturnType<typeof messagingOf>, record: SentMessage): void {
  const c = record.content;
  if (!c || (c.kind !== "edit" && c.kind !== "revoke" && c.kind !== "reaction")) return;
  if (c.kind === "reaction") {
    const theirs = messaging.inbound.find((m) => m.id === c.targetId && m.phoneId === record.phoneId && m.contactId === record.contactId);
    if (theirs) theirs.reaction = c.emoji;
  }
  const earlier = messaging.sent.find((m) => m.id === c.targetId && m.phoneId === record.phoneId && m.contactId === record.contactId);
  if (!earlier) return;
  if (c.kind === "edit" && c.text !== undefined) earlier.editedText = c.text;
  if (c.kind === "revoke") earlier.revoked = true;
  if (c.kind === "reaction") earlier.reaction = c.emoji;
}

/** The `<enc>` copies of a client message with the device JID each is for. */
function encCopies(node: BinaryNode, to: string): { jid: string; enc: BinaryNode }[] {
  const out: { jid: string; enc: BinaryNode }[] = [];
  for (const c of children(node)) {
    if (c.tag === "enc") out.push({ jid: to, enc: c });
    if (c.tag !== "participants") continue;
    for (const p of children(c)) {
      const enc = child(p, "enc");
      if (p.tag === "to" && p.attrs.jid && enc) out.push({ jid: p.attrs.jid, enc });
    }
  }
  return out;
}

function handleClientReceipt(conn: Connection, node: BinaryNode): boolean {
  const type = node.attrs.type ?? "delivery";
  const ids = [node.attrs.id ?? "", ...children(child(node, "list")).map((i) => i.attrs.id ?? "")].filter(Boolean);
  const messaging = messagingOf(conn.env.state);
  const device = conn.loggedIn?.device.jid ?? "";
  for (const id of ids) {
    const inbound = messaging.inbound.find((m) => m.id === id);
    inbound?.receipts.push({ device, type, at: conn.env.clock.now() });
    const status = type === "retry" ? "retry" : type.startsWith("read") ? "read" : "delivered";
    messaging.settle(conn, id, { status, ...(type !== "delivery" ? { detail: type } : {}) });
  }
  conn.sendNode({
    tag: "ack",
    attrs: { class: "receipt", id: node.attrs.id ?? "", from: node.attrs.to ?? S_WHATSAPP_NET, ...(node.attrs.type ? { type: node.attrs.type } : {}) },
  });
  return true;
}

function handleClientAck(conn: Connection, node: BinaryNode): boolean {
  if (node.attrs.class === "message" && node.attrs.error) {
    messagingOf(conn.env.state).settle(conn, node.attrs.id ?? "", { status: "nack", detail: node.attrs.error });
  }
  return true;
}

/**
 * Contact `contact` writes `text` to phone `phone`: one encrypted copy per connected client device
 * of the phone; resolves once each has answered (or after {@link INBOUND_RECEIPT_TIMEOUT_MS}).
 * Devices without uploaded keys get no copy (status "no_keys"). A linked device that is not
 * connected now gets its copy when it next logs in, as WhatsApp's offline queue does (status
 * "queued" until then; see {@link deliverOffline}).
 */
export async function sendInbound(state: Connection["env"]["state"], phone: SandboxPhone, contact: SandboxContact, content: string | Message): Promise<InboundMessage> {
  const messaging = messagingOf(state);
  const id = newMessageId();
  const t = Math.floor(state.clock.now() / 1000);
  const message: Message = typeof content === "string" ? { conversation: content } : content;
  const record: InboundMessage = { id, phoneId: phone.id, contactId: contact.id, from: contact.jid, text: textOf(message) ?? "", content: sentContent(message), t, deliveries: [], receipts: [] };
  messaging.protoOf.set(record, message);
  messaging.record(messaging.inbound, record);
  const connections = messaging.connectionsOf(phone);
  for (const device of phone.devices.values()) {
    if (!device.confirmed || connections.some((c) => c.loggedIn?.device === device)) continue;
    record.deliveries.push({ device: device.jid, status: "queued" });
    messaging.queueOffline(device, { record, contact });
  }
  await Promise.all(connections.map(async (conn) => record.deliveries.push({ device: conn.loggedIn!.device.jid, ...(await deliverCopy(conn, record, contact, false)) })));
  return record;
}

/**
 * After `conn` logged in: the messages queued for its device while it was offline, oldest first,
 * each marked `offline` as WhatsApp marks them; their records' "queued" deliveries become what the
 * device answered. Answers how many were sent (the count of the `<offline>` marker). Never throws.
 */
export function deliverOffline(conn: Connection): number {
  const device = conn.loggedIn?.device;
  if (!device) return 0;
  const queued = messagingOf(conn.env.state).takeOffline(device);
  void (async () => {
    for (const q of queued) {
      const outcome = await deliverCopy(conn, q.record, q.contact, true);
      const i = q.record.deliveries.findIndex((d) => d.device === device.jid && d.status === "queued");
      const delivery = { device: device.jid, ...outcome };
      if (i >= 0) q.record.deliveries[i] = delivery;
      else q.record.deliveries.push(delivery);
    }
  })();
  return queued.length;
}

/** One encrypted copy of `record` to the device of `conn`; answers what the device did with it. Never throws. */
async function deliverCopy(conn: Connection, record: InboundMessage, contact: SandboxContact, offline: boolean): Promise<Omit<InboundMessage["deliveries"][number], "device">> {
  const messaging = messagingOf(conn.env.state);
  const device = conn.loggedIn!.device;
  const keys = messaging.keysOf(device);
  const sender = contact.phoneDevice;
  if (!keys && !sender.hasSession(device.jid)) return { status: "no_keys" };
  try {
    const message: Message = messaging.protoOf.get(record) ?? { conversation: record.text };
    const enc = await sender.encrypt(device.jid, message, sender.hasSession(device.jid) ? undefined : keys!.takeBundle());
    const wait = messaging.waitFor(conn, record.id, INBOUND_RECEIPT_TIMEOUT_MS);
    conn.sendNode({
      tag: "message",
      attrs: { id: record.id, from: contact.jid, type: "text", t: String(record.t), ...(contact.name ? { notify: contact.name } : {}), ...(offline ? { offline: "1" } : {}) },
      content: [{ tag: "enc", attrs: { v: "2", type: enc.type }, content: enc.ciphertext }],
    });
    return await wait;
  } catch (error) {
    return { status: "error", detail: (error as Error).message };
  }
}

/**
 * The contact reads message `id` a client of `phone` sent it: `<receipt type="read">` to every
 * connected client device of the phone. Returns the sent message, undefined when there is none.
 */
export function markRead(state: Connection["env"]["state"], phone: SandboxPhone, contact: SandboxContact, id: string): SentMessage | undefined {
  const messaging = messagingOf(state);
  const sent = messaging.sent.find((m) => m.id === id && m.phoneId === phone.id && m.contactId === contact.id);
  if (!sent) return undefined;
  const t = String(Math.floor(state.clock.now() / 1000));
  for (const conn of messaging.connectionsOf(phone)) conn.sendNode({ tag: "receipt", attrs: { id, from: contact.jid, type: "read", t } });
  sent.receipts.push({ type: "read", at: state.clock.now() });
  return sent;
}

function textOf(message: Message | undefined): string | undefined {
  return message?.conversation ?? message?.extendedTextMessage?.text;
}

function seconds(conn: Connection): number {
  return Math.floor(conn.env.clock.now() / 1000);
}

function bytesOf(node: BinaryNode): Uint8Array {
  if (node.content instanceof Uint8Array) return node.content;
  return new TextEncoder().encode(typeof node.content === "string" ? node.content : "");
}

function children(node: BinaryNode | undefined): BinaryNode[] {
  return Array.isArray(node?.content) ? node.content : [];
}

function child(node: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return children(node).find((c) => c.tag === tag);
}
