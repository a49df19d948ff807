import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { generateSecret, Signer } from "../../../src/events/webhooks/signing.js";
import { ACCOUNT, Receiver, webhookHarness, type WebhookHarness } from "./support.js";

describe("Standard Webhooks signatures", () => {
  it("are byte-identical to the standardwebhooks package's sign", () => {
    const secret = generateSecret();
    const body = JSON.stringify({ id: "evt_1", type: "message.received", data: { body: "héllo ✓" } });
    const ts = new Date(1_700_000_123_000);
    const ours = new Signer([{ secret, expiresAt: null }]).sign("evt_1", 1_700_000_123, body, Date.now());
    expect(ours).toBe(new Webhook(secret).sign("evt_1", ts, body));
  });

  it("carries one signature per live secret and drops expired ones", () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const signer = new Signer([
      { secret: a, expiresAt: null },
      { secret: b, expiresAt: 2_000 },
    ]);
    expect(signer.sign("evt_1", 1, "{}", 1_999).split(" ")).toHaveLength(2);
    expect(signer.sign("evt_1", 1, "{}", 2_000).split(" ")).toHaveLength(1);
  });
});

describe("secret rotation", () => {
  let h: WebhookHarness | null = null;
  let r: Receiver | null = null;
  afterEach(async () => {
    await r?.close();
    await h?.dispose();
    h = null;
    r = null;
  });

  const verify = (secret: string, req: { body: string; headers: Record<string, unknown> }): unknown => new Webhook(secret).verify(req.body, req.headers as Record<string, string>);

  it("signs with both secrets during the overlap; afterwards the old secret no longer verifies", async () => {
    h = await webhookHarness();
    r = await new Receiver().start();
    await h.instance("bot");
    const created = await h.webhooks.api.create(ACCOUNT, { url: r.url });
    const oldSecret = created.secret;
    await h.emit("bot", 1);
    await r.until(() => r!.accepted().length === 1);
    expect(() => verify(oldSecret, r!.received[0]!)).not.toThrow();

    const rotated = await h.webhooks.api.rotateSecret(ACCOUNT, created.webhook.id, { overlapMs: 600 });
    const newSecret = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.webhook.previousSecretExpiresAt).toBeGreaterThan(Date.now());
    await h.emit("bot", 1);
    await r.until(() => r!.accepted().length === 2);
    const during = r.received[1]!;
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(() => verify(oldSecret, during)).not.toThrow();
    expect(() => verify(newSecret, during)).not.toThrow();

    await new Promise((res) => setTimeout(res, 700));
    await h.emit("bot", 1);
    await r.until(() => r!.accepted().length === 3);
    const after = r.received[2]!;
    expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(() => verify(newSecret, after)).not.toThrow();
    expect(() => verify(oldSecret, after)).toThrow(WebhookVerificationError);
    expect((await h.webhooks.api.get(ACCOUNT, created.webhook.id)).previousSecretExpiresAt).toBeNull();
  });

  it("with overlapMs 0 the old secret stops at once", async () => {
    h = await webhookHarness();
    r = await new Receiver().start();
    await h.instance("bot");
    const created = await h.webhooks.api.create(ACCOUNT, { url: r.url });
    const { secret } = await h.webhooks.api.rotateSecret(ACCOUNT, created.webhook.id, { overlapMs: 0 });
    await h.emit("bot", 1);
    await r.until(() => r!.accepted().length === 1);
    expect(() => verify(secret, r!.received[0]!)).not.toThrow();
    expect(() => verify(created.secret, r!.received[0]!)).toThrow(WebhookVerificationError);
  });
});
