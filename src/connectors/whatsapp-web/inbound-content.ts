/**
 * The content of a received WhatsApp message in the message model (src/core/messages.ts), from the
 * WAProto `Message` fields (Baileys rc14 `proto.IMessage`): conversation / extendedTextMessage →
 * text; imageMessage, videoMessage (gifPlayback too), audioMessage (`ptt`: a voice note),
 * documentMessage, stickerMessage → media metadata (`mimetype`, `fileLength`, `fileName`,
 * `fileSha256` as hex, width, height, `seconds`); locationMessage / liveLocationMessage →
 * location; contactMessage → contact; anything else → `unsupported` with its field name.
 *
 * A media's `mediaId` is `wa:<messageId>`: fetching the bytes through the gateway is not built yet.
 */
import { getContentType, type proto, toNumber } from "baileys";
import type { ReceivedContent, ReceivedMedia } from "../../core/messages.js";

export function receivedContent(m: proto.IMessage | undefined, messageId: string): ReceivedContent {
  if (!m) return { type: "unsupported", platformType: "empty" };
  if (typeof m.conversation === "string") return { type: "text", text: m.conversation };
  if (m.extendedTextMessage) return { type: "text", text: m.extendedTextMessage.text ?? "" };
  const mediaId = `wa:${messageId}`;
  if (m.imageMessage) {
    const i = m.imageMessage;
    return { type: "image", media: media(mediaId, i, { width: i.width, height: i.height }), ...caption(i.caption) };
  }
  if (m.videoMessage) {
    const v = m.videoMessage;
    return { type: "video", media: media(mediaId, v, { width: v.width, height: v.height, seconds: v.seconds }), ...caption(v.caption) };
  }
  if (m.audioMessage) {
    const a = m.audioMessage;
    return { type: a.ptt ? "voice" : "audio", media: media(mediaId, a, { seconds: a.seconds }) };
  }
  if (m.documentMessage) {
    const d = m.documentMessage;
    return { type: "document", media: media(mediaId, d, { fileName: d.fileName }), ...(d.fileName ? { fileName: d.fileName } : {}), ...caption(d.caption) };
  }
  if (m.stickerMessage) {
    const s = m.stickerMessage;
    return { type: "sticker", media: media(mediaId, s, { width: s.width, height: s.height }) };
  }
  const loc = m.locationMessage ?? m.liveLocationMessage;
  if (loc) {
    const l = loc as proto.Message.ILocationMessage;
    return {
      type: "location",
      latitude: l.degreesLatitude ?? 0,
      longitude: l.degreesLongitude ?? 0,
      ...(l.name ? { name: l.name } : {}),
      ...(l.address ? { address: l.address } : {}),
    };
  }
  if (m.contactMessage?.vcard) return { type: "contact", vcard: m.contactMessage.vcard, ...(m.contactMessage.displayName ? { displayName: m.contactMessage.displayName } : {}) };
  return { type: "unsupported", platformType: getContentType(m) ?? "unknown" };
}

/** The id of the message a message quotes (`contextInfo.stanzaId` of its content), if any. */
export function quotedId(m: proto.IMessage | undefined): string | undefined {
  if (!m) return undefined;
  const type = getContentType(m);
  const inner = type ? (m as Record<string, unknown>)[type] : undefined;
  const ctx = inner && typeof inner === "object" ? (inner as { contextInfo?: proto.IContextInfo | null }).contextInfo : undefined;
  return ctx?.stanzaId ?? undefined;
}

function caption(c: string | null | undefined): { caption?: string } {
  return c ? { caption: c } : {};
}

interface MediaFields {
  mimetype?: string | null;
  fileLength?: number | Long | null;
  fileSha256?: Uint8Array | null;
}
type Long = { toNumber(): number };

function media(mediaId: string, f: MediaFields, extra: { width?: number | null; height?: number | null; seconds?: number | null; fileName?: string | null }): ReceivedMedia {
  const size = f.fileLength != null ? toNumber(f.fileLength as number) : undefined;
  return {
    mediaId,
    ...(f.mimetype ? { mimeType: f.mimetype } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(extra.fileName ? { fileName: extra.fileName } : {}),
    ...(f.fileSha256 && f.fileSha256.length > 0 ? { sha256: Buffer.from(f.fileSha256).toString("hex") } : {}),
    ...(extra.width ? { width: extra.width } : {}),
    ...(extra.height ? { height: extra.height } : {}),
    ...(extra.seconds ? { durationS: extra.seconds } : {}),
  };
}
