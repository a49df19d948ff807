import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");
const fixture = join(here, "fixtures", "lock-holder.ts");

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line. */
  firstLine: Promise<string>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

function startChild(dataDir: string, mode: "hold" | "try"): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", fixture, dataDir, mode], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  proc.stderr?.on("data", (d: Buffer) => (errOut += d.toString()));
  const exited = new Promise<number | string>((res) => proc.on("exit", (code, signal) => res(code ?? signal ?? -1)));
  const firstLine = new Promise<string>((res, rej) => {
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) res(out.slice(0, nl));
    });
    void exited.then((code) => rej(new Error(`child exited (${code}) before printing a line: ${errOut}`)));
  });
  return { proc, firstLine, exited };
}

describe("SQLite data-dir lock across processes", () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const newDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), "sb-lock-"));
    dirs.push(d);
    return join(d, "data");
  };

  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("refuses this process while another process holds the data dir", async () => {
    const dir = newDir();
    const holder = startChild(dir, "hold");
    children.push(holder.proc);
    expect(await holder.firstLine).toBe("LOCKED");

    const e = await openSqliteStore({ dataDir: dir }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "SwitchboardError", code: "INVALID_STATE" });
    const message = (e as Error).message;
    expect(message).toBe(
      `Another Switchboard gateway is already using the data directory ${dir} (lock: ${join(dir, "gateway.lock")}). ` +
        "Stop it first, or start this one with another --data directory.",
    );
  });

  it("refuses another process while this process holds the data dir, and lets it in after close", async () => {
    const dir = newDir();
    const store = await openSqliteStore({ dataDir: dir });
    try {
      const second = startChild(dir, "try");
      children.push(second.proc);
      const line = JSON.parse(await second.firstLine) as { code: string; message: string };
      expect(line.code).toBe("INVALID_STATE");
      expect(line.message).toContain(`data directory ${dir}`);
      expect(await second.exited).toBe(3);
    } finally {
      await store.close();
    }
    const third = startChild(dir, "try");
    children.push(third.proc);
    expect(await third.firstLine).toBe("LOCKED");
    expect(await third.exited).toBe(0);
  });

  it("releases the lock when the holder is SIGKILLed", async () => {
    const dir = newDir();
    const holder = startChild(dir, "hold");
    children.push(holder.proc);
    expect(await holder.firstLine).toBe("LOCKED");
    await expect(openSqliteStore({ dataDir: dir })).rejects.toMatchObject({ code: "INVALID_STATE" });

    holder.proc.kill("SIGKILL");
    expect(await holder.exited).toBe("SIGKILL");

    const store = await openSqliteStore({ dataDir: dir });
    await store.migrate();
    await store.ping();
    await store.close();
  });
});
