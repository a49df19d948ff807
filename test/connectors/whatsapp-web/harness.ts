/**
 * End-to-end harness for the WhatsApp Web connector: the real gateway (`startServer`: SQLite in a
 * temp dir, vault, core, REST API) with `whatsappWebConnector`, the WhatsApp Web sandbox, and the
 * pinned Baileys inside the connector. Tests drive the gateway through its REST API and the sandbox
 * through its control API, as a user and a phone would; `message.*` and lifecycle events are
 * collected from the gateway's bus.
 *
 * Also: `spawnWaGateway` runs the same gateway in a child process (child-gateway.ts) for the crash
 * tests, against a sandbox that lives in the test process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { AuthenticationCreds } from "baileys";
import { readCreds } from "../../../src/connectors/whatsapp-web/auth-state.js";
import { whatsappWebConnector } from "../../../src/connectors/whatsapp-web/index.js";
import type { ServeOptions } from "../../../src/server.js";
import { type RunningServer, startServer } from "../../../src/server.js";
import type { EventEnvelope } from "../../../src/events/types.js";
import { CREDENTIALS_KEY, Vault, aadFor, decodeJson, deriveMasterKey } from "../../../src/vault/index.js";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { until } from "../../support/gateway-harness.js";

export { until };

/** The connector's platform id. */
export const PLATFORM = "whatsapp-web";
/** Baileys rc14's own WhatsApp Web version, given in every config so that no test fetches web.whatsapp.com. */
export const WA_VERSION = "2.3000.1043857760";
export const ACCOUNT_TOKEN = "sba_wa-e2e-account-token-0123456789abcdef01";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
export type Json = any;

export interface Answer {
  status: number;
  body: Json;
}

/** A JSON request; `token` is sent as a bearer token when given. */
export async function request(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : null };
}

/** The sandbox side: phones, their devices and contacts, through the control API. */
export class SandboxControl {
  constructor(readonly sandbox: WhatsAppWebSandbox) {}

  call(method: string, path: string, body?: unknown): Promise<Answer> {
    return request(this.sandbox.url, method, path, body);
  }

