/**
 * The WhatsApp Web binary node codec (Baileys: WABinary): the format of every stanza inside the
 * Noise transport. See encode.ts for the format, decode.ts for the reading rules, jid.ts for JIDs.
 */
export { decodeNode, decodeNodeBody } from "./decode.js";
export { encodeNode, encodeNodeBody, type EncodeOptions } from "./encode.js";
export { GROUP_SERVER, LID_SERVER, S_WHATSAPP_NET, jidDecode, jidEncode, jidNormalizedUser, type Jid } from "./jid.js";
export { BinaryNodeError, type BinaryNode } from "./types.js";
