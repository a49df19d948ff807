/**
 * `<iq xmlns="usync" type="get">` queries: device lists, LIDs and "is on WhatsApp" of sandbox
 * accounts (phones and contacts).
 *
 * Request (Baileys rc14 lib/Socket/socket.js `executeUSyncQuery`, lib/WAUSync/):
 *   <iq xmlns="usync" type="get"><usync context mode sid last index>
 *     <query><devices version="2"/><lid/><contact/>…</query>
 *     <list><user jid="…"/> | <user><contact>+15551234567</contact></user> …</list>
 *   </usync></iq>
 * Answer (parsed by USyncQuery.parseUSyncQueryResult and the protocols' parsers):
 *   <iq type="result"><usync …same attrs…><list>
 *     <user jid="…">
 *       <devices><device-list><device id="0"/><device id="N" key-index="K"/>…</device-list></devices>
 *       <lid val="…@lid"/>            (for phone-number JIDs)
 *       <contact type="in"|"out"/>
 *     </user>…</list></usync></iq>
 * Device lists: a contact has device 0 only; a phone has device 0 and each confirmed linked
 * device with the key index of its ADV identity (Baileys' extractDeviceJids drops non-zero devices
 * without key-index). No `<key-index-list>` is sent (Baileys does not check it when sending).
 * Unknown users get `<contact type="out"/>` only (no device list: Baileys then skips them).
 * Other protocols of the query (status, disappearing_mode, …) are left out of each `<user>`.
 */
import { S_WHATSAPP_NET, type BinaryNode } from "../binary/index.js";
import { type Account, type Messaging, messagingOf } from "../messaging.js";
import type { StanzaHandler } from "../server.js";

export const handleUsyncIq: StanzaHandler = (conn, node) => {
  if (node.tag !== "iq" || node.attrs.xmlns !== "usync" || node.attrs.type !== "get") return false;
  const usync = child(node, "usync");
  const protocols = new Set(children(child(usync, "query")).map((p) => p.tag));
  const messaging = messagingOf(conn.env.state);
  const users = children(child(usync, "list")).filter((u) => u.tag === "user");
  conn.sendNode({
    tag: "iq",
    attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET },
    content: [
      {
        tag: "usync",
        attrs: { ...(usync?.attrs ?? {}) },
        content: [{ tag: "list", attrs: {}, content: users.map((u) => userResult(messaging, u, protocols)) }],
      },
    ],
  });
  return true;
};

function userResult(messaging: Messaging, user: BinaryNode, protocols: Set<string>): BinaryNode {
  const phoneNumber = child(user, "contact")?.content;
  const byPhone = typeof phoneNumber === "string" || phoneNumber instanceof Uint8Array;
  const jid = user.attrs.jid ?? (byPhone ? `${text(phoneNumber).replace(/^\+/, "")}@${S_WHATSAPP_NET}` : "");
  const resolved = messaging.resolve(jid);
  const content: BinaryNode[] = [];
  if (resolved && protocols.has("devices")) content.push(devicesNode(resolved.account));
  if (resolved && !resolved.lid && protocols.has("lid")) content.push({ tag: "lid", attrs: { val: `${lidOf(resolved.account)}@lid` } });
  if (protocols.has("contact")) content.push({ tag: "contact", attrs: { type: resolved ? "in" : "out" } });
  return { tag: "user", attrs: { jid }, content };
}

function devicesNode(account: Account): BinaryNode {
  const devices: BinaryNode[] = [{ tag: "device", attrs: { id: "0" } }];
  if (account.kind === "phone") {
    for (const d of account.phone.devices.values()) {
      if (d.confirmed) devices.push({ tag: "device", attrs: { id: String(d.device), "key-index": String(d.keyIndex) } });
    }
  }
  return { tag: "devices", attrs: {}, content: [{ tag: "device-list", attrs: {}, content: devices }] };
}

function lidOf(account: Account): string {
  return account.kind === "phone" ? account.phone.lid : account.contact.lid;
}

function children(node: BinaryNode | undefined): BinaryNode[] {
  return Array.isArray(node?.content) ? node.content : [];
}

function child(node: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return children(node).find((c) => c.tag === tag);
}

function text(content: string | Uint8Array): string {
  return typeof content === "string" ? content : new TextDecoder().decode(content);
}
