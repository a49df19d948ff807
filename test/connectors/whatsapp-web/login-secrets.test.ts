/**
 * Login secrets never rest in plaintext (issue 12): during a QR login, a pairing-code login, and
 * after logout and delete, no QR ref (nor the whole QR string) and no pairing code appears in any
 * byte of the data directory (SQLite database, WAL, shared memory). While a login is pending, the
 * stored `instance.qr` event reads back with its QR (sealed by the vault); once the login ended,
 * replay answers it with `qr: null`. Real gateway, real Baileys, the WhatsApp Web sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { rawFiles as rawFilesOf } from "../../support/raw-files.js";
import { type Json, type WaHarness, until, waHarness } from "./harness.js";

let sandbox: WhatsAppWebSandbox;
let h: WaHarness;
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox({ port: 0 });
  h = await waHarness({ useSandbox: sandbox });
});
afterAll(async () => {
  await h?.dispose();
  await sandbox?.close();
});

/** Every byte of every file under the data directory, as latin1 text. */
const rawFiles = (): string => rawFilesOf(h.dir);

/**
 * The pieces of a WhatsApp QR string (`https://wa.me/settings/linked_devices#<ref>,<noise key>,
 * <identity key>,<adv secret>`) that must not rest anywhere: the whole string and each secret part.
 */
function qrPieces(qr: string): string[] {
  const secret = qr.slice(qr.indexOf("#") + 1);
  return [qr, secret, ...secret.split(",")].filter((p) => p.length >= 8);
}

async function replayed(name: string, type: string): Promise<Json[]> {
  const r = await h.api("GET", `/v1/instances/${name}/events?limit=1000`);
  expect(r.status).toBe(200);
  return (r.body.items as Json[]).filter((e) => e.type === type);
}

describe("whatsapp-web: QR refs and pairing codes at rest", () => {
  it("a QR login: no QR piece on disk while it is pending (the stored event still shows it), none after connect, logout and delete", async () => {
    const phone = await h.phones.phone();
    await h.create("wa-qr");
    const c = await h.api("POST", "/v1/instances/wa-qr/connect", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
    expect(c.status).toBe(200);
    const qr = (await h.api("GET", "/v1/instances/wa-qr/qr")).body.qr as string;
    expect(qr).toMatch(/#2@/);
    const pending = await until(async () => (await replayed("wa-qr", "instance.qr")).find((e) => e.data.qr === qr), 5_000, "the stored QR event");
    expect(pending.data.attempt).toBe(1);
    const whileWaiting = rawFiles();
    for (const piece of qrPieces(qr)) expect(whileWaiting.includes(piece), `QR piece at rest: ${piece.slice(0, 6)}…`).toBe(false);

    await h.phones.scan(phone.id, qr);
    await h.untilStatus("wa-qr", (s) => s.state === "connected");
    expect((await replayed("wa-qr", "instance.qr")).map((e) => e.data.qr)).toEqual(expect.arrayContaining([null]));
    expect((await replayed("wa-qr", "instance.qr")).some((e) => e.data.qr !== null)).toBe(false);

    const out = await h.api("POST", "/v1/instances/wa-qr/logout", {});
    expect(out.body).toMatchObject({ remote: "revoked", credentialsWiped: true });
    const afterLogout = rawFiles();
    for (const piece of qrPieces(qr)) expect(afterLogout.includes(piece)).toBe(false);

    expect((await h.api("DELETE", "/v1/instances/wa-qr")).status).toBe(200);
    const afterDelete = rawFiles();
    for (const piece of qrPieces(qr)) expect(afterDelete.includes(piece)).toBe(false);
  });

  it("a pairing-code login: the code is never on disk, and the stored event drops it once the login ends", async () => {
    const phone = await h.phones.phone();
    await h.create("wa-code");
    const c = await h.api("POST", "/v1/instances/wa-code/connect", {
      login: { method: "pairing_code", phoneNumber: phone.number },
      wait: "awaiting_login",
      timeoutMs: 10_000,
    });
    expect(c.status).toBe(200);
    const waiting = await h.untilStatus("wa-code", (s) => s.state === "awaiting_login" && typeof s.code === "string");
    const code = waiting.status.code as string;
    await until(async () => (await replayed("wa-code", "instance.pairing_code")).find((e) => e.data.code === code), 5_000, "the stored code event");
    const disk = rawFiles();
    expect(disk.includes(code)).toBe(false);
    expect(disk.includes(code.replace(/^(.{4})/, "$1-"))).toBe(false);

    const entered = await h.phones.call("POST", `/sandbox/phones/${phone.id}/pairing-code`, { code });
    expect(entered.status).toBe(200);
    await h.untilStatus("wa-code", (s) => s.state === "connected");
    expect((await replayed("wa-code", "instance.pairing_code")).every((e) => e.data.code === null)).toBe(true);

    await h.api("POST", "/v1/instances/wa-code/logout", {});
    expect((await h.api("DELETE", "/v1/instances/wa-code")).status).toBe(200);
    expect(rawFiles().includes(code)).toBe(false);
  });

  it("a QR login that is closed before a scan: the QR is dropped from the stored events", async () => {
    await h.create("wa-closed");
    await h.api("POST", "/v1/instances/wa-closed/connect", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
    const qr = (await h.api("GET", "/v1/instances/wa-closed/qr")).body.qr as string;
    await until(async () => (await replayed("wa-closed", "instance.qr")).find((e) => e.data.qr === qr), 5_000, "the stored QR event");
    await h.api("POST", "/v1/instances/wa-closed/close", {});
    const events = await replayed("wa-closed", "instance.qr");
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.data.qr === null)).toBe(true);
    for (const piece of qrPieces(qr)) expect(rawFiles().includes(piece)).toBe(false);
  });
});
