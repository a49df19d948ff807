/**
 * Stanzas and session hooks of linked devices (the rules are in ../devices.ts).
 *
 * `handleRemoveCompanionDevice` takes
 *   `<iq type="set" xmlns="md" id=…><remove-companion-device jid=… reason=…/></iq>`
 * (Baileys rc14 lib/Socket/socket.js `logout`) and answers:
 *   - `<iq type="result" id=… from="s.whatsapp.net"/>`, then the device is unlinked and each of its
 *     sessions, this one included, gets stream error 401 `device_removed` and is closed;
 *   - `<iq type="error"><error code="401" text="not-authorized"/></iq>` on a connection that has not
 *     logged in;
 *   - `<iq type="error"><error code="403" text="forbidden"/></iq>` when `jid` is not the session's own
 *     device (its JID or LID): a companion can remove only itself (our rule; the phone removes others).
 * Error shape: the `<error code text>` child Baileys reads in lib/WABinary/generic-utils.js `assertNodeErrorFree`.
 *
 * `deviceSessionHooks` records logins and session ends (lastSeen) and replaces an older session of
 * the same device (stream error `conflict type="replaced"`, Baileys 440).
 */
import { type BinaryNode, S_WHATSAPP_NET } from "../binary/index.js";
import { onDeviceClose, onDeviceLogin, removeDevice } from "../devices.js";
import type { Connection, SessionHooks } from "../server.js";

export function handleRemoveCompanionDevice(conn: Connection, node: BinaryNode): boolean {
  if (node.tag !== "iq" || node.attrs.type !== "set" || node.attrs.xmlns !== "md") return false;
  const remove = Array.isArray(node.content) ? node.content.find((c) => c.tag === "remove-companion-device") : undefined;
  if (!remove) return false;
  const answer = { tag: "iq", attrs: { id: node.attrs.id ?? "", from: S_WHATSAPP_NET } };
  const login = conn.loggedIn;
  if (!login) {
    conn.sendNode({ ...answer, attrs: { ...answer.attrs, type: "error" }, content: [{ tag: "error", attrs: { code: "401", text: "not-authorized" } }] });
    return true;
  }
  const jid = remove.attrs.jid;
  if (jid !== login.device.jid && jid !== login.device.lid) {
    conn.sendNode({ ...answer, attrs: { ...answer.attrs, type: "error" }, content: [{ tag: "error", attrs: { code: "403", text: "forbidden" } }] });
    return true;
  }
  conn.sendNode({ ...answer, attrs: { ...answer.attrs, type: "result" } });
  removeDevice(conn.env.state, login.phone, login.device);
  return true;
}

export const deviceSessionHooks: SessionHooks = { login: onDeviceLogin, close: onDeviceClose };
