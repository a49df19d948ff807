/**
 * The `<iq xmlns="encrypt">` requests of a logged-in client: prekey upload, signed prekey
 * rotation, prekey count, digest and key fetch. Layouts: ../signal/nodes.ts. Keys are kept per
 * linked DEVICE (Messaging.keysOf), so a reconnecting client sees the count it left and other
 * devices' key fetches get its bundle.
 *
 * Rules (Baileys rc14 lib/Socket/socket.js `uploadPreKeysToServerIfRequired`,
 * `getAvailablePreKeysOnServer`, `digestKeyBundle`, `rotateSignedPreKey`; messages-send.js
 * `assertSessions`; Utils/signal.js `parseAndInjectE2ESessions`):
 * - count → `<count value=N/>`, N = one-time prekeys uploaded and not yet handed out;
 * - upload → empty result; the record was seeded at link time ({@link seedDeviceKeys}) or is created
 *   by the first upload; an upload whose identity key is not the one the device was linked with
 *   (pair-success signed it; phone.ts `LinkedDevice.identityKey`) gets `<error code="406"
 *   text="identity key differs…">` (our choice: the real server's answer is not observed; Baileys
 *   only ever uploads its own creds.signedIdentityKey);
 * - rotate → empty result (or `<error code="406">` when the device has no record yet);
 * - digest → a `<digest/>` child (Baileys only checks that it exists);
 * - fetch → `<list>` with one `<user jid>` bundle per JID whose keys the sandbox knows, in request
 *   order; unknown JIDs are left out, because a `<user>` with `<error>` fails the whole fetch in
 *   Baileys. Each bundle uses up one one-time prekey, as on WhatsApp's server.
 * Malformed requests get `<error code="400" text=…>`.
 */
import { S_WHATSAPP_NET, type BinaryNode } from "../binary/index.js";
import { messagingOf } from "../messaging.js";
import type { LinkedDevice } from "../phone.js";
import type { Connection, StanzaHandler } from "../server.js";
import {
  ClientDeviceKeys,
  SignalNodeError,
  encryptIqKind,
  keyFetchResultList,
  parseKeyFetch,
  parsePreKeyUpload,
  parseSignedPreKeyRotate,
  preKeyCountNode,
} from "../signal/index.js";

export const handleEncryptIq: StanzaHandler = (conn, node) => {
  const kind = encryptIqKind(node);
  if (!kind) return false;
  const messaging = messagingOf(conn.env.state);
  const device = conn.loggedIn?.device;
  const keys = device && messaging.keysOf(device);
  const result = (content?: BinaryNode[]): BinaryNode => ({
    tag: "iq",
    attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET },
    ...(content ? { content } : {}),
  });
  try {
    switch (kind) {
      case "count":
        conn.sendNode(result([preKeyCountNode(keys?.preKeyCount ?? 0)]));
        break;
      case "upload": {
        const upload = parsePreKeyUpload(node);
        if (device && !sameBytes(upload.identityKey, device.identityKey)) {
          conn.sendNode(errorIq(node, 406, "identity key differs from the one the device was linked with"));
          break;
        }
        if (keys) keys.applyUpload(upload);
        else if (device) messaging.setClientKeys(device, ClientDeviceKeys.fromUpload(upload));
        conn.sendNode(result());
        break;
      }
      case "rotate":
        if (!keys) {
          conn.sendNode(errorIq(node, 406, "no keys uploaded for this device"));
          break;
        }
        keys.rotateSignedPreKey(parseSignedPreKeyRotate(node, keys.identityKey));
        conn.sendNode(result());
        break;
      case "digest":
        conn.sendNode(result([{ tag: "digest", attrs: {} }]));
        break;
      case "fetch": {
        const users = parseKeyFetch(node).flatMap(({ jid }) => {
          const bundle = messaging.bundleFor(jid);
          return bundle ? [{ jid, bundle }] : [];
        });
        conn.sendNode(result([keyFetchResultList(users)]));
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof SignalNodeError)) throw error;
    conn.sendNode(errorIq(node, 400, error.message));
  }
  return true;
};

/** `<iq type="error"><error code text/></iq>` (Baileys' query rejects with the code). */
export function errorIq(node: BinaryNode, code: number, text: string): BinaryNode {
  return {
    tag: "iq",
    attrs: { id: node.attrs.id ?? "", type: "error", from: S_WHATSAPP_NET },
    content: [{ tag: "error", attrs: { code: String(code), text } }],
  };
}

/**
 * Seeds the key record of a device that was just linked from its registration payload
 * (`devicePairingData`: registration id, identity, signed prekey; no one-time prekeys yet), so that
 * key fetches for it work before its first upload. Leaves the record alone when the payload lacks a
 * valid bundle (SignalNodeError: logged).
 */
export function seedDeviceKeys(conn: Connection, device: LinkedDevice): void {
  const data = conn.payload?.devicePairingData;
  if (!data) return;
  try {
    messagingOf(conn.env.state).setClientKeys(device, ClientDeviceKeys.fromPairingData(data));
  } catch (error) {
    if (!(error instanceof SignalNodeError)) throw error;
    conn.env.log(`whatsapp-web sandbox: no key record seeded for ${device.jid}: ${error.message}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
