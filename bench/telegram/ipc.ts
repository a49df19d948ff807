/**
 * Request/response over the IPC channel of a child process (`spawn(..., {stdio: [..., "ipc"]})`):
 * the parent calls `child.call(cmd, args)`, the child answers with the handler of `cmd`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Child {
  proc: ChildProcess;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to exit and waits for it. */
  stop(): Promise<void>;
}

/** Spawns `file` (a module next to this one, compiled) with `execArgv`, and wires up calls. */
export function spawnChild(file: string, execArgv: string[] = []): Child {
  const proc = spawn(process.execPath, [...execArgv, fileURLToPath(new URL(file, import.meta.url))], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    proc.on("exit", (code, signal) => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error(`${file} exited (${code ?? signal}) before answering`));
      pending.clear();
      resolve();
    }),
  );
  proc.on("message", (m: Response) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${file}: ${m.error ?? "failed"}`));
  });
  return {
    proc,
    call<T>(cmd: string, args: unknown = {}): Promise<T> {
      if (exited) return Promise.reject(new Error(`${file} has exited`));
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, cmd, args } satisfies Request);
      });
    },
    async stop() {
      if (!exited) proc.kill("SIGTERM");
      await exitedP;
    },
  };
}

/** In a child: answers the parent's calls with `handlers`; exits on SIGTERM or when the parent goes away. */
export function serve(handlers: Record<string, (args: never) => unknown>, onExit: () => Promise<void> | void = () => {}): void {
  if (!process.send) throw new Error("not started with an IPC channel");
  process.on("message", (m: Request) => {
    const handler = handlers[m.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${m.cmd}`);
        return handler(m.args as never);
      })
      .then(
        (result) => process.send?.({ id: m.id, ok: true, result } satisfies Response),
        (e: unknown) => process.send?.({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies Response),
      );
  });
  let exiting = false;
  const exit = (): void => {
    if (exiting) return;
    exiting = true;
    Promise.resolve()
      .then(onExit)
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", exit);
  process.on("disconnect", exit);
}

/** Stops every given child (null ones skipped) at once; a child still running after 20 s is SIGKILLed. */
export async function stopAll(...children: Array<Child | null>): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (!c) return;
      const killer = setTimeout(() => c.proc.kill("SIGKILL"), 20_000);
      await c.stop();
      clearTimeout(killer);
    }),
  );
}
