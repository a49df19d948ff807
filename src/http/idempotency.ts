import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { err } from "../core/errors.js";
import type { IdempotencyStore } from "../store/types.js";

/** Keys are 1–255 characters. */
export const MAX_KEY_LENGTH = 255;
/** Records older than this are pruned (opportunistically, at most every {@link PRUNE_EVERY_MS}). */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
/**
 * An `in_flight` record older than this is taken as abandoned (its process died mid-request) and
 * replaced. Longer than any verb may run (`timeoutMs` ≤ 300 000).
 */
export const STALE_IN_FLIGHT_MS = 10 * 60 * 1000;

/** Deterministic JSON: object keys sorted at every depth; `undefined` (no body) is the empty string. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) sorted[k] = o[k];
    return sorted;
  });
}

/** hex SHA-256 of method, URL (path and query) and canonical body, separated by newlines. */
export function fingerprint(method: string, url: string, body: unknown): string {
  return createHash("sha256").update(`${method}\n${url}\n${canonicalJson(body)}`).digest("hex");
}

/** The key a request owns until its response is stored (or abandoned). */
interface Claim {
  tokenId: string;
  key: string;
}

/** Replaces `fields` of a JSON object body by null; anything else is returned unchanged. */
function redact(payload: string, fields: readonly string[] | undefined): string {
  if (!fields || fields.length === 0) return payload;
  try {
    const body = JSON.parse(payload) as unknown;
    if (body === null || typeof body !== "object" || Array.isArray(body)) return payload;
    for (const f of fields) nullPath(body as Record<string, unknown>, f.split("."));
    return JSON.stringify(body);
  } catch {
    return payload;
  }
}

/** Sets the value at a dotted path (`status.qr`) to null where it exists. */
function nullPath(o: Record<string, unknown>, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in o)) return;
  if (rest.length === 0) {
    o[head] = null;
    return;
  }
  const next = o[head];
  if (next !== null && typeof next === "object" && !Array.isArray(next)) nullPath(next as Record<string, unknown>, rest);
}

/**
 * Installs `Idempotency-Key` handling (draft-ietf-httpapi-idempotency-key-header) on every POST
 * route under `/v1/`. Runs as a `preHandler`, i.e. after auth, rate limit and validation, so only
 * requests that reach a handler are remembered.
 *
 * Contract:
 * - keys are scoped per token id; 1–255 characters, else 400 `VALIDATION_FAILED`;
 * - fingerprint = SHA-256 of method + URL + canonical JSON body (see {@link fingerprint});
 * - first use: the request runs; its status and JSON body are stored, 2xx and 4xx alike; a 5xx
 *   abandons the key so that a retry runs again;
 * - same key and fingerprint, done: the stored status and body are replayed with
 *   `Idempotent-Replayed: true`; still running: 409 `IDEMPOTENCY_IN_FLIGHT`; different fingerprint:
 *   422 `IDEMPOTENCY_MISMATCH`;
 * - fields named in the route's `config.secretFields` (plain tokens) are stored as `null`, so a
 *   replay answers them as `null`: secrets are never stored;
 * - records are pruned after 24 h, opportunistically (at most every 10 minutes, on a new key).
 * `instanceId` of a record is the token's instance for instance tokens, else null (the store's purge
 * of an instance then leaves account-token keys to the 24 h pruning).
 */
export function installIdempotency(app: FastifyInstance, store: IdempotencyStore, logger: Logger): void {
  const claims = new WeakMap<FastifyRequest, Claim>();
  let lastPrune = 0;

  const maybePrune = (now: number): void => {
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    store.prune(now - KEY_TTL_MS).catch((e: unknown) => logger.warn({ err: e }, "pruning idempotency keys failed"));
  };

  const release = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> => {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    try {
      if (reply.statusCode >= 500 || typeof payload !== "string") {
        await store.abandon(claim.tokenId, claim.key);
      } else {
        const stored = redact(payload, request.routeOptions.config?.secretFields);
        await store.complete(claim.tokenId, claim.key, reply.statusCode, stored);
      }
    } catch (e) {
      request.log.error({ err: e }, "could not store the idempotent response; abandoning the key");
      await store.abandon(claim.tokenId, claim.key).catch(() => {});
    }
  };

  const preHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const raw = request.headers["idempotency-key"];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH || Array.isArray(raw)) {
      throw err("VALIDATION_FAILED", {
        message: `Idempotency-Key must be one header of 1–${MAX_KEY_LENGTH} characters.`,
        details: { issues: [{ path: "headers.idempotency-key", message: `Expected 1–${MAX_KEY_LENGTH} characters` }] },
      });
    }
    const auth = request.auth;
    if (!auth) return; // unreachable: POST routes under /v1 need a token
    const now = Date.now();
    const fp = fingerprint(request.method, request.url, request.body);
    const rec = {
      tokenId: auth.record.id,
      key,
      fingerprint: fp,
      state: "in_flight" as const,
      statusCode: null,
      body: null,
      createdAt: now,
      instanceId: auth.record.instanceId,
    };
    let res = await store.begin(rec);
    if (!res.created && res.existing.state === "in_flight" && now - res.existing.createdAt > STALE_IN_FLIGHT_MS) {
      await store.abandon(rec.tokenId, key);
      res = await store.begin(rec);
    }
    if (res.created) {
      claims.set(request, { tokenId: rec.tokenId, key });
      maybePrune(now);
      return;
    }
    const existing = res.existing;
    if (existing.fingerprint !== fp) throw err("IDEMPOTENCY_MISMATCH");
    if (existing.state === "in_flight" || existing.statusCode === null || existing.body === null) {
      throw err("IDEMPOTENCY_IN_FLIGHT", { retryAfterMs: 1000 });
    }
    return reply
      .code(existing.statusCode)
      .header("idempotent-replayed", "true")
      .type("application/json; charset=utf-8")
      .send(existing.body);
  };

  // The response (success or error envelope) is stored before it is sent, so an immediate retry
  // sees it.
  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    await release(request, reply, payload);
    return payload;
  };
  // Safety net: a request whose response was never sent (client gone) gives its key up.
  const onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await release(request, reply, undefined);
  };

  // Only POST routes under /v1 get the hooks: other requests never pay for them.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes("POST") || !route.url.startsWith("/v1/")) return;
    route.preHandler = [...hookList(route.preHandler), preHandler];
    route.onSend = [...hookList(route.onSend), onSend];
    route.onResponse = [...hookList(route.onResponse), onResponse];
  });
}

function hookList<T>(h: T | T[] | undefined): T[] {
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}
