import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `switchboard sandbox telegram`: the real CLI in a child process (`node --import tsx
 * src/cli/main.ts`, as test/cli/e2e does), stopped by a signal.
 */
const ROOT = resolve(import.meta.dirname, "../../..");
const MAIN = join(ROOT, "src/cli/main.ts");

describe("switchboard sandbox telegram", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints the apiRoot, the control URL and the bots' tokens, serves, and stops on ${signal}`, async () => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", MAIN, "--json", "sandbox", "telegram", "--port", "0", "--profile", "local", "--no-flood", "--bot", "first_bot", "--bot", "second_bot"],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
      );
      let out = "";
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const doc = await new Promise<{ apiRoot: string; controlUrl: string; profile: string; bots: Array<{ username: string; token: string }> }>(
        (resolveDoc, reject) => {
          const timer = setTimeout(() => reject(new Error(`no banner:\n${err}`)), 15_000);
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            try {
              const parsed = JSON.parse(out) as { apiRoot: string; controlUrl: string; profile: string; bots: Array<{ username: string; token: string }> };
              clearTimeout(timer);
              resolveDoc(parsed);
            } catch {
              // not complete yet
            }
          });
          void exited.then((code) => reject(new Error(`exited with ${code}:\n${err}`)));
        },
      );
      expect(doc.profile).toBe("local");
      expect(doc.controlUrl).toBe(`${doc.apiRoot}/sandbox`);
      expect(doc.bots.map((b) => b.username)).toEqual(["first_bot", "second_bot"]);

      const me = (await (await fetch(`${doc.apiRoot}/bot${doc.bots[0]!.token}/getMe`)).json()) as { result: { username: string } };
      expect(me.result.username).toBe("first_bot");
      const settings = (await (await fetch(`${doc.controlUrl}/settings`)).json()) as { result: { profile: string; flood: unknown } };
      expect(settings.result).toMatchObject({ profile: "local", flood: false });

      child.kill(signal);
      expect(await exited).toBe(0);
    });
  }

  it("prints the URLs as text without --json", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "sandbox", "telegram", "--port", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await new Promise<void>((resolveOut, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("Ctrl-C")) {
          clearTimeout(timer);
          resolveOut();
        }
      });
    });
    expect(out).toMatch(/^apiRoot: +http:\/\/127\.0\.0\.1:\d+ /m);
    expect(out).toMatch(/^control API: http:\/\/127\.0\.0\.1:\d+\/sandbox$/m);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
