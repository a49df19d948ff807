/**
 * The baseline process of the memory benchmark (spawned with `--expose-gc`): bare Baileys sockets
 * (`makeWASocket`, the pinned version, unmodified) against the sandbox, with the smallest durable
 * auth state that keeps Signal keys off the JavaScript heap, as the gateway does: one SQLite file
 * (better-sqlite3, one row per key, values in Baileys' `BufferJSON`), creds as a live object saved
 * on `creds.update`. Over it, by default, Baileys' own read/write cache `makeCacheableSignalKeyStore`
 * (as in Baileys' README and as the gateway's connector does; entries live 5 minutes).
 * `BENCH_BARE_AUTH=sqlite`: the SQLite store without that cache; `memory`: keys in a Map on the heap.
 *
 * Linking is driven by run.ts: `qr` starts a fresh socket and answers its first QR, the driver makes
 * a sandbox phone scan it, `open` waits for the 515 restart and logs in again from the saved creds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type UserFacingSocketConfig,
  WA_CERT_DETAILS,
  type WASocket,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  makeWASocket,
} from "baileys";
import { pino } from "pino";
import { serve } from "../telegram/ipc.js";
import { measure, snapshot } from "./measure.js";

const runGc = globalThis.gc;
if (!runGc) throw new Error("bare-proc needs --expose-gc");
const AUTH_MODE = process.env["BENCH_BARE_AUTH"];
const AUTH = AUTH_MODE === "memory" ? "memory" : "sqlite";
const CACHED = AUTH_MODE === undefined || AUTH_MODE === "cached";

let wsUrl = "";
let dir: string | null = null;
let db: Database.Database | null = null;
const logger = pino({ level: "silent" }) as unknown as UserFacingSocketConfig["logger"];

interface Client {
  auth: AuthenticationState;
  sock: WASocket;
  /** Resolves with the first `connection.update` (seen or future) that satisfies the predicate. */
  next(pred: (u: Partial<ConnectionState>) => boolean, timeoutMs: number): Promise<Partial<ConnectionState>>;
  open: boolean;
}
const clients = new Map<number, Client>();

/** Keys of socket `owner` in the shared SQLite file (or a Map with BENCH_BARE_AUTH=memory). */
function keyStore(owner: number): AuthenticationState["keys"] {
  if (AUTH === "memory") {
    const data = new Map<string, unknown>();
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const out: { [id: string]: SignalDataTypeMap[T] } = {};
        for (const id of ids) {
          const v = data.get(`${type}:${id}`);
          if (v !== undefined) out[id] = v as SignalDataTypeMap[T];
        }
        return out;
      },
      set: async (set: SignalDataSet) => {
        for (const [type, entries] of Object.entries(set)) {
          for (const [id, v] of Object.entries(entries ?? {})) {
            if (v == null) data.delete(`${type}:${id}`);
            else data.set(`${type}:${id}`, v);
          }
        }
      },
    };
  }
  const sql = db!;
  const read = sql.prepare<[number, string, string], { value: string }>("select value from keys where owner = ? and type = ? and id = ?");
  const write = sql.prepare("insert or replace into keys (owner, type, id, value) values (?, ?, ?, ?)");
  const remove = sql.prepare("delete from keys where owner = ? and type = ? and id = ?");
  const setAll = sql.transaction((set: SignalDataSet) => {
    for (const [type, entries] of Object.entries(set)) {
      for (const [id, v] of Object.entries(entries ?? {})) {
        if (v == null) remove.run(owner, type, id);
        else write.run(owner, type, id, JSON.stringify(v, BufferJSON.replacer));
      }
    }
  });
  return {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const row = read.get(owner, type, id);
        if (row) out[id] = JSON.parse(row.value, BufferJSON.reviver) as SignalDataTypeMap[T];
      }
      return out;
    },
    set: async (set: SignalDataSet) => setAll(set),
  };
}

function saveCreds(owner: number, creds: AuthenticationCreds): void {
  if (AUTH === "sqlite") db!.prepare("insert or replace into keys (owner, type, id, value) values (?, 'creds', '', ?)").run(owner, JSON.stringify(creds, BufferJSON.replacer));
}

function start(index: number, auth: AuthenticationState): Client {
  const sock = makeWASocket({ waWebSocketUrl: wsUrl, auth, logger, markOnlineOnConnect: false, syncFullHistory: false });
  const updates: Partial<ConnectionState>[] = [];
  const waiters = new Set<{ pred: (u: Partial<ConnectionState>) => boolean; resolve: (u: Partial<ConnectionState>) => void }>();
  const client: Client = {
    auth,
    sock,
    open: false,
    next: (pred, timeoutMs) =>
      new Promise((resolve, reject) => {
        const seen = updates.find(pred);
        if (seen) return resolve(seen);
        const w = {
          pred,
          resolve: (u: Partial<ConnectionState>) => {
            clearTimeout(timer);
            resolve(u);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`socket ${index}: no matching connection.update within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      }),
  };
  sock.ev.on("creds.update", (u) => {
    Object.assign(auth.creds, u);
    saveCreds(index, auth.creds);
  });
  sock.ev.on("connection.update", (u) => {
    updates.push(u);
    if (u.connection === "open") client.open = true;
    if (u.connection === "close") client.open = false;
    for (const w of [...waiters]) {
      if (w.pred(u)) {
        waiters.delete(w);
        w.resolve(u);
      }
    }
  });
  clients.set(index, client);
  return client;
}

serve(
  {
    /** Trusts the sandbox's root key and opens the key database. */
    start: ({ wsUrl: url, rootPublicKey }: { wsUrl: string; rootPublicKey: string }) => {
      wsUrl = url;
      WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootPublicKey, "base64");
      if (AUTH === "sqlite") {
        dir = mkdtempSync(join(tmpdir(), "sb-bench-wabare-"));
        db = new Database(join(dir, "keys.db"));
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
        db.exec("create table keys (owner integer not null, type text not null, id text not null, value text not null, primary key (owner, type, id))");
      }
      return { auth: AUTH, cached: CACHED };
    },
    /** Starts socket `index` with fresh creds; answers its first QR string. */
    qr: async ({ index }: { index: number }) => {
      const creds = initAuthCreds();
      const keys = keyStore(index);
      const client = start(index, { creds, keys: CACHED ? makeCacheableSignalKeyStore(keys) : keys });
      const { qr } = await client.next((u) => typeof u.qr === "string", 20_000);
      return qr;
    },
    /** After the phone scanned: waits for the 515 close, logs in from the saved creds, waits for open. */
    open: async ({ index }: { index: number }) => {
      const first = clients.get(index);
      if (!first) throw new Error(`no socket ${index}`);
      await first.next((u) => u.connection === "close", 20_000);
      const second = start(index, first.auth);
      await second.next((u) => u.connection === "open", 30_000);
      return true;
    },
    /** How many sockets are open now. */
    open_count: () => [...clients.values()].filter((c) => c.open).length,
    measure: () => measure(runGc),
    /** A heap snapshot into `dir` (BENCH_HEAP_SNAPSHOT), after the last measurement. */
    snapshot: ({ dir }: { dir: string }) => snapshot(dir, "bare"),
  },
  async () => {
    for (const c of clients.values()) c.sock.end(undefined);
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
);
