/**
 * The built-in answers of server.ts: what a connection may send before it logged in, and the small
 * set of IQs a logged-in client gets an answer to from no other handler.
 *
 * Before login (registration connections, i.e. QR or pairing code; Baileys rc14
 * lib/Socket/socket.js, `CB:iq,,pair-device`, `CB:iq,,pair-success`, `requestPairingCode`,
 * `startKeepAliveRequest`), only these pass on to the handlers ({@link admitBeforeLogin}):
 * - `<iq type="result"|"error">`: the client's answer to pair-device and its pair-device-sign;
 * - `<iq type="set" xmlns="md"><link_code_companion_reg>` (handlers/pairing-code.ts);
 * - `<iq type="get" xmlns="w:p"><ping/>` (the keepalive; answered by {@link answerIq}).
 * Any other get/set IQ gets `<iq type="error"><error code="401" text="not-authorized"/></iq>`
 * (Baileys' `query` rejects with Boom data 401, WABinary/generic-utils.js `assertNodeErrorFree`;
 * the real server's answer here is not observed, 401 is our choice); other stanzas are dropped.
 *
 * After login, {@link answerIq} answers what Baileys rc14 asks at login and no handler takes
 * (observed with the test suite; socket.js `CB:success`, chats.js `executeInitQueries`,
 * `cleanDirtyBits`, messages-send.js `getPrivacyTokens`):
 *   ping (w:p get) → empty result; passive set → empty result; abt get `<props>` → `<props protocol="1"/>`
 *   (no props, no hash); blocklist get → `<list/>`; urn:xmpp:whatsapp:dirty set → empty result;
 *   privacy set (tokens) → empty result.
 * Every other get/set IQ: `<error code="501" text="feature-not-implemented"/>` and a log line.
 */
import { type BinaryNode, S_WHATSAPP_NET } from "../binary/index.js";
import type { Connection } from "../server.js";

/** One allow-listed IQ: its namespace and type, and the children of its result. */
interface BuiltInIq {
  xmlns: string;
  type: "get" | "set";
  answer: () => BinaryNode[];
}

const BUILT_IN_IQS: BuiltInIq[] = [
  { xmlns: "w:p", type: "get", answer: () => [] },
  { xmlns: "passive", type: "set", answer: () => [] },
  { xmlns: "abt", type: "get", answer: () => [{ tag: "props", attrs: { protocol: "1" } }] },
  { xmlns: "blocklist", type: "get", answer: () => [{ tag: "list", attrs: {} }] },
  { xmlns: "urn:xmpp:whatsapp:dirty", type: "set", answer: () => [] },
  { xmlns: "privacy", type: "set", answer: () => [] },
];

/**
 * Whether `node`, sent by a connection that has not logged in, may go on to the stanza handlers.
 * Answers refused IQs with 401 itself; drops other refused stanzas (with a log line).
 */
export function admitBeforeLogin(conn: Connection, node: BinaryNode): boolean {
  if (node.tag === "iq") {
    const { type, xmlns } = node.attrs;
    if (type === "result" || type === "error") return true;
    if (type === "get" && xmlns === "w:p" && hasChild(node, "ping")) return true;
    if (type === "set" && xmlns === "md" && hasChild(node, "link_code_companion_reg")) return true;
    if (type === "get" || type === "set") {
      conn.env.log(`whatsapp-web sandbox: ${describe(node)} before login: 401`);
      conn.sendNode(iqError(node, 401, "not-authorized"));
      return false;
    }
  }
  conn.env.log(`whatsapp-web sandbox: ignored <${node.tag}> before login`);
  return false;
}

/** Answers a get/set IQ no handler took: the allow-list above, else 501 (logged). */
export function answerIq(conn: Connection, node: BinaryNode): void {
  const known = BUILT_IN_IQS.find((b) => b.xmlns === node.attrs.xmlns && b.type === node.attrs.type);
  if (!known) {
    conn.env.log(`whatsapp-web sandbox: not implemented: ${describe(node)}: 501`);
    conn.sendNode(iqError(node, 501, "feature-not-implemented"));
    return;
  }
  const content = known.answer();
  conn.sendNode({ tag: "iq", attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET }, ...(content.length ? { content } : {}) });
}

/** `<iq type="error" id from><error code text/></iq>`. */
function iqError(node: BinaryNode, code: number, text: string): BinaryNode {
  return {
    tag: "iq",
    attrs: { id: node.attrs.id ?? "", type: "error", from: S_WHATSAPP_NET },
    content: [{ tag: "error", attrs: { code: String(code), text } }],
  };
}

function hasChild(node: BinaryNode, tag: string): boolean {
  return Array.isArray(node.content) && node.content.some((c) => c.tag === tag);
}

function describe(node: BinaryNode): string {
  const first = Array.isArray(node.content) ? node.content[0]?.tag : undefined;
  return `<iq type="${node.attrs.type ?? ""}" xmlns="${node.attrs.xmlns ?? ""}">${first ? `<${first}>` : ""}`;
}
