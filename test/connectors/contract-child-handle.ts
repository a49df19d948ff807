/** Spawns and drives the contract's child gateway (contract-child.ts) over its REST API. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { InstanceView } from "../../src/core/api.js";
import type { GatewayHandle } from "./contract.js";

export const CONTRACT_CHILD_TOKEN = "sba_contract-child-account-token-0123456789";
const ENTRY = fileURLToPath(new URL("./contract-child.ts", import.meta.url));

/** A running child gateway. */
export interface ChildHandle {
  /** The verbs over its REST API. */
  handle: GatewayHandle;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are read field by field
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Resolves once stdout printed a line starting with `prefix`. */
  waitFor(prefix: string, ms?: number): Promise<string>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), then waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the child on `dataDir` with the driver's module and env, pausing logouts at `pauseAt`. */
export async function spawnContractChild(dataDir: string, spec: { driverModule: string; env: Record<string, string> }, pauseAt: string | undefined): Promise<ChildHandle> {
  const proc = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: {
      ...process.env,
      SB_DATA: dataDir,
      SB_DRIVER_MODULE: spec.driverModule,
      SB_DRIVER_ENV: JSON.stringify(spec.env),
      ...(pauseAt ? { SB_PAUSE_AT: pauseAt } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (errOut += d.toString()));
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const waitFor = async (prefix: string, ms = 30_000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const line = out.split("\n").find((l) => l.startsWith(prefix));
      if (line !== undefined) return line;
      if (!alive) throw new Error(`the child exited before ${prefix}; stderr: ${errOut.slice(-2000)}`);
      if (Date.now() > end) throw new Error(`the child did not print ${prefix}; stderr: ${errOut.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const url = (await waitFor("READY")).slice("READY ".length).trim();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${CONTRACT_CHILD_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const ok = async (method: string, path: string, body?: unknown): Promise<InstanceView> => {
    const r = await api(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as InstanceView;
  };
  const handle: GatewayHandle = {
    connect: (name, login, wait) =>
      ok("POST", `/v1/instances/${name}/connect`, {
        ...(login ? { login: { method: login.method, ...login.input } } : {}),
        ...(wait ? { wait, timeoutMs: 20_000 } : {}),
      }),
    qr: async (name) => {
      const r = await api("GET", `/v1/instances/${name}/qr`);
      if (r.status !== 200) throw new Error(`qr ${name}: ${r.status}`);
      return r.body.qr as string;
    },
    view: (name) => ok("GET", `/v1/instances/${name}`),
  };
  return {
    handle,
    api,
    waitFor,
    async kill() {
      if (alive) proc.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (alive) proc.kill("SIGTERM");
      await exited;
    },
  };
}
