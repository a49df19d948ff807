/**
 * The real Baileys client (the pinned version), pointed at a sandbox, for tests: fresh in-memory
 * credentials, a silent logger, and an event log to wait on.
 *
 * `trustSandboxRoot` sets Baileys' exported `WA_CERT_DETAILS.PUBLIC_KEY` (process-wide) to the
 * sandbox's root key, the one setting a process needs to talk to the sandbox (see
 * docs/sandbox-whatsapp-web.md, "Baileys version"); `restoreWhatsAppRoot` undoes it.
 */
import {
  type AuthenticationCreds,
  type AuthenticationState,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type UserFacingSocketConfig,
  type WASocket,
  WA_CERT_DETAILS,
  initAuthCreds,
  makeWASocket,
} from "baileys";
import { pino } from "pino";

const WHATSAPP_ROOT = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);

export function trustSandboxRoot(rootPublicKey: Uint8Array): void {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootPublicKey);
}

export function restoreWhatsAppRoot(): void {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(WHATSAPP_ROOT);
}

/** Credentials plus an in-memory Signal key store; `creds` is kept current from `creds.update`. */
export interface MemoryAuth {
  state: AuthenticationState;
  creds: AuthenticationCreds;
}

export function memoryAuth(creds: AuthenticationCreds = initAuthCreds()): MemoryAuth {
  const data = new Map<string, unknown>();
  const keys = {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const v = data.get(`${type}:${id}`);
        if (v !== undefined) out[id] = v as SignalDataTypeMap[T];
      }
      return out;
    },
    async set(set: SignalDataSet) {
      for (const [type, entries] of Object.entries(set)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) data.delete(`${type}:${id}`);
          else data.set(`${type}:${id}`, value);
        }
      }
    },
  };
  const auth: MemoryAuth = { creds, state: { creds, keys } };
  return auth;
}

export interface TestClient {
  sock: WASocket;
  /** Every `connection.update`, in order. */
  updates: Partial<ConnectionState>[];
  /** Resolves with the first update (already seen or future) that satisfies `pred`. */
  waitFor(pred: (u: Partial<ConnectionState>) => boolean, timeoutMs?: number): Promise<Partial<ConnectionState>>;
  end(): void;
}

/** Starts an unmodified Baileys socket against `wsUrl`. */
export function startClient(wsUrl: string, auth: MemoryAuth, config: Partial<UserFacingSocketConfig> = {}): TestClient {
  const sock = makeWASocket({
    waWebSocketUrl: wsUrl,
    auth: auth.state,
    logger: pino({ level: process.env.BAILEYS_LOG ?? "silent" }) as unknown as UserFacingSocketConfig["logger"],
    markOnlineOnConnect: false,
    syncFullHistory: false,
    ...config,
  });
  sock.ev.on("creds.update", (update) => Object.assign(auth.creds, update));
  const updates: Partial<ConnectionState>[] = [];
  const waiters: { pred: (u: Partial<ConnectionState>) => boolean; resolve: (u: Partial<ConnectionState>) => void }[] = [];
  sock.ev.on("connection.update", (u) => {
    updates.push(u);
    for (const w of [...waiters]) {
      if (w.pred(u)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(u);
      }
    }
  });
  return {
    sock,
    updates,
    waitFor(pred, timeoutMs = 5000) {
      const seen = updates.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching connection.update within ${timeoutMs} ms; got ${JSON.stringify(updates.map((x) => ({ ...x, lastDisconnect: x.lastDisconnect?.error?.message })))}`)), timeoutMs);
        waiters.push({ pred, resolve: (u) => (clearTimeout(timer), resolve(u)) });
      });
    },
    end() {
      sock.end(undefined);
    },
  };
}
