import {
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
} from "baileys";
import type { Credentials, SessionKeyStore } from "../../core/connector.js";
import type { ILogger } from "./logger.js";
import { pruneClosedChains } from "./signal-chains.js";

/**
 * Baileys' `AuthenticationState` kept in Switchboard's encrypted credential store instead of files
 * (Baileys' own `useMultiFileAuthState` is "not for production").
 *
 * - **creds** (`AuthenticationCreds`: noise and identity keys, the signed device identity, `me`) are
 *   the instance's credentials object, `{ creds }`, saved through `SessionHost.saveCredentials`.
 * - **keys** (the `SignalKeyStore`: pre-keys, sessions, sender keys, app-state keys, LID mappings…)
 *   live in `SessionContext.keys`, one sealed entry per key named `<type>/<id>`
 *   (e.g. `pre-key/17`, `session/123@lid.0`). A `set` is one store transaction.
 *
 * Transactions: Baileys wraps every key store in `addTransactionCapability` itself (`makeSocket`):
 * inside `keys.transaction(work, key)` reads are cached and writes are collected, then committed as
 * ONE `set` when `work` ends. So this store only has to make a `set` atomic, which `ctx.keys.set` is.
 * On top of it sits Baileys' `makeCacheableSignalKeyStore` (a 5-minute read cache; writes go through).
 *
 * Write errors: Baileys logs and swallows some failed commits (a pre-key upload, the own LID session)
 * and retries others. Every failed write is therefore reported to `onWriteError` before it is
 * rethrown: the in-memory Signal state has then moved past the stored one, and the session must end
 * (see session.ts) rather than go on with keys it cannot keep.
 */
export interface StoredAuthState {
  state: AuthenticationState;
  /**
   * Saves the creds as they are now; resolves once durable. Saves are serialised and coalesced (a
   * save requested while one runs is done once, after it, with the then-current creds).
   * @throws what `saveCredentials` throws (`STORAGE_FAILED`, `INVALID_STATE`), after `onWriteError`.
   */
  saveCreds(): Promise<void>;
  /** Resolves when no creds save is running or queued (never rejects). */
  settled(): Promise<void>;
}

export interface AuthStateOptions {
  /** The stored credentials (`{ creds }`), or null for a fresh login. */
  credentials: Credentials | null;
  keys: SessionKeyStore;
  saveCredentials(credentials: Credentials): Promise<void>;
  /** Called with every failed creds or key write, before the write's promise rejects. */
  onWriteError(error: unknown): void;
  logger: ILogger;
}

/** Builds the auth state of one session. See {@link StoredAuthState}. */
export function storedAuthState(opts: AuthStateOptions): StoredAuthState {
  const creds = readCreds(opts.credentials) ?? initAuthCreds();
  const keys = makeCacheableSignalKeyStore(signalKeyStore(opts.keys, opts.onWriteError), opts.logger);
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const saveOnce = async (): Promise<void> => {
    try {
      await opts.saveCredentials({ creds } as unknown as Credentials);
    } catch (e) {
      opts.onWriteError(e);
      throw e;
    }
  };
  const saveCreds = (): Promise<void> => {
    if (queued) return queued;
    if (!running) {
      running = saveOnce().finally(() => (running = null));
      return running;
    }
    const after = running.catch(() => undefined);
    queued = after.then(() => {
      queued = null;
      running = saveOnce().finally(() => (running = null));
      return running;
    });
    return queued;
  };
  return {
    state: { creds, keys },
    saveCreds,
    settled: async () => {
      while (running || queued) await (queued ?? running)?.catch(() => undefined);
    },
  };
}

/** The stored `{ creds }` revived for Baileys (Buffers where Baileys wrote Buffers), or null. */
export function readCreds(credentials: Credentials | null): AuthenticationCreds | null {
  const c = credentials?.creds;
  if (!c || typeof c !== "object") return null;
  return toBuffers(c) as AuthenticationCreds;
}

/** The name of one Signal key in `SessionContext.keys`. */
export function keyName(type: keyof SignalDataTypeMap, id: string): string {
  return `${type}/${id}`;
}

/**
 * A `SignalKeyStore` over `SessionContext.keys` (no cache, no transactions: see
 * {@link storedAuthState}). `get` answers only the ids it has; `set` writes every entry of `data`
 * (value null: delete) in one transaction.
 */
export function signalKeyStore(store: SessionKeyStore, onWriteError: (e: unknown) => void): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const found = await store.get(ids.map((id) => keyName(type, id)));
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const raw = found.get(keyName(type, id));
        if (raw === undefined || raw === null) continue;
        const value = toBuffers(raw);
        out[id] = (type === "app-state-sync-key" ? proto.Message.AppStateSyncKeyData.fromObject(value as object) : value) as SignalDataTypeMap[T];
      }
      return out;
    },
    async set(data: SignalDataSet) {
      const entries: [string, unknown][] = [];
      for (const [type, byId] of Object.entries(data) as [keyof SignalDataTypeMap, Record<string, unknown> | undefined][]) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          // A session record is stored without the receiving chains it can no longer use.
          if (type === "session" && value) pruneClosedChains(value);
          entries.push([keyName(type, id), value ?? null]);
        }
      }
      if (entries.length === 0) return;
      try {
        await store.set(entries);
      } catch (e) {
        onWriteError(e);
        throw e;
      }
    },
  };
}

/** A backing store at least this large (bytes) is not shared with a small value read from it. */
const PIN_THRESHOLD = 4096;

/**
 * A copy of `value` in which every `Uint8Array` is a `Buffer`. The vault gives back a plain
 * `Uint8Array` for what was written as one (Baileys' protobuf objects hold those), while libsignal
 * refuses anything but Buffers; Baileys' own `BufferJSON` revives all of them as Buffers too.
 *
 * A small view into a much larger backing store (the decoder's slab) is copied, so that a value
 * kept apart from its neighbours (a key in a cache, a token) does not pin the whole store: bench/soak's
 * heap snapshots showed 32-byte tokens each holding a 64 KB ArrayBuffer alive.
 */
export function toBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    if (value.buffer.byteLength >= PIN_THRESHOLD && value.buffer.byteLength > value.byteLength * 4) {
      // Its own store of exactly its size (`Buffer.from` would take a slice of Node's 8 KB pool).
      const copy = Buffer.allocUnsafeSlow(value.byteLength);
      copy.set(value);
      return copy;
    }
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) return value.map(toBuffers);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toBuffers(v);
    return out;
  }
  return value;
}
