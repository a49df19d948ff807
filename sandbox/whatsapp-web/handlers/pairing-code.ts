/**
 * Linking by pairing code (`link_code_companion_reg`), the alternative to scanning a QR.
 *
 * The exchange, as Baileys rc14 runs it (companion side: lib/Socket/socket.js `requestPairingCode`
 * and `generatePairingKey`; lib/Socket/messages-recv.js, `processNotification` case
 * `link_code_companion_reg` and `decipherLinkPublicKey`; lib/Utils/crypto.js `derivePairingCodeKey`).
 * The phone's and server's side is ours, built to match:
 *
 * 1. companion → server, on a registration connection:
 *    `<iq type="set" xmlns="md"><link_code_companion_reg jid="<number>@s.whatsapp.net" stage="companion_hello"
 *    should_show_push_notification="true">` with children
 *    `link_code_pairing_wrapped_companion_ephemeral_pub` (80 bytes: salt 32 ‖ iv 16 ‖ AES-256-CTR(key, iv,
 *    companion ephemeral public key 32)), `companion_server_auth_key_pub` (its Noise key),
 *    `companion_platform_id`, `companion_platform_display`, `link_code_pairing_nonce` ("0").
 *    key = PBKDF2-SHA256(code as UTF-8, salt, 131 072 iterations, 32 bytes); the code is 8 characters
 *    (Crockford base32 unless the app chose its own), shown to the user.
 *    Server → `<iq type="result"><link_code_companion_reg><link_code_pairing_ref>ref</…></…></iq>`
 *    (Baileys sends the hello with `sendNode` and ignores the answer; our ref: 32 random bytes).
 * 2. The user types the code on the phone (control API). The phone unwraps the companion's ephemeral
 *    key with it, makes its own ephemeral key pair, wraps its public key the same way (fresh salt and
 *    iv), and the server sends `<notification type="link_code_companion_reg" from="s.whatsapp.net">
 *    <link_code_companion_reg stage="primary_hello">` with `link_code_pairing_ref`,
 *    `primary_identity_pub` (32 bytes) and `link_code_pairing_wrapped_primary_ephemeral_pub` (80 bytes).
 * 3. companion → server: `<iq type="set" xmlns="md"><link_code_companion_reg stage="companion_finish">` with
 *    `link_code_pairing_wrapped_key_bundle` = salt 32 ‖ iv 12 ‖ AES-256-GCM(bundleKey, iv, no AAD,
 *    companion identity pub 32 ‖ primary identity pub 32 ‖ random 32), `companion_identity_public`,
 *    `link_code_pairing_ref`; where companionShared = X25519(companion eph priv, primary eph pub) and
 *    bundleKey = HKDF-SHA256(companionShared, salt, info "link_code_pairing_key_bundle_encryption_key", 32).
 *    Both sides then know advSecret = HKDF-SHA256(companionShared ‖ X25519(identities) ‖ random, no salt,
 *    info "adv_secret", 32), the key of the pair-success HMAC (the QR carries it instead).
 * 4. The phone decrypts the bundle. With a wrong code the companion unwrapped a wrong key, so the
 *    shared secrets differ and the GCM tag does not verify: the phone refuses and nothing is linked.
 *    Otherwise: pair-success, pair-device-sign, 515, as after a QR scan (phone.ts, server.ts).
 *
 * The phone's `primary_identity_pub` is its account key (phone.ts `accountKey`; the key that signs the
 * companion's device identity). Our choices where the real server is not observed: a hello for a number
 * no sandbox phone has gets `<iq type="error"><error code="404" text="item-not-found"/></iq>`; a code is
 * good for one attempt (a wrong code uses the request up; the client asks for a new one).
 */
import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { type BinaryNode, S_WHATSAPP_NET, jidDecode } from "../binary/index.js";
import { type KeyPair, aesGcmDecrypt, generateKeyPair, sharedKey } from "../noise/crypto.js";
import { companionProps } from "../devices.js";
import type { SandboxPhone } from "../phone.js";
import { type Connection, newStanzaId } from "../server.js";
import { SandboxError, type SandboxState } from "../state.js";

const pbkdf2Async = promisify(pbkdf2);

/** PBKDF2 iterations of the code key (Baileys `derivePairingCodeKey`: `2 << 16`). */
export const PAIRING_CODE_ITERATIONS = 131_072;
/** How long the phone waits for `companion_finish` after `primary_hello` (ms, real time). */
const FINISH_TIMEOUT_MS = 10_000;
const BUNDLE_INFO = "link_code_pairing_key_bundle_encryption_key";
const ADV_SECRET_INFO = "adv_secret";

