import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Switchboard, type SwitchboardEvent } from "../../client/src/index.js";
import { run } from "../../src/cli/program.js";
import { captureIo } from "../cli/fake-gateway.js";
import { until } from "../support/gateway-harness.js";
import { ACCOUNT_TOKEN, startTestGateway, type TestGateway } from "./gateway.js";

/** `switchboard events tail` against a real gateway: in-process (output, exit codes) and as a child process (SIGINT). */
const ROOT = resolve(import.meta.dirname, "../..");
let gw: TestGateway;
let sb: Switchboard;
let accountId: string;
let instanceToken: string;

beforeAll(async () => {
  for (const k of ["SWITCHBOARD_URL", "SWITCHBOARD_TOKEN"]) delete process.env[k];
  gw = await startTestGateway();
  sb = new Switchboard({ url: gw.url, token: ACCOUNT_TOKEN });
  accountId = gw.platform.addTokenAccount("tail-token");
  instanceToken = (await sb.createInstance({ name: "tailed", platform: "memory" })).token!;
  await sb.createInstance({ name: "other", platform: "memory" });
  await sb.instance("tailed").connect({ login: { method: "token", token: "tail-token" }, wait: "connected" });
});
afterAll(async () => {
  await gw.dispose();
});

async function cli(args: string[], token = ACCOUNT_TOKEN) {
  const cap = captureIo();
  const code = await run(["--url", gw.url, "--token", token, ...args], cap.io);
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

/** The id of the newest stored event. */
async function lastId(): Promise<string> {
  let last = "";
  for await (const page of sb.replay({ limit: 1000 })) if (page.items.length > 0) last = page.items.at(-1)!.id;
  return last;
}

describe("events tail", () => {
  it("--json prints one event per line (NDJSON) and exits after --count", async () => {
    const after = await lastId();
    const tail = cli(["events", "tail", "--json", "--instance", "tailed", "--type", "message.received", "--after", after, "--count", "3"]);
    for (let i = 1; i <= 3; i++) await gw.platform.deliver(accountId, `hello ${i}`);
    const r = await tail;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as SwitchboardEvent);
    expect(lines.map((e) => (e.type === "message.received" ? e.data.body : e.type))).toEqual(["hello 1", "hello 2", "hello 3"]);
    expect(lines.every((e) => e.instance === "tailed")).toBe(true);
    expect(r.stderr).toBe("");
  });

  it("prints one readable line per event; an instance token sees its own instance", async () => {
    const after = await lastId();
    const tail = cli(["events", "tail", "--after", after, "--count", "2"], instanceToken);
    await gw.platform.deliver(accountId, "line one\nline two");
    await sb.instance("tailed").close();
    const r = await tail;
    await sb.instance("tailed").connect({ wait: "connected" });
    expect(r.code).toBe(0);
    const [msg, status] = r.stdout.trimEnd().split("\n");
    expect(msg).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}tailed {2}message\.received {2}from contact-1 in contact-1: line one↵line two$/);
    expect(status).toMatch(/ {2}tailed {2}instance\.status {2}stopped \(closed\) \(was connected, desired \w+\)$/);
  });

  it("bad input: a message and a non-zero exit code", async () => {
    const usage = await cli(["events", "tail", "--count", "0"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--count");

    const missing = await cli(["events", "tail", "--instance", "nobody"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("INSTANCE_NOT_FOUND");

    const expired = await cli(["events", "tail", "--after", "evt_unknown"]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain("EVENTS_EXPIRED");

    const forbidden = await cli(["events", "tail", "--instance", "other"], instanceToken);
    expect(forbidden.code).toBe(4);

    const badToken = await cli(["events", "tail"], "sbk_not_a_token");
    expect(badToken.code).toBe(4);
    expect(badToken.stderr).not.toContain("sbk_not_a_token");

    const badType = await cli(["--json", "events", "tail", "--type", "NOT A TYPE"]);
    expect(badType.code).toBe(1);
    expect((JSON.parse(badType.stderr) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
  });

  it("as a child process: follows live events and exits 0 on SIGINT", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "events", "tail", "--json"], {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_URL: gw.url, SWITCHBOARD_TOKEN: ACCOUNT_TOKEN, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    // "From now": deliver until the child's stream is open and shows one.
    await until(
      async () => {
        await gw.platform.deliver(accountId, "ping");
        return stdout.includes('"body":"ping"');
      },
      15_000,
      `the child to print an event (stderr: ${stderr})`,
    );
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const first = JSON.parse(stdout.split("\n")[0]!) as SwitchboardEvent;
    expect(first).toMatchObject({ type: "message.received", instance: "tailed" });
  }, 30_000);
});
