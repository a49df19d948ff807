/**
 * What a client's message is, as the contact's phone shows it: text (with the message it quotes),
 * a location, a contact card, a reaction, an edit or a revoke of an earlier message, or another kind
 * the sandbox does not read (listed by field name). Read from the decrypted `Message` (WAProto field
 * names: `extendedTextMessage.contextInfo` for quotes, `protocolMessage` type MESSAGE_EDIT / REVOKE,
 * `reactionMessage`). Never throws.
 */
import { type Message, ProtocolMessageType } from "./proto/index.js";

export type SentContent =
  | { kind: "text"; text: string; quoted?: { id: string; participant?: string; text?: string } }
  | { kind: "location"; latitude?: number; longitude?: number; name?: string; address?: string }
  | { kind: "contact"; displayName?: string; vcard?: string }
  | { kind: "reaction"; targetId: string; fromMe?: boolean; emoji: string }
  | { kind: "edit"; targetId: string; text?: string }
  | { kind: "revoke"; targetId: string }
  | { kind: "other"; fields: string[] };

export function sentContent(m: Message): SentContent {
  if (m.protocolMessage?.key?.id) {
    const p = m.protocolMessage;
    if (p.type === ProtocolMessageType.REVOKE) return { kind: "revoke", targetId: p.key!.id! };
    if (p.type === ProtocolMessageType.MESSAGE_EDIT) {
      const text = p.editedMessage?.conversation ?? p.editedMessage?.extendedTextMessage?.text;
      return { kind: "edit", targetId: p.key!.id!, ...(text !== undefined ? { text } : {}) };
    }
  }
  if (m.reactionMessage?.key?.id) {
    const r = m.reactionMessage;
    return { kind: "reaction", targetId: r.key!.id!, ...(r.key!.fromMe !== undefined ? { fromMe: r.key!.fromMe } : {}), emoji: r.text ?? "" };
  }
  if (m.locationMessage) {
    const l = m.locationMessage;
    return { kind: "location", ...defined({ latitude: l.degreesLatitude, longitude: l.degreesLongitude, name: l.name, address: l.address }) };
  }
  if (m.contactMessage) return { kind: "contact", ...defined({ displayName: m.contactMessage.displayName, vcard: m.contactMessage.vcard }) };
  if (m.conversation !== undefined) return { kind: "text", text: m.conversation };
  if (m.extendedTextMessage) {
    const x = m.extendedTextMessage;
    const c = x.contextInfo;
    const quotedText = c?.quotedMessage?.conversation ?? c?.quotedMessage?.extendedTextMessage?.text;
    return {
      kind: "text",
      text: x.text ?? "",
      ...(c?.stanzaId ? { quoted: { id: c.stanzaId, ...defined({ participant: c.participant, text: quotedText }) } } : {}),
    };
  }
  return { kind: "other", fields: Object.keys(m).filter((k) => k !== "messageContextInfo" && k !== "senderKeyDistributionMessage") };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