/** A companion's `companion_hello`, waiting for the phone's user to type the code. */
interface LinkCodeRequest {
  phone: SandboxPhone;
  /** Our ref (32 bytes), echoed by the companion in `companion_finish`. */
  ref: Uint8Array;
  /** salt 32 ‖ iv 16 ‖ CTR ciphertext 32. */
  wrappedCompanionEphemeral: Uint8Array;
  platformId: string;
  platformDisplay: string;
  /** Set while the phone waits for `companion_finish`. */
  finish?: (node: BinaryNode) => void;
}

const requests = new WeakMap<Connection, LinkCodeRequest>();

/** The key that wraps an ephemeral public key: PBKDF2-SHA256(code, salt, 131 072, 32 bytes). */
export async function pairingCodeKey(code: string, salt: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await pbkdf2Async(Buffer.from(code, "utf8"), salt, PAIRING_CODE_ITERATIONS, 32, "sha256"));
}

/** salt 32 ‖ iv 16 ‖ AES-256-CTR(pairingCodeKey(code, salt), iv, publicKey): 80 bytes for a 32-byte key. */
export async function wrapEphemeral(code: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const c = createCipheriv("aes-256-ctr", await pairingCodeKey(code, salt), iv);
  return new Uint8Array(Buffer.concat([salt, iv, c.update(publicKey), c.final()]));
}

/** The inverse of {@link wrapEphemeral}. With a wrong code: 32 wrong bytes (CTR has no check). RangeError under 80 bytes. */
export async function unwrapEphemeral(code: string, wrapped: Uint8Array): Promise<Uint8Array> {
  if (wrapped.length < 80) throw new RangeError(`a wrapped ephemeral key has 80 bytes, got ${wrapped.length}`);
  const d = createDecipheriv("aes-256-ctr", await pairingCodeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48));
  return new Uint8Array(Buffer.concat([d.update(wrapped.subarray(48, 80)), d.final()]));
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, Buffer.from(info, "utf8"), 32));
}

/** The stanza handler: takes `link_code_companion_reg` IQs (companion_hello, companion_finish). */
export function handlePairingCode(conn: Connection, node: BinaryNode): boolean {
  if (node.tag !== "iq" || node.attrs.type !== "set" || node.attrs.xmlns !== "md") return false;
  const reg = child(node, "link_code_companion_reg");
  if (!reg) return false;
  const result: BinaryNode = { tag: "iq", attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET } };
  if (reg.attrs.stage === "companion_hello") {
    const number = jidDecode(reg.attrs.jid ?? "")?.user ?? "";
    const phone = conn.env.state.phoneByNumber(number);
    const wrapped = bytes(child(reg, "link_code_pairing_wrapped_companion_ephemeral_pub"));
    if (!phone || !conn.registration || !wrapped || wrapped.length !== 80) {
      const [code, text] = phone ? ["400", "bad-request"] : ["404", "item-not-found"];
      conn.sendNode({ ...result, attrs: { ...result.attrs, type: "error" }, content: [{ tag: "error", attrs: { code, text } }] });
      return true;
    }
    const ref = new Uint8Array(randomBytes(32));
    requests.set(conn, {
      phone,
      ref,
      wrappedCompanionEphemeral: wrapped,
      platformId: text(child(reg, "companion_platform_id")) || "0",
      platformDisplay: text(child(reg, "companion_platform_display")),
    });
    conn.sendNode({ ...result, content: [{ tag: "link_code_companion_reg", attrs: {}, content: [{ tag: "link_code_pairing_ref", attrs: {}, content: ref }] }] });
    return true;
  }
  if (reg.attrs.stage === "companion_finish") {
    conn.sendNode(result);
    requests.get(conn)?.finish?.(reg);
    return true;
  }
  return false;
}

/** Whether some open connection asked to be linked to `phone` by code (for listings and tests). */
export function pendingPairingCode(state: SandboxState, phone: SandboxPhone): { platformDisplay: string } | undefined {
  const request = findRequest(state, phone)?.[1];
  return request && { platformDisplay: request.platformDisplay };
}

function findRequest(state: SandboxState, phone: SandboxPhone): [Connection, LinkCodeRequest] | undefined {
  let found: [Connection, LinkCodeRequest] | undefined;
  for (const conn of state.connections) {
    const request = requests.get(conn);
    if (request?.phone === phone) found = [conn, request]; // the latest request wins
  }
  return found;
}

/**
 * The phone's user types `code` (case and "-"/spaces ignored). Resolves with the linked device once
 * the companion signed its identity (then the server sends 515). SandboxError 404 `phone_not_found`,
 * 400 `bad_code` (not 8 characters), 404 `pairing_code_not_requested` (no open connection asked for
 * this phone's number), 409 `pairing_in_progress` (a code entry or QR scan for this client awaits its
 * answer), 403 `wrong_pairing_code` (the companion's key bundle does not decrypt: the code
 * differs from the companion's; the request is used up), 504 `pairing_code_timeout` (no companion_finish
 * within 10 s, or the companion's connection closed first), 502 `pairing_failed` (bad bundle contents, or the client did not confirm pair-success).
 */
