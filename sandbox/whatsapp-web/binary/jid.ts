/**
 * JIDs ("Jabber IDs"), the addresses of WhatsApp: `user@server`, optionally with a device,
 * `user:device@server`.
 *
 * Servers seen in the multi-device protocol: "s.whatsapp.net" (phone-number users; device 0 is the
 * phone, 1..n the linked companions, e.g. "15551234567:3@s.whatsapp.net"), "lid" (the same users'
 * opaque LID identities, e.g. "123456789012345:3@lid"), "g.us" (groups, user part
 * "creator-timestamp" or a long number), "broadcast" ("status@broadcast"), "c.us" (legacy
 * users), "newsletter", "call", "bot", "hosted" / "hosted.lid" (hosted business devices), "msgr"
 * (Facebook/Messenger users) and "interop" (`integrator-user:device@interop`). A bare server
 * such as "s.whatsapp.net" (no "@") is not a JID here; it is the `to` of most iqs.
 *
 * Canonical form (as Baileys' jidEncode writes it): device 0 and an absent device are both
 * written without ":device". {@link jidDecode} keeps the exact device it read (so "u:0@lid" gives
 * device 0); jidEncode of that gives "u@lid".
 *
 * Source: Baileys src/WABinary/jid-utils.ts (jidEncode, jidDecode, WAJIDDomains), v7.0.0-rc13.
 */

export interface Jid {
  /** The part before "@" without ":device" (may be "", a phone number, a LID, "123-456", …). */
  user: string;
  /** The part after the first "@", non-empty for {@link jidDecode}'s results. */
  server: string;
  /** Decimal device id (0 = the primary phone), absent when the JID names no device. */
  device?: number;
}

export const S_WHATSAPP_NET = "s.whatsapp.net";
export const LID_SERVER = "lid";
export const GROUP_SERVER = "g.us";

const USER_DEVICE = /^([^:]*):(\d{1,10})$/;

/**
 * Splits `jid` at its first "@"; the user part's trailing ":<digits>" (when the rest has no ":")
 * becomes `device`. Returns `undefined` for a string without "@" or with an empty server.
 */
export function jidDecode(jid: string): Jid | undefined {
  const at = jid.indexOf("@");
  if (at < 0 || at === jid.length - 1) return undefined;
  const userPart = jid.slice(0, at);
  const server = jid.slice(at + 1);
  const m = USER_DEVICE.exec(userPart);
  if (m) return { user: m[1]!, server, device: Number(m[2]) };
  return { user: userPart, server };
}

/** `user[:device]@server`; ":device" is left out when device is absent or 0. */
export function jidEncode(jid: Jid): string {
  const device = jid.device ? `:${jid.device}` : "";
  return `${jid.user}${device}@${jid.server}`;
}

/** The JID without its device: "u:3@s.whatsapp.net" → "u@s.whatsapp.net". */
export function jidNormalizedUser(jid: string): string | undefined {
  const decoded = jidDecode(jid);
  return decoded && jidEncode({ user: decoded.user, server: decoded.server });
}
