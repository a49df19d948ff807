import { hash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { TokenRecord, TokenStore } from "../store/types.js";
import { err } from "./errors.js";

/** Token strings: a scope prefix and 32 random bytes, base64url (43 chars). Shown once, stored hashed. */
const PREFIX = { account: "sba_", instance: "sbi_" } as const;

/** The label of the instance token issued with a new instance (`POST /v1/instances`). */
export const CREATED_TOKEN_LABEL = "created with the instance";

/** hex SHA-256 of a token string. Tokens carry 256 bits of entropy, so a fast hash is the right tool. */
export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
}

/** Creates a new random token string for `scope`. */
export function newToken(scope: "account" | "instance"): string {
  return PREFIX[scope] + randomBytes(32).toString("base64url");
}

/**
 * Issues and stores a token; returns the plain token (never stored) and its record.
 * @param token a preset token string (e.g. from `SWITCHBOARD_ACCOUNT_TOKEN`); generated when absent.
 */
export async function issueToken(
  store: TokenStore,
  input: { scope: "account" | "instance"; instanceId: string | null; label: string; token?: string; now: number },
): Promise<{ token: string; record: TokenRecord }> {
  const token = input.token ?? newToken(input.scope);
  const record: TokenRecord = {
    id: `tok_${randomUUID()}`,
    hash: hashToken(token),
    scope: input.scope,
    instanceId: input.instanceId,
    label: input.label,
    createdAt: input.now,
  };
  await store.create(record);
  return { token, record };
}

/**
 * Known tokens by hash, for at most `ttlMs` (default 10 000 ms), so that authentication does not read
 * the store on every request. Only tokens that exist are cached. A revoked token is forgotten at once
 * in this process ({@link TokenCache.forget}); `ttlMs` bounds how long another process may still
 * accept it.
 */
export class TokenCache {
  private readonly entries = new Map<string, { record: TokenRecord; until: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(hash: string, now: number): TokenRecord | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until > now) return e.record;
    this.entries.delete(hash);
    return undefined;
  }

  /**
   * The cache's generation: it grows on every {@link TokenCache.forget}. A reader takes it before its
   * store lookup and passes it to {@link TokenCache.set}, so a record read before a revocation is not
   * cached after it.
   */
  epoch(): number {
    return this.generation;
  }

  /** Caches `record` unless a {@link TokenCache.forget} ran since `epoch` was taken. */
  set(record: TokenRecord, now: number, epoch = this.generation): void {
    if (epoch !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(record.hash, { record, until: now + this.ttlMs });
  }

  /** Drops every cached token matching `match` (a revoked token, the tokens of a purged instance). */
  forget(match: (r: TokenRecord) => boolean): void {
    this.generation++;
    for (const [hash, e] of this.entries) if (match(e.record)) this.entries.delete(hash);
  }
}

/**
 * Resolves a presented token to its record. The lookup is by hash (through `cache` when given); the
 * stored hash is then compared with the computed one in constant time. Never throws for malformed
 * input: answers undefined.
 */
export async function verifyToken(store: TokenStore, token: string, cache?: TokenCache, now = Date.now()): Promise<TokenRecord | undefined> {
  if (typeof token !== "string" || token.length < 8 || token.length > 256) return undefined;
  const hash = hashToken(token);
  let rec = cache?.get(hash, now);
  if (!rec) {
    const epoch = cache?.epoch();
    rec = await store.findByHash(hash);
    if (rec) cache?.set(rec, now, epoch);
  }
  return rec && sameHash(rec, hash) ? rec : undefined;
}

/**
 * {@link verifyToken} from `cache` alone, without waiting: the record of a cached token, else
 * undefined (unknown to the cache: not necessarily invalid). Never throws.
 */
export function cachedToken(token: string, cache: TokenCache, now: number): TokenRecord | undefined {
  if (typeof token !== "string" || token.length < 8 || token.length > 256) return undefined;
  const hash = hashToken(token);
  const rec = cache.get(hash, now);
  return rec && sameHash(rec, hash) ? rec : undefined;
}

/** The stored hash equals `hash` (hex), compared in constant time. */
function sameHash(rec: TokenRecord, hash: string): boolean {
  const a = Buffer.from(rec.hash, "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Makes sure the deployment has an account token (DESIGN §1). With `preset` (the
 * `SWITCHBOARD_ACCOUNT_TOKEN` value), that token is registered if it is not yet. Otherwise, on a store
 * with no account token, one is generated and returned so the caller can print it once.
 * @returns the new plain token, or null when nothing was generated.
 */
export async function ensureAccountToken(store: TokenStore, preset: string | undefined, now: number): Promise<string | null> {
  if (preset) {
    if (preset.length < 16 || preset.length > 256 || /\s/.test(preset)) {
      throw err("VALIDATION_FAILED", { message: "SWITCHBOARD_ACCOUNT_TOKEN must be 16–256 characters without whitespace." });
    }
    if (!(await store.findByHash(hashToken(preset)))) {
      await issueToken(store, { scope: "account", instanceId: null, label: "SWITCHBOARD_ACCOUNT_TOKEN", token: preset, now });
    }
    return null;
  }
  if ((await store.countAccount()) > 0) return null;
  const { token } = await issueToken(store, { scope: "account", instanceId: null, label: "initial", now });
  return token;
}