export async function enterPairingCode(state: SandboxState, phoneId: string, rawCode: string): Promise<{ jid: string; lid: string }> {
  const phone = state.phone(phoneId);
  const code = rawCode.replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== 8) throw new SandboxError(400, "bad_code", "a pairing code has 8 characters");
  const found = findRequest(state, phone);
  if (!found) throw new SandboxError(404, "pairing_code_not_requested", `no open connection asked for a pairing code for ${phone.number}`);
  const [conn, request] = found;
  if (request.finish || conn.pairPending) throw new SandboxError(409, "pairing_in_progress", "this client is being linked already (a code entry or a QR scan)");
  const registration = conn.registration;
  if (!registration) throw new SandboxError(404, "pairing_code_not_requested", "the connection is not a registration");

  const companionEphemeral = await unwrapEphemeral(code, request.wrappedCompanionEphemeral);
  const primaryEphemeral: KeyPair = generateKeyPair();
  // Settles with companion_finish, or undefined after 10 s or when the connection closes first.
  const finished = new Promise<BinaryNode | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), FINISH_TIMEOUT_MS);
    request.finish = (node) => {
      clearTimeout(timer);
      resolve(node);
    };
    conn.onClosed(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  conn.sendNode({
    tag: "notification",
    attrs: { from: S_WHATSAPP_NET, type: "link_code_companion_reg", id: newStanzaId(), t: String(Math.floor(state.clock.now() / 1000)) },
    content: [
      {
        tag: "link_code_companion_reg",
        attrs: { stage: "primary_hello" },
        content: [
          { tag: "link_code_pairing_ref", attrs: {}, content: request.ref },
          { tag: "primary_identity_pub", attrs: {}, content: phone.accountKey.public },
          { tag: "link_code_pairing_wrapped_primary_ephemeral_pub", attrs: {}, content: await wrapEphemeral(code, primaryEphemeral.public) },
        ],
      },
    ],
  });
  const finish = await finished;
  requests.delete(conn);
  if (!finish) throw new SandboxError(504, "pairing_code_timeout", "the companion did not finish the pairing (10 s passed or it disconnected)");

  const bundle = bytes(child(finish, "link_code_pairing_wrapped_key_bundle"));
  const companionIdentity = bytes(child(finish, "companion_identity_public"));
  const ref = bytes(child(finish, "link_code_pairing_ref"));
  if (!bundle || bundle.length < 32 + 12 + 16 || !companionIdentity || !ref || !equal(ref, request.ref)) {
    throw new SandboxError(502, "pairing_failed", "companion_finish lacks the key bundle, the identity or our ref");
  }
  const companionShared = sharedKey(primaryEphemeral.private, companionEphemeral);
  let plain: Uint8Array;
  try {
    plain = aesGcmDecrypt(hkdf(companionShared, bundle.subarray(0, 32), BUNDLE_INFO), bundle.subarray(32, 44), bundle.subarray(44), new Uint8Array(0));
  } catch {
    throw new SandboxError(403, "wrong_pairing_code", "the code is not the one the companion shows");
  }
  const [bundledCompanion, bundledPrimary, random] = [plain.subarray(0, 32), plain.subarray(32, 64), plain.subarray(64, 96)];
  if (plain.length !== 96 || !equal(bundledCompanion, companionIdentity) || !equal(bundledCompanion, registration.identityKey) || !equal(bundledPrimary, phone.accountKey.public)) {
    throw new SandboxError(502, "pairing_failed", "the key bundle names other identity keys");
  }
  const identityShared = sharedKey(phone.accountKey.private, companionIdentity);
  const advSecret = hkdf(concat(companionShared, identityShared, random), new Uint8Array(0), ADV_SECRET_INFO);
  if (conn.pairPending) throw new SandboxError(409, "pairing_in_progress", "this client was linked by a QR scan meanwhile");
  const pair = phone.link({
    noiseKey: registration.noiseKey,
    identityKey: registration.identityKey,
    advSecret,
    platform: request.platformId,
    nowMs: state.clock.now(),
    props: companionProps(conn.payload),
  });
  if (!(await conn.pairSuccess(phone, pair))) throw new SandboxError(502, "pairing_failed", "the client did not confirm the pairing");
  return { jid: pair.device.jid, lid: pair.device.lid };
}

function child(node: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return Array.isArray(node?.content) ? node.content.find((c) => c.tag === tag) : undefined;
}

function bytes(node: BinaryNode | undefined): Uint8Array | undefined {
  const content = node?.content;
  if (content instanceof Uint8Array) return content;
  return typeof content === "string" ? new TextEncoder().encode(content) : undefined;
}

function text(node: BinaryNode | undefined): string {
  const content = node?.content;
  if (typeof content === "string") return content;
  return content instanceof Uint8Array ? new TextDecoder().decode(content) : "";
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
