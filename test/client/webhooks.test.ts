import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Switchboard, SwitchboardError, type SwitchboardEvent } from "../../client/src/index.js";
import { run } from "../../src/cli/program.js";
import { captureIo } from "../cli/fake-gateway.js";
import { until } from "../support/gateway-harness.js";
import { ACCOUNT_TOKEN, startTestGateway, type TestGateway } from "./gateway.js";

/**
 * Webhooks through the SDK (`sb.webhooks`, `api.webhooks`) and the CLI (`switchboard webhooks …`)
 * against a real gateway delivering to a real receiver on loopback (the gateway is told to allow
 * loopback URLs; a second one with the default SSRF guard refuses them).
 */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: SwitchboardEvent;
}

let gw: TestGateway;
let guarded: TestGateway;
let sb: Switchboard;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let accountId: string;
let instanceToken: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body, event: JSON.parse(body) as SwitchboardEvent });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  gw = await startTestGateway({ webhooks: { allowPrivateAddresses: true, retryScheduleMs: [50, 100] } });
  guarded = await startTestGateway();
  sb = new Switchboard({ url: gw.url, token: ACCOUNT_TOKEN });
  accountId = gw.platform.addTokenAccount("hook-token");
  instanceToken = (await sb.createInstance({ name: "hooked", platform: "memory" })).token!;
  await sb.createInstance({ name: "quiet", platform: "memory" });
  await sb.instance("hooked").connect({ login: { method: "token", token: "hook-token" }, wait: "connected" });
});
afterAll(async () => {
  await gw.dispose();
  await guarded.dispose();
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

async function cli(args: string[], url = gw.url, token = ACCOUNT_TOKEN) {
  const cap = captureIo();
  const code = await run(["--url", url, "--token", token, ...args], cap.io);
  return { code, stdout: cap.stdout(), stderr: cap.stderr() };
}

const bodies = (): string[] => received.flatMap((r) => (r.event.type === "message.received" ? [r.event.data.body] : []));

describe("webhooks through the SDK", () => {
  it("create → delivery (signed, custom header) → attempts → redeliver → rotate → disable → delete", async () => {
    const { webhook, secret } = await sb.webhooks.create({
      url: receiverUrl,
      types: ["message.received"],
      headers: { "x-api-key": "k-123-secret" },
      description: "sdk test",
    });
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ instance: null, url: receiverUrl, types: ["message.received"], headers: ["x-api-key"], enabled: true });
    expect(JSON.stringify(await sb.webhooks.list())).not.toContain("k-123-secret");
    expect((await sb.webhooks.get(webhook.id)).description).toBe("sdk test");

    await gw.platform.deliver(accountId, "to the hook");
    const hit = await until(() => received.find((r) => r.event.type === "message.received" && r.event.data.body === "to the hook"), 5_000, "the delivery");
    expect(hit.headers["x-api-key"]).toBe("k-123-secret");
    expect(hit.headers["webhook-id"]).toBe(hit.event.id);
    expect(new StandardWebhook(secret!).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({ id: hit.event.id });

    const attempts = await until(async () => {
      const page = await sb.webhooks.attempts(webhook.id);
      return page.items.length > 0 ? page : null;
    });
    expect(attempts.items[0]).toMatchObject({ eventId: hit.event.id, attempt: 1, ok: true, status: 200 });

    const before = received.length;
    expect(await sb.webhooks.redeliver(webhook.id, { eventId: hit.event.id })).toEqual({ queued: 1 });
    await until(() => received.length > before, 5_000, "the redelivery");
    expect(received.at(-1)!.event.id).toBe(hit.event.id);
    const ranged = await sb.webhooks.redeliver(webhook.id, { from: hit.event.ts, to: Date.now() });
    expect(ranged.queued).toBeGreaterThanOrEqual(1);

    const rotated = await sb.webhooks.rotateSecret(webhook.id, { overlapMs: 60_000 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.webhook.previousSecretExpiresAt).toBeGreaterThan(Date.now());

    expect((await sb.webhooks.update(webhook.id, { enabled: false })).enabled).toBe(false);
    expect((await sb.webhooks.update(webhook.id, { enabled: true })).enabled).toBe(true);

    expect(await sb.webhooks.delete(webhook.id)).toEqual({ id: webhook.id, deleted: true });
    await expect(sb.webhooks.get(webhook.id)).rejects.toMatchObject({ code: "WEBHOOK_NOT_FOUND", status: 404 });
  });

  it("api.webhooks is scoped to the instance; an instance token sees its own only", async () => {
    const own = new Switchboard({ url: gw.url, token: instanceToken });
    const { webhook } = await own.instance("hooked").webhooks.create({ url: receiverUrl });
    expect(webhook.instance).toBe("hooked");
    await sb.instance("quiet").webhooks.create({ url: receiverUrl });
    expect((await own.webhooks.list()).map((w) => w.instance)).toEqual(["hooked"]);
    expect((await sb.instance("quiet").webhooks.list()).map((w) => w.instance)).toEqual(["quiet"]);
    const e = await own.webhooks.create({ url: receiverUrl, instance: "quiet" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SwitchboardError);
    expect(e).toMatchObject({ code: "FORBIDDEN", status: 403 });
    for (const w of await sb.webhooks.list()) await sb.webhooks.delete(w.id);
  });

  it("a loopback URL is refused by the default SSRF guard", async () => {
    const c = new Switchboard({ url: guarded.url, token: ACCOUNT_TOKEN });
    await expect(c.webhooks.create({ url: receiverUrl })).rejects.toMatchObject({ code: "WEBHOOK_URL_REFUSED" });
  });
});

describe("switchboard webhooks", () => {
  it("create / list / attempts / redeliver / delete round trip", async () => {
    const created = await cli(["--json", "webhooks", "create", receiverUrl, "--instance", "hooked", "--type", "message.received", "--header", "X-Key: v-secret-1"]);
    expect(created.code).toBe(0);
    const { webhook, secret } = JSON.parse(created.stdout) as { webhook: { id: string; headers: string[] }; secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect(webhook.headers.map((h) => h.toLowerCase())).toEqual(["x-key"]);

    const human = await cli(["webhooks", "list"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^ID +INSTANCE +URL +TYPES +STATE +ORDERED\\n${webhook.id} +hooked +${receiverUrl.replace(/[.]/g, "\\.")} +message\\.received +enabled +no\\n$`));

    await gw.platform.deliver(accountId, "cli hook");
    const hit = await until(() => received.find((r) => r.event.type === "message.received" && r.event.data.body === "cli hook"), 5_000, "the delivery");
    expect(hit.headers["x-key"]).toBe("v-secret-1");

    const attempts = await until(async () => {
      const r = await cli(["webhooks", "attempts", webhook.id]);
      return r.stdout.includes(hit.event.id) ? r : null;
    });
    expect(attempts.stdout).toMatch(new RegExp(`${hit.event.id} +1 +ok 200 +\\d+ ms +-`));

    const redelivered = await cli(["webhooks", "redeliver", webhook.id, "--event", hit.event.id]);
    expect(redelivered).toMatchObject({ code: 0, stdout: `queued 1 delivery for webhook ${webhook.id}\n` });
    await until(() => bodies().filter((b) => b === "cli hook").length === 2, 5_000, "the redelivery");

    const since = new Date(hit.event.ts).toISOString();
    const ranged = await cli(["--json", "webhooks", "redeliver", webhook.id, "--from", since, "--to", String(Date.now())]);
    expect((JSON.parse(ranged.stdout) as { queued: number }).queued).toBeGreaterThanOrEqual(1);

    const shown = await cli(["webhooks", "get", webhook.id]);
    expect(shown.stdout).toContain("headers:");
    expect(shown.stdout).not.toContain("v-secret-1");

    expect(await cli(["webhooks", "delete", webhook.id])).toMatchObject({ code: 0, stdout: `deleted webhook ${webhook.id}\n` });
    expect((await cli(["webhooks", "list"])).stdout).toBe("No webhooks.\n");
  });

  it("create prints the secret once, boxed", async () => {
    const r = await cli(["webhooks", "create", receiverUrl, "--description", "boxed"]);
    expect(r.code).toBe(0);
    const secret = /Signing secret \(shown once, store it now\): (whsec_\S+)/.exec(r.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(r.stdout.split(secret!).length - 1).toBe(1);
    for (const w of await sb.webhooks.list()) await sb.webhooks.delete(w.id);
  });

  it("bad input: a message and a non-zero exit code", async () => {
    const neither = await cli(["webhooks", "redeliver", "wh_x"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("--event");
    expect((await cli(["webhooks", "redeliver", "wh_x", "--event", "e", "--from", "1", "--to", "2"])).code).toBe(2);
    expect((await cli(["webhooks", "redeliver", "wh_x", "--from", "yesterday", "--to", "2"])).code).toBe(2);

    const badHeader = await cli(["webhooks", "create", receiverUrl, "--header", "no colon secret-value"]);
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).not.toContain("secret-value");
    expect((await cli(["webhooks", "create"])).code).toBe(2); // the URL is missing

    const missing = await cli(["webhooks", "get", "wh_nope"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("WEBHOOK_NOT_FOUND");
    expect((await cli(["webhooks", "delete", "wh_nope"])).code).toBe(5);

    const refused = await cli(["--json", "webhooks", "create", receiverUrl], guarded.url);
    expect(refused.code).toBe(1);
    expect((JSON.parse(refused.stderr) as { error: { code: string } }).error.code).toBe("WEBHOOK_URL_REFUSED");

    const invalid = await cli(["webhooks", "create", "not a url"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("VALIDATION_FAILED");
  });
});
