import { createHmac, timingSafeEqual } from "node:crypto";
import type { AppWebhookOpening, AppWebhookRequest } from "../../core/connector.js";

/**
 * Meta's webhooks (Graph API: WhatsApp Cloud API, Messenger Platform), as the connectors of those
 * platforms read them at their app-level callback:
 *
 * - **Verification handshake** (a GET when the callback is set up): `hub.mode=subscribe`,
 *   `hub.verify_token` (the string set in the app dashboard) and `hub.challenge`, which is echoed as
 *   the body of a 200 when the token matches (Meta docs, "Getting Started with Webhooks",
 *   "Verification Requests"); anything else is 403.
 * - **Event notifications** (POSTs): JSON `{object, entry: [...]}`, signed with
 *   `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact bytes, keyed by the app secret>`
 *   ("Event Notifications", "Validating Payloads"). A missing or wrong signature is 401.
 *
 * Every comparison is constant time; secrets never appear in an answer.
 */
export interface MetaAppSecrets {
  /** The app secret (HMAC key of `X-Hub-Signature-256`). */
  appSecret: string;
  /** The verify token of the callback's handshake. */
  verifyToken: string;
}

/**
 * Opens a request to a Meta app callback: the handshake's challenge, a refusal, or the entries with
 * the key `keyOf(entry)` names (entries it gives no key for are skipped).
 * @param secrets the app secrets of the app's instances; each distinct one is tried.
 */
export function openMetaWebhook(
  request: AppWebhookRequest,
  secrets: readonly MetaAppSecrets[],
  keyOf: (entry: Record<string, unknown>) => string | null,
): AppWebhookOpening {
  if (request.method === "GET") return metaHandshake(request.query, secrets.map((s) => s.verifyToken));
  const verified = metaSignatureMatches(request.rawBody, request.headers["x-hub-signature-256"], secrets.map((s) => s.appSecret));
  if (verified.length === 0) {
    return { kind: "refused", status: 401, message: "The X-Hub-Signature-256 header is missing or does not match the body." };
  }
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString("utf8"));
  } catch {
    return { kind: "refused", status: 400, message: "The body is not JSON." };
  }
  const entry = (body as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entry)) return { kind: "refused", status: 400, message: "The body has no entry list." };
  const entries: Array<{ key: string; entry: unknown }> = [];
  for (const e of entry) {
    if (!e || typeof e !== "object") continue;
    const key = keyOf(e as Record<string, unknown>);
    if (key !== null) entries.push({ key, entry: e });
  }
  return { kind: "entries", entries, verified };
}

/** The handshake: `hub.challenge` when `hub.mode` is `subscribe` and `hub.verify_token` is one of `tokens`, else 403. */
export function metaHandshake(query: Readonly<Record<string, string>>, tokens: readonly string[]): AppWebhookOpening {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (mode !== "subscribe" || token === undefined || challenge === undefined) {
    return { kind: "refused", status: 403, message: "Not a subscription handshake (hub.mode, hub.verify_token, hub.challenge)." };
  }
  const matches = unique(tokens).reduce((ok, t) => equalText(token, t) || ok, false);
  return matches ? { kind: "challenge", body: challenge } : { kind: "refused", status: 403, message: "The verify token does not match." };
}

/**
 * The indices of `secrets` under which `header` is `sha256=<hex>` of the HMAC-SHA256 of `body`
 * (empty: the signature is missing, malformed or matches none). Each distinct secret is tried once,
 * in constant time; an empty secret never matches.
 */
export function metaSignatureMatches(body: Buffer, header: string | string[] | undefined, secrets: readonly string[]): number[] {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== "string" || !value.startsWith("sha256=")) return [];
  const given = Buffer.from(value.slice("sha256=".length), "hex");
  if (given.length !== 32) return [];
  const matching = new Set<string>();
  for (const secret of unique(secrets)) {
    const expected = createHmac("sha256", secret).update(body).digest();
    if (timingSafeEqual(given, expected)) matching.add(secret);
  }
  return secrets.flatMap((s, i) => (matching.has(s) ? [i] : []));
}

/** The header value Meta sends for `body` under `appSecret` (for sandboxes and tests). */
export function metaSignature(body: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

function equalText(a: string, b: string): boolean {
  const x = createHmac("sha256", "compare").update(a).digest();
  const y = createHmac("sha256", "compare").update(b).digest();
  return timingSafeEqual(x, y);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => typeof x === "string" && x !== ""))];
}
