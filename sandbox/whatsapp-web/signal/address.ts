/**
 * Signal protocol addresses of WhatsApp devices: `name.deviceId`, where name is the JID's user,
 * suffixed `_<domainType>` outside the phone-number domain (LID 1, hosted 128, hosted LID 129), and
 * deviceId the JID's device (0 when absent).
 * Source: Baileys rc14 lib/Signal/libsignal.js `jidToSignalProtocolAddress`, lib/WABinary/jid-utils.js
 * `WAJIDDomains`. Only the sandbox's own stores see these strings; the naming keeps a PN and a LID
 * session of the same person apart, as a client does.
 */
import { jidDecode } from "../binary/index.js";

const DOMAIN_TYPE: Record<string, number> = { "s.whatsapp.net": 0, "c.us": 0, lid: 1, hosted: 128, "hosted.lid": 129 };

/** "15551234567:3@s.whatsapp.net" → "15551234567.3"; "123:2@lid" → "123_1.2". RangeError for a non-user JID. */
export function signalAddress(jid: string): string {
  const decoded = jidDecode(jid);
  const domain = decoded && DOMAIN_TYPE[decoded.server];
  if (!decoded || domain === undefined || decoded.user === "" || decoded.user.includes(".")) {
    throw new RangeError(`not a device JID of a user: ${jid}`);
  }
  const name = domain === 0 ? decoded.user : `${decoded.user}_${domain}`;
  return `${name}.${decoded.device ?? 0}`;
}
