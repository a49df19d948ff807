/**
 * Linking by QR, end to end with the real Baileys client: QR shown, the sandbox phone scans it,
 * pair-success, 515 restart, login from the saved credentials, connection open.
 */
import { DisconnectReason } from "baileys";
import { describe, expect, it } from "vitest";
import { QR_SCAN_GRACE_MS, SandboxError, createManualClock, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { memoryAuth, startClient, trustSandboxRoot } from "./helpers/baileys-client.js";
import { type Json, useSandbox } from "./helpers/sandbox.js";
import { messagingOf } from "../../../sandbox/whatsapp-web/messaging.js";

const fx = useSandbox();
const { post } = fx;

describe("linking by QR with the real Baileys client", () => {
  it("shows a QR, is linked by the phone, restarts on 515 and is then connected", async () => {
    const phone = await post("/sandbox/phones", { number: "15550001111" });
    expect(phone.status).toBe(201);
    const phoneId = phone.json.id as string;

    const auth = memoryAuth();
    const first = startClient(fx.sandbox.wsUrl, auth);
    const { qr } = await first.waitFor((u) => typeof u.qr === "string");
    const scan = await post(`/sandbox/phones/${phoneId}/scan`, { qr });
    expect(scan.status).toBe(200);
    expect(scan.json.jid).toMatch(/^15550001111:\d+@s\.whatsapp\.net$/);

    // Baileys took the identity the phone signed, answered pair-device-sign, and got 515.
    await first.waitFor((u) => u.isNewLogin === true);
    const closed = await first.waitFor((u) => u.connection === "close");
    expect((closed.lastDisconnect?.error as { output?: { statusCode: number } }).output?.statusCode).toBe(DisconnectReason.restartRequired);
    expect(auth.creds.me?.id).toBe(scan.json.jid);
    expect(auth.creds.me?.lid).toBe(scan.json.lid);
    expect(Buffer.from(auth.creds.account!.accountSignatureKey!)).toHaveLength(32);
    // The device's key record was seeded from its registration payload, before any upload.
    const device = fx.sandbox.state.phone(phoneId).devices.get(1)!;
    const keys = messagingOf(fx.sandbox.state).keysOf(device);
    expect(keys && Buffer.from(keys.identityKey)).toEqual(Buffer.from(auth.creds.signedIdentityKey.public));
    expect(keys?.signedPreKey.keyId).toBe(auth.creds.signedPreKey.keyId);
    expect(keys?.preKeyCount).toBe(0);
    // An ordinary (not business) Android phone by default: <platform name="android"/>.
    expect(phone.json.platform).toBe("android");
    expect(auth.creds.platform).toBe("android");

    // Restart with the saved credentials: no QR, connection open.
    const second = startClient(fx.sandbox.wsUrl, auth);
    try {
      await second.waitFor((u) => u.connection === "open", 10_000);
      // The end of the (empty) offline queue: <ib><offline count="0"/></ib>.
      await second.waitFor((u) => u.receivedPendingNotifications === true);
      expect(second.updates.some((u) => u.qr)).toBe(false);
      const conn = fx.sandbox.connections().find((c) => c.loggedIn);
      expect(conn?.payload?.username).toBe(15550001111);
      expect(fx.sandbox.phone(phoneId).devices.map((d) => d.jid)).toEqual([scan.json.jid]);
      // What Baileys asks at login was answered (no 501 logged); anything else is 501.
      expect(fx.logged.filter((l) => l.includes("not implemented"))).toEqual([]);
      const other = second.sock.query({
        tag: "iq",
        attrs: { id: second.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "w:profile:picture" },
        content: [{ tag: "picture", attrs: { type: "image" } }],
      });
      await expect(other).rejects.toMatchObject({ data: 501, message: "feature-not-implemented" });
      expect(fx.logged).toContain('whatsapp-web sandbox: not implemented: <iq type="get" xmlns="w:profile:picture"><picture>: 501');
    } finally {
      second.end();
    }
  });

  it("refuses a second scan of a QR whose pairing awaits the client (409 pairing_in_progress); both requests answer", async () => {
    const a = (await post("/sandbox/phones", {})).json.id as string;
    const b = (await post("/sandbox/phones", {})).json.id as string;
    const auth = memoryAuth();
    const client = startClient(fx.sandbox.wsUrl, auth);
    const { qr } = await client.waitFor((u) => typeof u.qr === "string");
    // Two phones scan the same QR at once: one links, the other is refused; neither request hangs.
    const [first, second] = await Promise.all([post(`/sandbox/phones/${a}/scan`, { qr }), post(`/sandbox/phones/${b}/scan`, { qr })]);
    expect([first.status, second.status]).toEqual([200, 409]);
    expect((second.json.error as { code: string }).code).toBe("pairing_in_progress");
    await client.waitFor((u) => u.isNewLogin === true);
    expect(auth.creds.me?.id).toBe(first.json.jid);
    expect(fx.sandbox.phone(b).devices).toEqual([]);
    await client.waitFor((u) => u.connection === "close");
  });

  it("refuses a login from credentials the phone never linked (401)", async () => {
    const auth = memoryAuth();
    auth.creds.me = { id: "15559999999:3@s.whatsapp.net", name: "x" };
    const client = startClient(fx.sandbox.wsUrl, auth);
    const closed = await client.waitFor((u) => u.connection === "close");
    expect((closed.lastDisconnect?.error as { output?: { statusCode: number } }).output?.statusCode).toBe(DisconnectReason.loggedOut);
  });

  it("sends the phone's platform in pair-success (a business phone: smba)", async () => {
    const phone = await post("/sandbox/phones", { platform: "smba" });
    expect(phone.json.platform).toBe("smba");
    const auth = memoryAuth();
    const client = startClient(fx.sandbox.wsUrl, auth);
    const { qr } = await client.waitFor((u) => typeof u.qr === "string");
    expect((await post(`/sandbox/phones/${phone.json.id as string}/scan`, { qr })).status).toBe(200);
    await client.waitFor((u) => u.isNewLogin === true);
    expect(auth.creds.platform).toBe("smba");
    await client.waitFor((u) => u.connection === "close");
  });

  it("refuses a phone whose number is not a string of digits, or an unknown platform (400)", async () => {
    const numeric = await post("/sandbox/phones", { number: 15550002222 });
    expect(numeric.status).toBe(400);
    expect((numeric.json.error as { code: string }).code).toBe("bad_number");
    const platform = await post("/sandbox/phones", { platform: "nokia" });
    expect(platform.status).toBe(400);
    expect((platform.json.error as { code: string }).code).toBe("bad_platform");
  });

  it("lists every phone in creation order with its linked devices (GET /sandbox/phones)", async () => {
    const before = await fx.call("GET", "/sandbox/phones");
    expect(before.status).toBe(200);
    const known = (before.json.phones as Json[]).length;
    const created = (await post("/sandbox/phones", { number: "15550004444" })).json;
    const listed = (await fx.call("GET", "/sandbox/phones")).json.phones as Json[];
    expect(listed).toHaveLength(known + 1);
    expect(listed.at(-1)).toEqual(created);
    const ids = listed.map((p) => Number(String(p.id).replace("phone-", "")));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Each entry is the phone's PhoneInfo, as GET /sandbox/phones/:id answers it (devices included).
    for (const p of listed) expect((await fx.call("GET", `/sandbox/phones/${String(p.id)}`)).json).toEqual(p);
  });

  it("answers control-API errors with a code", async () => {
    const phone = await post("/sandbox/phones", {});
    const bad = await post(`/sandbox/phones/${phone.json.id as string}/scan`, { qr: "nope" });
    expect(bad.status).toBe(400);
    expect((bad.json.error as { code: string }).code).toBe("bad_qr");
    const missing = await post(`/sandbox/phones/${phone.json.id as string}/scan`, { qr: "2@zz,a,b,c,1" });
    expect(missing.status).toBe(404);
    expect((missing.json.error as { code: string }).code).toBe("qr_not_found");
    // A path parameter that is not valid percent-encoding: 400, in the built-in routes and the area modules.
    for (const path of ["/sandbox/phones/%E0%A4%A", "/sandbox/phones/%E0%A4%A/devices", "/sandbox/phones/%E0%A4%A/contacts"]) {
      const res = await fetch(fx.sandbox.url + path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    }
  });
});

describe("scanning on the sandbox clock", () => {
  it("refuses a ref that has expired and links with the one on screen", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const timed = await startWhatsAppWebSandbox({ clock });
    trustSandboxRoot(timed.rootPublicKey);
    try {
      const phone = timed.createPhone();
      const auth = memoryAuth();
      // The client keeps its first QR on screen for a minute of real time; the sandbox's clock moves on.
      const client = startClient(timed.wsUrl, auth);
      const { qr } = await client.waitFor((u) => typeof u.qr === "string");
      clock.advance(60_000 + QR_SCAN_GRACE_MS);
      const expired = await timed.scan(phone.id, qr!).catch((e: unknown) => e);
      expect(expired).toBeInstanceOf(SandboxError);
      expect((expired as SandboxError).code).toBe("qr_expired");
      expect(timed.phone(phone.id).devices).toEqual([]);
      const conn = timed.connections().find((c) => c.qrRefs)!;
      const onScreen = qr!.replace(conn.qrRefs!.refs[0]!, conn.qrRefs!.refs[1]!);
      const linked = await timed.scan(phone.id, onScreen);
      expect(linked.jid).toBe(`${phone.number}:1@s.whatsapp.net`);
      await client.waitFor((u) => u.connection === "close");
    } finally {
      await timed.close();
      trustSandboxRoot(fx.sandbox.rootPublicKey);
    }
  });
});
