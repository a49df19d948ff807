/**
 * Linking by pairing code, end to end with the real Baileys client: `requestPairingCode(number)`,
 * the sandbox phone's user types the code (control API), primary_hello / companion_finish,
 * pair-success, 515 restart, login from the saved credentials. A wrong code links nothing.
 */
import { DisconnectReason } from "baileys";
import { describe, expect, it } from "vitest";
import { unwrapEphemeral, wrapEphemeral } from "../../../sandbox/whatsapp-web/handlers/pairing-code.js";
import { memoryAuth, startClient } from "./helpers/baileys-client.js";
import { statusOf, useSandbox } from "./helpers/sandbox.js";

const fx = useSandbox();
const { post } = fx;

describe("pairing-code key wrapping", () => {
  it("unwraps with the same code and yields other bytes with another", async () => {
    const key = new Uint8Array(32).map((_, i) => i);
    const wrapped = await wrapEphemeral("ABCD2345", key);
    expect(wrapped).toHaveLength(80);
    expect(Buffer.from(await unwrapEphemeral("ABCD2345", wrapped))).toEqual(Buffer.from(key));
    expect(Buffer.from(await unwrapEphemeral("ABCD2346", wrapped))).not.toEqual(Buffer.from(key));
  });
});

describe("linking by pairing code with the real Baileys client", () => {
  it("links with the code the client shows, restarts on 515 and is then connected", async () => {
    const phone = fx.sandbox.createPhone({ number: "15550002222" });
    const auth = memoryAuth();
    const first = startClient(fx.sandbox.wsUrl, auth);
    await first.waitFor((u) => typeof u.qr === "string"); // the registration connection is up
    const code = await first.sock.requestPairingCode(phone.number);
    expect(code).toMatch(/^[0-9A-Z]{8}$/);

    const linked = await post(`/sandbox/phones/${phone.id}/pairing-code`, { code: `${code.slice(0, 4)}-${code.slice(4).toLowerCase()}` });
    expect(linked.status).toBe(200);
    expect(linked.json.jid).toBe("15550002222:1@s.whatsapp.net");

    await first.waitFor((u) => u.isNewLogin === true);
    const closed = await first.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.restartRequired);
    expect(auth.creds.me?.id).toBe(linked.json.jid);
    expect(auth.creds.me?.lid).toBe(linked.json.lid);

    const second = startClient(fx.sandbox.wsUrl, auth);
    try {
      await second.waitFor((u) => u.connection === "open", 10_000);
      expect(second.updates.some((u) => u.qr)).toBe(false);
      expect(fx.sandbox.phone(phone.id).devices.map((d) => d.jid)).toEqual([linked.json.jid]);
      // What the companion said about itself (DeviceProps of its registration payload), as for a QR link.
      const res = await fetch(`${fx.sandbox.url}/sandbox/phones/${phone.id}/devices`);
      const { devices } = (await res.json()) as { devices: { name?: string; platformType?: string }[] };
      expect(devices[0]?.name).toBeTruthy();
      expect(devices[0]?.platformType).toBeTruthy();
    } finally {
      second.end();
    }
  }, 20_000);

  it("refuses a wrong code (403) and links nothing", async () => {
    const phone = fx.sandbox.createPhone({ number: "15550003333" });
    const auth = memoryAuth();
    const client = startClient(fx.sandbox.wsUrl, auth);
    try {
      await client.waitFor((u) => typeof u.qr === "string");
      const code = await client.sock.requestPairingCode(phone.number);
      const wrong = (code[0] === "A" ? "B" : "A") + code.slice(1);
      const refused = await post(`/sandbox/phones/${phone.id}/pairing-code`, { code: wrong });
      expect(refused.status).toBe(403);
      expect((refused.json.error as { code: string }).code).toBe("wrong_pairing_code");
      expect(fx.sandbox.phone(phone.id).devices).toEqual([]);
      expect(client.updates.some((u) => u.isNewLogin)).toBe(false);
      expect(auth.creds.me?.id).toBe("15550003333@s.whatsapp.net"); // as requestPairingCode set it: no device
      // The request is used up: the right code now finds nothing to confirm.
      const late = await post(`/sandbox/phones/${phone.id}/pairing-code`, { code });
      expect(late.status).toBe(404);
      expect((late.json.error as { code: string }).code).toBe("pairing_code_not_requested");
    } finally {
      client.end();
    }
  }, 20_000);

  it("answers 404 when no client asked for the phone's number and 400 for a malformed code", async () => {
    const phone = fx.sandbox.createPhone();
    const none = await post(`/sandbox/phones/${phone.id}/pairing-code`, { code: "ABCD2345" });
    expect(none.status).toBe(404);
    expect((none.json.error as { code: string }).code).toBe("pairing_code_not_requested");
    const short = await post(`/sandbox/phones/${phone.id}/pairing-code`, { code: "ABC" });
    expect(short.status).toBe(400);
    expect((short.json.error as { code: string }).code).toBe("bad_code");
  });
});
