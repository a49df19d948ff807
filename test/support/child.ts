import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CHILD_TOKEN = "sba_child-test-account-token-0123456789abcdef";
const entry = fileURLToPath(new URL("./child-gateway.ts", import.meta.url));

/** A running child gateway and its output so far. */
export interface Child {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout has printed a line starting with `prefix`. */
  waitFor(prefix: string, ms?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are asserted field by field
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Spawns `child-gateway.ts` and waits for READY (unless `waitReady` is false). */
export async function spawnGateway(env: Record<string, string>, waitReady = true): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  const waiters: (() => void)[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    errOut += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  const waitFor = (prefix: string, ms = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = out.split("\n").find((l) => l.startsWith(prefix));
        if (line !== undefined) {
          clearTimeout(t);
          resolve(line);
        }
      };
      const t = setTimeout(() => reject(new Error(`child did not print ${prefix}; stderr: ${errOut.slice(-2000)}`)), ms);
      waiters.push(check);
      check();
      void exited.then(() => {
        check();
        setTimeout(() => reject(new Error(`child exited before ${prefix}; stderr: ${errOut.slice(-2000)}`)), 10);
      });
    });
  const child: Child = {
    proc,
    url: "",
    stdout: () => out,
    stderr: () => errOut,
    waitFor,
    exited,
    async api(method, path, body) {
      const res = await fetch(child.url + path, {
        method,
        headers: { authorization: `Bearer ${CHILD_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
  if (waitReady) child.url = (await waitFor("READY ")).slice("READY ".length).trim();
  return child;
}
