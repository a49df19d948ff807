/**
 * What a sandbox contact can send, as the WAProto `Message` its phone would encrypt (field names as
 * in WAProto; the shapes Baileys rc14 itself builds in Utils/messages.ts `generateWAMessageContent`):
 *
 *   {text, replyTo?}                      conversation, or extendedTextMessage {text, contextInfo
 *                                         {stanzaId, participant, quotedMessage}} when it quotes
 *   {location: {latitude, longitude, name?, address?}}    locationMessage
 *   {contact: {vcard, displayName?}}                      contactMessage
 *   {reaction: {messageId, emoji}}        reactionMessage {key, text, senderTimestampMs}
 *   {edit: {messageId, text}}             protocolMessage MESSAGE_EDIT {key, editedMessage, timestampMs}
 *   {revoke: {messageId}}                 protocolMessage REVOKE {key}
 *
 * A reaction or reply names a message of the conversation (the contact's own, or one a client of
 * the phone sent); an edit or revoke names one of the contact's own. SandboxError 400 `bad_request`
 * (malformed), 404 `message_not_found`.
 */
import type { SandboxContact } from "./contacts.js";
import type { Messaging } from "./messaging.js";
import type { SandboxPhone } from "./phone.js";
import { type Message, type MessageKey, ProtocolMessageType } from "./proto/index.js";
import { SandboxError } from "./state.js";

export function contactMessage(body: Record<string, unknown>, ctx: { messaging: Messaging; phone: SandboxPhone; contact: SandboxContact; nowMs: number }): Message {
  const kinds = ["text", "location", "contact", "reaction", "edit", "revoke"].filter((k) => body[k] !== undefined);
  if (kinds.length !== 1) throw new SandboxError(400, "bad_request", "give exactly one of text, location, contact, reaction, edit, revoke");
  const kind = kinds[0]!;
  const obj = (v: unknown, what: string): Record<string, unknown> => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new SandboxError(400, "bad_request", `${what} must be an object`);
    return v as Record<string, unknown>;
  };
  const str = (v: unknown, what: string, allowEmpty = false): string => {
    if (typeof v !== "string" || (!allowEmpty && v.length === 0)) throw new SandboxError(400, "bad_request", `${what} must be a${allowEmpty ? "" : " non-empty"} string`);
    return v;
  };
  switch (kind) {
    case "text": {
      const text = str(body.text, "text");
      if (body.replyTo === undefined) return { conversation: text };
      const target = findTarget(ctx, str(body.replyTo, "replyTo"), false);
      return { extendedTextMessage: { text, contextInfo: { stanzaId: target.id, participant: target.author, quotedMessage: { conversation: target.text } } } };
    }
    case "location": {
      const l = obj(body.location, "location");
      if (typeof l.latitude !== "number" || typeof l.longitude !== "number" || Math.abs(l.latitude) > 90 || Math.abs(l.longitude) > 180) {
        throw new SandboxError(400, "bad_request", "location needs latitude (−90…90) and longitude (−180…180) as numbers");
      }
      return {
        locationMessage: {
          degreesLatitude: l.latitude,
          degreesLongitude: l.longitude,
          ...(typeof l.name === "string" ? { name: l.name } : {}),
          ...(typeof l.address === "string" ? { address: l.address } : {}),
        },
      };
    }
    case "contact": {
      const c = obj(body.contact, "contact");
      return { contactMessage: { vcard: str(c.vcard, "contact.vcard"), ...(typeof c.displayName === "string" ? { displayName: c.displayName } : {}) } };
    }
    case "reaction": {
      const r = obj(body.reaction, "reaction");
      const target = findTarget(ctx, str(r.messageId, "reaction.messageId"), false);
      return { reactionMessage: { key: target.key, text: str(r.emoji, "reaction.emoji", true), senderTimestampMs: ctx.nowMs } };
    }
    case "edit": {
      const e = obj(body.edit, "edit");
      const target = findTarget(ctx, str(e.messageId, "edit.messageId"), true);
      return { protocolMessage: { key: target.key, type: ProtocolMessageType.MESSAGE_EDIT, editedMessage: { conversation: str(e.text, "edit.text") }, timestampMs: ctx.nowMs } };
    }
    default: {
      const v = obj(body.revoke, "revoke");
      const target = findTarget(ctx, str(v.messageId, "revoke.messageId"), true);
      return { protocolMessage: { key: target.key, type: ProtocolMessageType.REVOKE } };
    }
  }
}

/** A message of the conversation by id: its key as the contact's phone names it, its author and text. */
function findTarget(ctx: { messaging: Messaging; phone: SandboxPhone; contact: SandboxContact }, id: string, ownOnly: boolean): { id: string; key: MessageKey; author: string; text: string } {
  const { messaging, phone, contact } = ctx;
  const account = `${phone.number}@s.whatsapp.net`;
  const theirs = messaging.inbound.find((m) => m.id === id && m.phoneId === phone.id && m.contactId === contact.id);
  if (theirs) return { id, key: { remoteJid: account, fromMe: true, id }, author: contact.jid, text: theirs.text };
  const ours = ownOnly ? undefined : messaging.sent.find((m) => m.id === id && m.phoneId === phone.id && m.contactId === contact.id);
  if (ours) return { id, key: { remoteJid: account, fromMe: false, id }, author: account, text: ours.text ?? "" };
  throw new SandboxError(404, "message_not_found", ownOnly ? `contact ${contact.id} sent no message ${id} to ${phone.id}` : `no message ${id} between ${contact.id} and ${phone.id}`);
}