  /** A new phone (an account); answers its id and number. */
  async phone(): Promise<{ id: string; number: string }> {
    const r = await this.call("POST", "/sandbox/phones", {});
    if (r.status !== 201) throw new Error(`POST /sandbox/phones: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string; number: string };
  }

  /** The phone's linked devices (`GET /sandbox/phones/:id/devices`). */
  async devices(phoneId: string): Promise<Array<{ device: number; jid: string; connected: boolean }>> {
    const r = await this.call("GET", `/sandbox/phones/${phoneId}/devices`);
    if (r.status !== 200) throw new Error(`devices: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.devices as Array<{ device: number; jid: string; connected: boolean }>;
  }

  /** The phone scans `qr`; resolves once the client signed (then the 515 follows). */
  async scan(phoneId: string, qr: string): Promise<{ jid: string; lid: string }> {
    const r = await this.call("POST", `/sandbox/phones/${phoneId}/scan`, { qr });
    if (r.status !== 200) throw new Error(`scan: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { jid: string; lid: string };
  }

  /** Connections logged in now as a linked device of the phone with `number`. */
  loggedInTo(number: string): number {
    return this.sandbox.connections().filter((c) => c.loggedIn?.phone.number === number).length;
  }
}

/** Polls `read` until `pred` holds; answers the last value read (the caller asserts it). */
export async function poll<T>(read: () => Promise<T>, pred: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (pred(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The id of instance `name`, read from the SQLite file (the REST API shows names only). */
export function instanceId(dataDir: string, name: string): string {
  const db = new Database(join(dataDir, "switchboard.db"), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("select id from instances where name = ?").get(name) as { id: string } | undefined;
    if (!row) throw new Error(`no instance ${name}`);
    return row.id;
  } finally {
    db.close();
  }
}

/** Rows of the `secrets` table (credentials and Signal keys) of `instanceId`, read from the SQLite file. */
export function secretRows(dataDir: string, instanceId: string): number {
  const db = new Database(join(dataDir, "switchboard.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("select count(*) as n from secrets where instance_id = ?").get(instanceId) as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * The Baileys creds an instance stored, read from the SQLite file and opened with the master key
 * derived from `secret` (as a thief with the database and the secret would), e.g. to start a second
 * client on the same device.
 */
export function storedCreds(dataDir: string, secret: string, instanceId: string): AuthenticationCreds {
  const db = new Database(join(dataDir, "switchboard.db"), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("select sealed from secrets where instance_id = ? and key = ?").get(instanceId, CREDENTIALS_KEY) as { sealed: Buffer } | undefined;
    if (!row) throw new Error(`no stored credentials for ${instanceId}`);
    const plain = new Vault(deriveMasterKey(secret)).open(Buffer.from(row.sealed), aadFor(instanceId, CREDENTIALS_KEY));
    const creds = readCreds(decodeJson(plain) as Record<string, unknown>);
    if (!creds) throw new Error(`stored credentials of ${instanceId} hold no creds`);
    return creds;
  } finally {
    db.close();
  }
}

export interface WaHarness {
  dir: string;
  server: RunningServer;
  sandbox: WhatsAppWebSandbox;
  phones: SandboxControl;
  /** Every event the gateway published, in order. */
  events: EventEnvelope[];
  /** The gateway's REST API with the account token. */
  api(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Creates an instance pointed at the sandbox; answers its id. */
  create(name: string, config?: Record<string, unknown>): Promise<string>;
  /** `GET /v1/instances/:name`. */
  view(name: string): Promise<Json>;
  /** Waits until the instance's status satisfies `pred`; answers the view. */
  untilStatus(name: string, pred: (status: Json) => boolean, ms?: number): Promise<Json>;
  /** connect with a QR login → the QR → `phoneId` scans → connected. Answers the QR and the view. */
  linkByQr(name: string, phoneId: string): Promise<{ qr: string; view: Json }>;
  /** Count of the instance's `secrets` rows. */
  secretRows(instanceId: string): number;
  dispose(): Promise<void>;
}

export interface WaHarnessOptions {
  /** Use this sandbox (not closed by dispose) instead of starting one. */
  useSandbox?: WhatsAppWebSandbox;
  gateway?: ServeOptions["gateway"];
}

/** Starts a sandbox (unless given) and a gateway with the whatsapp-web connector trusting it. */
export async function waHarness(opts: WaHarnessOptions = {}): Promise<WaHarness> {
  const dir = mkdtempSync(join(tmpdir(), "sb-wa-e2e-"));
  const sandbox = opts.useSandbox ?? (await startWhatsAppWebSandbox({ port: 0 }));
  const server = await startServer({
    dataDir: dir,
    port: 0,
    allowPrivateUrls: true, // the sandbox listens on 127.0.0.1
    secret: "wa-e2e-secret",
    accountToken: ACCOUNT_TOKEN,
    rateLimitPerMinute: 1_000_000, // the tests poll the status
    logLevel: process.env["SB_LOG"] ?? "silent",
    connectors: [whatsappWebConnector({ trustRootPublicKey: sandbox.rootPublicKey, fetchLatestVersion: false })],
    gateway: {
      policy: { baseMs: 50, capMs: 200, debounceMs: 0, maxAttempts: 1000 },
      timeouts: { platformCallMs: 5_000, closeMs: 3_000, shutdownMs: 5_000 },
      ...opts.gateway,
    },
  });
  const events: EventEnvelope[] = [];
  server.gateway.bus.subscribe((e) => events.push(e.envelope));
  const api = (method: string, path: string, body?: unknown): Promise<Answer> => request(server.url, method, path, body, ACCOUNT_TOKEN);
  const view = async (name: string): Promise<Json> => {
    const r = await api("GET", `/v1/instances/${name}`);
    if (r.status !== 200) throw new Error(`GET ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const phones = new SandboxControl(sandbox);
  const h: WaHarness = {
    dir,
    server,
    sandbox,
    phones,
    events,
    api,
    async create(name, config = {}) {
      const r = await api("POST", "/v1/instances", { name, platform: PLATFORM, config: { websocketUrl: sandbox.wsUrl, version: WA_VERSION, ...config } });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
      return instanceId(dir, name);
    },
    view,
    async untilStatus(name, pred, ms = 10_000) {
      const v = await poll(() => view(name), (x) => pred(x.status), ms);
      if (!pred(v.status)) throw new Error(`${name}: status ${JSON.stringify(v.status)} after ${ms} ms`);
      return v;
    },
    async linkByQr(name, phoneId) {
      const c = await api("POST", `/v1/instances/${name}/connect`, { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
      if (c.status !== 200) throw new Error(`connect ${name}: ${c.status} ${JSON.stringify(c.body)}`);
      const q = await api("GET", `/v1/instances/${name}/qr`);
      if (q.status !== 200) throw new Error(`qr ${name}: ${q.status} ${JSON.stringify(q.body)}`);
      await phones.scan(phoneId, q.body.qr as string);
      const v = await h.untilStatus(name, (s) => s.state === "connected");
      return { qr: q.body.qr as string, view: v };
    },
    secretRows: (instanceId) => secretRows(dir, instanceId),
    async dispose() {
      await server.close();
      if (!opts.useSandbox) await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

// ---------------------------------------------------------------------------- child process

const CHILD_ENTRY = fileURLToPath(new URL("./child-gateway.ts", import.meta.url));

/** A gateway child process (child-gateway.ts) and its output. */
export interface WaChild {
  proc: ChildProcess;
  url: string;
  /** Resolves with the first stdout line starting with `prefix`. */
  waitFor(prefix: string, ms?: number): Promise<string>;
  exited: Promise<number | string>;
  api(method: string, path: string, body?: unknown): Promise<Answer>;
}

/**
 * Spawns child-gateway.ts on `dataDir` (trusting `sandbox`), pausing a logout forever at `pauseAt`
 * (a core logout step) when given; resolves once it printed READY.
 */
export async function spawnWaGateway(dataDir: string, sandbox: WhatsAppWebSandbox, pauseAt?: string): Promise<WaChild> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD_ENTRY], {
    env: {
      ...process.env,
      SB_DATA: dataDir,
      SB_WA_ROOT: Buffer.from(sandbox.rootPublicKey).toString("base64"),
      SB_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
      ...(pauseAt ? { SB_PAUSE_AT: pauseAt } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  const wake: Array<() => void> = [];
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (const w of [...wake]) w();
  });
  proc.stderr!.on("data", (d: Buffer) => (errOut += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  const waitFor = (prefix: string, ms = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not print ${prefix}; stderr: ${errOut.slice(-2000)}`)), ms);
      const check = (): void => {
        const line = out.split("\n").find((l) => l.startsWith(prefix));
        if (line === undefined) return;
        clearTimeout(timer);
        resolve(line);
      };
      wake.push(check);
      check();
      void exited.then(() => setTimeout(() => reject(new Error(`child exited before ${prefix}; stderr: ${errOut.slice(-2000)}`)), 10));
    });
  const child: WaChild = {
    proc,
    url: "",
    waitFor,
    exited,
    api: (method, path, body) => request(child.url, method, path, body, ACCOUNT_TOKEN),
  };
  child.url = (await waitFor("READY ")).slice("READY ".length).trim();
  return child;
}
