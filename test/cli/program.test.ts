import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { InstanceView } from "../../src/core/api.js";
import { connectTiming } from "../../src/cli/commands/instances.js";
import { run } from "../../src/cli/program.js";
import { captureIo, envelope, startFakeGateway, type FakeGateway } from "./fake-gateway.js";

/**
 * The CLI program run in-process against a fake gateway (client-side behaviour: requests sent,
 * output printed, exit codes). The real gateway is covered by e2e.test.ts.
 */
let gw: FakeGateway;
const TOKEN = "sba_TEST_TOKEN_1234";
const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));

beforeAll(async () => {
  for (const k of ["SWITCHBOARD_URL", "SWITCHBOARD_TOKEN"]) delete process.env[k];
  gw = await startFakeGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.requests.length = 0;
});

async function cli(args: string[], ioOpts: Parameters<typeof captureIo>[0] = {}) {
  const cap = captureIo(ioOpts);
  const code = await run(["--url", gw.url, "--token", TOKEN, ...args], cap.io);
  return { code, stdout: cap.stdout(), stderr: cap.stderr(), prompts: cap.prompts, bytes: cap.stdoutBytes() };
}

function view(name: string, over: Partial<InstanceView> = {}): InstanceView {
  return {
    name,
    platform: "telegram",
    config: {},
    metadata: {},
    desired: "stopped",
    status: { state: "stopped", reason: "user" },
    hasCredentials: false,
    logoutPending: false,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

describe("output modes", () => {
  it("--json prints the API's document as is, one document on stdout", async () => {
    const page = { items: [view("a"), view("b")], next: null };
    gw.on("GET", "/v1/instances", { body: page });
    const r = await cli(["instances", "list", "--json", "--platform", "telegram", "--limit", "2"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(page);
    expect(r.stderr).toBe("");
    expect(gw.requests[0]!.url).toBe("/v1/instances?limit=2&platform=telegram");
    expect(gw.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("list --all follows `next`; without it a hint names the cursor", async () => {
    gw.on("GET", "/v1/instances", (req) =>
      req.query.get("after") === "a"
        ? { body: { items: [view("b", { hasCredentials: true })], next: null } }
        : { body: { items: [view("a")], next: "a" } },
    );
    const all = await cli(["--json", "instances", "list", "--all"]);
    expect(JSON.parse(all.stdout)).toMatchObject({ items: [{ name: "a" }, { name: "b" }], next: null });
    expect(gw.requests.map((r) => r.query.get("after"))).toEqual([null, "a"]);

    const one = await cli(["instances", "list"]);
    expect(one.stdout).toBe("NAME  PLATFORM  STATUS   DESIRED  CREDENTIALS\na     telegram  stopped  stopped  no\n");
    expect(one.stderr).toBe("more instances: run again with --after a, or use --all\n");
  });
});

describe("instances create/get", () => {
  it("sends config from @file and metadata inline, and prints the token once", async () => {
    gw.on("POST", "/v1/instances", (req) => ({
      status: 201,
      body: { instance: view((req.body as { name: string }).name, { status: { state: "stopped", reason: "created" } }), token: "sbi_NEW" },
    }));
    const cfg = join(dir, "cfg.json");
    writeFileSync(cfg, '{"apiBase":"http://127.0.0.1:9"}');
    const r = await cli(["instances", "create", "bot", "--platform", "telegram", "--config", `@${cfg}`, "--metadata", '{"team":"x"}', "--start"]);
    expect(r.code).toBe(0);
    expect(gw.requests[0]!.body).toEqual({ name: "bot", platform: "telegram", config: { apiBase: "http://127.0.0.1:9" }, metadata: { team: "x" }, start: true });
    expect(r.stdout).toContain("created bot (telegram): stopped (just created, not connected yet)\nnext: switchboard instances connect bot");
    expect(r.stdout.split("sbi_NEW").length - 1).toBe(1);
    expect(r.stdout).toContain("Instance token (shown once, store it now): sbi_NEW");
  });

  it("refuses bad JSON options as a usage error (exit 2) without sending anything or echoing the value", async () => {
    const r = await cli(["instances", "create", "bot", "--platform", "telegram", "--config", "{nope SECRETVALUE"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --config: not valid JSON (use '{\"key\": \"value\"}' or @file)\n");
    expect(gw.requests).toHaveLength(0);
    expect((await cli(["instances", "create", "bot", "--platform", "t", "--config", "[1]"])).stderr).toContain("must be a JSON object");
  });

  it("maps 404 to exit 5 with `error: <message> (<CODE>)`", async () => {
    gw.on("GET", "/v1/instances/missing", { status: 404, body: envelope("INSTANCE_NOT_FOUND", "No instance has that name.", { details: { name: "missing" } }) });
    const r = await cli(["instances", "get", "missing"]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: No instance has that name. (INSTANCE_NOT_FOUND)\n  details: {"name":"missing"}\n');
    const j = await cli(["--json", "instances", "get", "missing"]);
    expect(j.code).toBe(5);
    expect(j.stdout).toBe("");
    expect(JSON.parse(j.stderr)).toEqual(envelope("INSTANCE_NOT_FOUND", "No instance has that name.", { details: { name: "missing" } }));
  });

  it("maps 401/403 to exit 4 and never prints the token, even if the server echoes it", async () => {
    gw.on("GET", "/v1/instances/echo", { status: 401, body: envelope("UNAUTHENTICATED", `bad token ${TOKEN}`) });
    gw.on("GET", "/v1/instances/other", { status: 403, body: envelope("FORBIDDEN", "This token may not do that.") });
    const r = await cli(["instances", "get", "echo"]);
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stderr).toContain("bad token [redacted] (UNAUTHENTICATED)");
    expect((await cli(["--json", "instances", "get", "echo"])).stderr).not.toContain(TOKEN);
    expect((await cli(["instances", "get", "other"])).code).toBe(4);
  });

  it("maps other API errors to exit 1 and usage errors to exit 2", async () => {
    gw.on("POST", "/v1/instances/a/logout", { status: 502, body: envelope("LOGOUT_UNCONFIRMED", "The platform could not confirm the logout.") });
    expect((await cli(["instances", "logout", "a"])).code).toBe(1);
    const unknown = await cli(["instances", "get", "a", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    expect((await cli(["instances", "get"])).code).toBe(2);
    expect((await cli(["instances", "connect", "a", "--wait", "forever"])).code).toBe(2);
    expect((await cli(["--version"])).code).toBe(0);
    expect(gw.requests.filter((r) => r.path !== "/v1/instances/a/logout")).toHaveLength(0);
  });
});

describe("instances connect/restart", () => {
  const QR_TEXT = "2@abcdefghijklmnopqrstuvwxyz0123456789";

  it("sends login {method, ...input} and the wait in the query, and renders a pending QR", async () => {
    gw.on("POST", "/v1/instances/wa/connect", {
      body: view("wa", { desired: "running", status: { state: "awaiting_login", method: "qr", qr: QR_TEXT, attempt: 1 } }),
    });
    const r = await cli(["instances", "connect", "wa", "--wait", "awaiting_login", "--timeout", "5000", "--login-method", "qr", "--login", '{"x":1}']);
    expect(r.code).toBe(0);
    expect(gw.requests[0]!.body).toEqual({ login: { x: 1, method: "qr" } });
    expect(gw.requests[0]!.url).toBe("/v1/instances/wa/connect?wait=awaiting_login&timeoutMs=5000");
    expect(r.stdout).toContain("wa: awaiting_login (method: qr, attempt 1)");
    expect(r.stdout).toMatch(/[▀▄█]/);
    expect(r.stdout).toContain("Scan this QR code");
    expect(r.stdout).not.toContain(QR_TEXT);
  });

  it("--json prints the view and never renders the QR", async () => {
    const v = view("wa", { status: { state: "awaiting_login", method: "qr", qr: QR_TEXT, attempt: 1 } });
    gw.on("POST", "/v1/instances/wa/restart", { body: v });
    const r = await cli(["--json", "instances", "restart", "wa", "--login", '{"method":"qr"}']);
    expect(JSON.parse(r.stdout)).toEqual(v);
    expect(gw.requests[0]!.body).toEqual({ login: { method: "qr" } });
  });

  it("with --wait connected, shows the QR, re-shows a new one, and ends connected (polling with GET)", async () => {
    connectTiming.pollMs = 10;
    gw.on("POST", "/v1/instances/wa/connect", { body: view("wa", { status: { state: "awaiting_login", method: "qr", attempt: 1 } }) });
    gw.on("GET", "/v1/instances/wa/qr", { body: { qr: QR_TEXT, expiresAt: null, attempt: 1 } });
    const polls = [
      view("wa", { status: { state: "awaiting_login", method: "qr", attempt: 1 } }),
      view("wa", { status: { state: "awaiting_login", method: "qr", qr: `${QR_TEXT}-2`, attempt: 2 } }),
      view("wa", { status: { state: "connected", since: 0, self: { id: "123@s.whatsapp.net" } } }),
    ];
    gw.on("GET", "/v1/instances/wa", () => ({ body: polls.shift() }));
    const r = await cli(["instances", "connect", "wa", "--wait", "connected", "--timeout", "60000"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(gw.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      "POST /v1/instances/wa/connect?wait=awaiting_login&timeoutMs=60000",
      "GET /v1/instances/wa/qr",
      "GET /v1/instances/wa",
      "GET /v1/instances/wa",
      "GET /v1/instances/wa",
    ]);
    expect(r.stdout.match(/Scan this QR code/g)).toHaveLength(2);
    expect(r.stdout).toContain("wa: awaiting_login (method: qr, attempt 2)");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("wa: connected as 123@s.whatsapp.net since 1970-01-01T00:00:00.000Z");
  });

  it("with --wait connected, gives up after --timeout with the login still pending (exit 1)", async () => {
    connectTiming.pollMs = 10;
    const pending = view("wa", { status: { state: "awaiting_login", method: "qr", qr: QR_TEXT, attempt: 1 } });
    gw.on("POST", "/v1/instances/wa/connect", { body: pending });
    gw.on("GET", "/v1/instances/wa", { body: pending });
    const r = await cli(["instances", "connect", "wa", "--wait", "connected", "--timeout", "100"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no login within 1 s; the login is still pending .* \(TIMEOUT\)\n/);
    expect(r.stdout.match(/Scan this QR code/g)).toHaveLength(1);
    expect(gw.requests.filter((q) => q.method === "POST")).toHaveLength(1);
  });

  it("exits 1 when a wait ends in another settled state", async () => {
    const failed = view("t", { status: { state: "failed", error: { code: "PLATFORM_UNREACHABLE", message: "down" } } });
    gw.on("POST", "/v1/instances/t/connect", { body: failed });
    const j = await cli(["--json", "instances", "connect", "t", "--wait", "connected"]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual(failed);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { code: "WAIT_NOT_REACHED", details: { status: "failed" } } });
    const h = await cli(["instances", "connect", "t", "--wait", "connected"]);
    expect(h.code).toBe(1);
    expect(h.stderr).toBe("error: t did not reach connected: failed (PLATFORM_UNREACHABLE: down) (WAIT_NOT_REACHED)\n  details: {\"status\":\"failed\"}\n");
  });

  it("without --wait, prints the status and a hint while the login starts", async () => {
    gw.on("POST", "/v1/instances/s/connect", { body: view("s", { desired: "running", status: { state: "starting" } }) });
    const r = await cli(["instances", "connect", "s"]);
    expect(r).toMatchObject({ code: 0, stdout: "s: starting\n" });
    expect(r.stderr).toContain("--wait awaiting_login");
    expect(gw.requests[0]!.url).toBe("/v1/instances/s/connect");
    expect(gw.requests[0]!.body).toEqual({});
  });

  it("needs a method when --login is given", async () => {
    const r = await cli(["instances", "connect", "t", "--login", '{"token":"x"}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--login needs a method");
  });
});

describe("instances close/logout/delete", () => {
  it("close posts an empty body; logout --force posts {force:true} and prints the outcome", async () => {
    gw.on("POST", "/v1/instances/a/close", { body: view("a") });
    gw.on("POST", "/v1/instances/a/logout", { body: { instance: "a", status: "logged_out", remote: "revoked", credentialsWiped: true } });
    expect((await cli(["instances", "close", "a"])).stdout).toBe("a: stopped (closed)\n");
    const r = await cli(["instances", "logout", "a", "--force"]);
    expect(gw.requests.map((q) => q.body)).toEqual([{}, { force: true }]);
    expect(r.stdout).toBe("a: logged out\nremote:             revoked (the platform ended the session)\ncredentials wiped:  yes\n");
  });

  it("delete refuses without --yes when stdin is not a TTY, asks on a TTY", async () => {
    gw.on("DELETE", "/v1/instances/a", { body: { instance: "a", deleted: true, remote: "not_supported" } });
    const refused = await cli(["instances", "delete", "a"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe("error: refusing to delete a without --yes (stdin is not a terminal)\n");
    const declined = await cli(["instances", "delete", "a"], { stdinIsTTY: true, answers: ["n"] });
    expect(declined.code).toBe(2);
    expect(declined.prompts[0]).toContain('Delete instance "a"?');
    expect(gw.requests).toHaveLength(0);
    const confirmed = await cli(["instances", "delete", "a"], { stdinIsTTY: true, answers: ["y"] });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toBe("a: deleted (remote logout: not_supported)\n");
    const yes = await cli(["--json", "instances", "delete", "a", "--yes"]);
    expect(JSON.parse(yes.stdout)).toEqual({ instance: "a", deleted: true, remote: "not_supported" });
    expect(gw.requests.map((q) => q.method)).toEqual(["DELETE", "DELETE"]);
  });
});

describe("instances qr/pairing-code/action", () => {
  it("writes an SVG to --out (owner-only) and refuses a PNG on a terminal", async () => {
    gw.on("GET", "/v1/instances/wa/qr", (req) =>
      req.query.get("format") === "svg"
        ? { headers: { "content-type": "image/svg+xml" }, body: "<svg/>" }
        : { body: { qr: "abc", expiresAt: 0, attempt: 3 } },
    );
    const out = join(dir, "qr.svg");
    const r = await cli(["instances", "qr", "wa", "--format", "svg", "--out", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("<svg/>");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain(`wrote ${out} (6 bytes, svg)`);
    expect(gw.requests[0]!.headers.accept).toBe("image/svg+xml");

    expect((await cli(["instances", "qr", "wa", "--format", "png"], { stdoutIsTTY: true })).code).toBe(2);
    const term = await cli(["instances", "qr", "wa"]);
    expect(term.stdout).toMatch(/[▀▄█][\s\S]*attempt 3, expires 1970-01-01T00:00:00.000Z\n$/);
    expect(JSON.parse((await cli(["--json", "instances", "qr", "wa"])).stdout)).toEqual({ qr: "abc", expiresAt: 0, attempt: 3 });
  });

  it("asks for a pairing code and runs an action with --input", async () => {
    gw.on("POST", "/v1/instances/wa/pairing-code", { body: { code: "ABCD-EFGH", expiresAt: null } });
    gw.on("POST", "/v1/instances/tg/actions/close-bot", (req) => ({ body: { result: { ok: true, got: req.body } } }));
    expect((await cli(["instances", "pairing-code", "wa", "+4915112345678"])).stdout).toContain("Pairing code: ABCD-EFGH\n");
    const a = await cli(["instances", "action", "tg", "close-bot", "--input", '{"n":1}']);
    expect(a.stdout).toBe('{\n  "ok": true,\n  "got": {\n    "n": 1\n  }\n}\n');
    await cli(["instances", "action", "tg", "close-bot"]);
    expect(gw.requests.map((q) => q.body)).toEqual([{ phoneNumber: "+4915112345678" }, { n: 1 }, {}]);
  });
});

describe("tokens and platforms", () => {
  it("creates (printed once), lists and revokes tokens", async () => {
    const record = { id: "tok_1", scope: "instance", instance: "a", label: "ci", createdAt: 0 };
    gw.on("POST", "/v1/tokens", { status: 201, body: { token: "sbi_FRESH", record } });
    gw.on("GET", "/v1/tokens", { body: { items: [record] } });
    gw.on("DELETE", "/v1/tokens/tok_1", { body: { id: "tok_1", revoked: true } });
    const c = await cli(["tokens", "create", "--scope", "instance", "--instance", "a", "--label", "ci"]);
    expect(gw.requests[0]!.body).toEqual({ scope: "instance", instance: "a", label: "ci" });
    expect(c.stdout.split("sbi_FRESH").length - 1).toBe(1);
    expect((await cli(["tokens", "list", "--instance", "a"])).stdout).toContain("tok_1  instance  a         ci");
    expect(gw.requests[1]!.url).toBe("/v1/tokens?instance=a");
    expect((await cli(["tokens", "revoke", "tok_1"])).stdout).toBe("revoked token tok_1\n");
    expect((await cli(["tokens", "create", "--scope", "instance"])).code).toBe(2);
    expect((await cli(["tokens", "create"])).code).toBe(2);
  });

  it("lists platforms", async () => {
    gw.on("GET", "/v1/platforms", { body: { items: [] } });
    expect((await cli(["platforms"])).stdout).toBe("No platforms registered.\n");
  });
});

describe("serve", () => {
  it("refuses a database password on the command line, without echoing it", async () => {
    const r = await cli(["serve", "--port", "0", "--database-url", "postgres://user:hunter2-secret@127.0.0.1:1/db"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DATABASE_URL/);
    expect(r.stderr).not.toContain("hunter2-secret");
  });
});

describe("messages", () => {
  it("send --text / --location / --vcard post the content; --file uploads first, then sends by mediaId", async () => {
    gw.on("POST", "/v1/instances/bot/messages", { body: { messageId: "42", threadId: "7", timestamp: 1_700_000_000_000 } });
    gw.on("POST", "/v1/instances/bot/media", { status: 201, body: { mediaId: "med_AAAAAAAAAAAAAAAAAAAAAAAA", mimeType: "application/pdf", size: 9, sha256: "x", expiresAt: 0 } });
    expect((await cli(["messages", "send", "bot", "--to", "7", "--text", "hi"])).code).toBe(0);
    expect((await cli(["messages", "send", "bot", "--to", "7", "--location", "48.8584,2.2945", "--name", "Tour Eiffel"])).code).toBe(0);
    const vcard = join(dir, "ada.vcf");
    writeFileSync(vcard, "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:+15550001111\nEND:VCARD\n");
    expect((await cli(["messages", "send", "bot", "--to", "7", "--vcard", vcard])).code).toBe(0);
    const pdf = join(dir, "report.pdf");
    writeFileSync(pdf, "%PDF-1.7 x");
    const sent = await cli(["messages", "send", "bot", "--to", "7", "--file", pdf, "--caption", "Q3", "--reply-to", "41"]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain("sent 42 to 7");
    const bodies = gw.requests.filter((r) => r.path === "/v1/instances/bot/messages").map((r) => r.body);
    expect(bodies).toEqual([
      { threadId: "7", content: { type: "text", text: "hi" } },
      { threadId: "7", content: { type: "location", latitude: 48.8584, longitude: 2.2945, name: "Tour Eiffel" } },
      { threadId: "7", content: { type: "contact", vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:+15550001111\nEND:VCARD\n" } },
      { threadId: "7", content: { type: "document", media: { mediaId: "med_AAAAAAAAAAAAAAAAAAAAAAAA" }, caption: "Q3", fileName: "report.pdf" }, replyTo: "41" },
    ]);
    const upload = gw.requests.find((r) => r.path === "/v1/instances/bot/media")!;
    expect(String(upload.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.raw.toString()).toContain('filename="report.pdf"');
    expect(upload.raw.toString()).toMatch(/content-type: application\/pdf/i);
    expect(upload.raw.toString()).toContain("%PDF-1.7 x");
  });

  it("react, edit and delete; exactly one kind of content, or a usage error (exit 2) and no request", async () => {
    gw.on("POST", "/v1/instances/bot/messages", { body: { messageId: "42", threadId: "7", timestamp: 0 } });
    gw.on("PATCH", "/v1/instances/bot/messages/42", { body: { messageId: "42", timestamp: 0 } });
    gw.on("DELETE", "/v1/instances/bot/messages/42", { body: { messageId: "42", timestamp: 0 } });
    expect((await cli(["messages", "react", "bot", "42", "👍", "--to", "7"])).code).toBe(0);
    expect((await cli(["messages", "edit", "bot", "42", "--to", "7", "--text", "fixed"])).code).toBe(0);
    expect((await cli(["messages", "delete", "bot", "42", "--to", "7"])).code).toBe(0);
    expect(gw.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ["POST", "/v1/instances/bot/messages", { threadId: "7", content: { type: "reaction", messageId: "42", emoji: "👍" } }],
      ["PATCH", "/v1/instances/bot/messages/42", { threadId: "7", text: "fixed" }],
      ["DELETE", "/v1/instances/bot/messages/42?threadId=7", undefined],
    ]);
    gw.requests.length = 0;
    for (const args of [["--to", "7"], ["--to", "7", "--text", "a", "--location", "1,2"], ["--to", "7", "--location", "91,0"], ["--to", "7", "--text", "a", "--caption", "c"], ["--to", "7", "--file", join(dir, "missing.pdf")]]) {
      const r = await cli(["messages", "send", "bot", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
    expect(gw.requests).toEqual([]);
  });
});
