/**
 * The close-code policy, row by row, with the errors built exactly as Baileys 7.0.0-rc14 builds them
 * (lib/Socket/socket.js: stream errors via getErrorCodeFromStreamError, <failure>, the QR timer, the
 * keepalive, the WebSocket close).
 */
import { Boom } from "@hapi/boom";
import { type BinaryNode, DisconnectReason, getErrorCodeFromStreamError } from "baileys";
import { describe, expect, it } from "vitest";
import { CLOSE_POLICY, QR_REFS_ENDED, classifyClose, closeInfo } from "../../../src/connectors/whatsapp-web/close-codes.js";

/** `ws.on('CB:stream:error')` in Baileys. */
function streamError(node: BinaryNode): Boom {
  const [reasonNode] = (node.content as BinaryNode[] | undefined) ?? [];
  const { reason, statusCode } = getErrorCodeFromStreamError(node);
  return new Boom(`Stream Errored (${reason})`, { statusCode, data: reasonNode || node });
}
/** `ws.on('CB:failure')` in Baileys. */
function failure(reason: string): Boom {
  return new Boom("Connection Failure", { statusCode: +reason, data: { reason, location: "frc" } });
}
const classify = (e: unknown) => classifyClose(closeInfo(e));

describe("whatsapp-web close codes", () => {
  it("401 device_removed (the phone removed the device) → logged_out", () => {
    const e = streamError({ tag: "stream:error", attrs: { code: "401" }, content: [{ tag: "conflict", attrs: { type: "device_removed" } }] });
    expect(classify(e)).toEqual({
      kind: "logged_out",
      error: { code: "UNAUTHENTICATED", message: expect.stringContaining("(401 conflict/device_removed)") },
    });
  });

  it("401 <failure> on login (credentials no longer linked) → logged_out", () => {
    expect(classify(failure("401"))).toMatchObject({ kind: "logged_out", error: { message: expect.stringContaining("failure/401") } });
  });

  it("440 conflict replaced (another client took the session) → conflict", () => {
    const e = streamError({ tag: "stream:error", attrs: {}, content: [{ tag: "conflict", attrs: { type: "replaced" } }] });
    expect(closeInfo(e).statusCode).toBe(DisconnectReason.connectionReplaced);
    expect(classify(e)).toMatchObject({ kind: "conflict", error: { message: expect.stringContaining("440 conflict/replaced") } });
  });

  it("515 restart required (after pairing) → restart_required", () => {
    const e = streamError({ tag: "stream:error", attrs: { code: "515" } });
    expect(classify(e).kind).toBe("restart_required");
  });

  it("400 with a certificate failure (the server's chain does not verify) → fatal PLATFORM_UNTRUSTED; another 400 stays transient", () => {
    for (const message of [
      "invalid noise leaf certificate",
      "invalid noise intermediate certificate",
      "noise certificate signature invalid",
      "noise intermediate certificate signature invalid",
      "certification match failed",
    ]) {
      expect(classify(new Boom(message, { statusCode: 400 }))).toMatchObject({ kind: "fatal", error: { code: "PLATFORM_UNTRUSTED" } });
    }
    expect(classify(new Boom("bad request", { statusCode: 400 })).kind).toBe("transient");
  });

  it("408 QR refs attempts ended → login_expired (never a loop)", () => {
    expect(classify(new Boom(QR_REFS_ENDED, { statusCode: DisconnectReason.timedOut }))).toMatchObject({ kind: "login_expired", error: { code: "TIMEOUT" } });
  });

  it("408 connection lost (keepalive watchdog), a socket error E… → transient", () => {
    expect(classify(new Boom("Connection was lost", { statusCode: DisconnectReason.connectionLost })).kind).toBe("transient");
    expect(classify(new Boom("WebSocket Error (connect ECONNREFUSED 127.0.0.1:1)", { statusCode: 408 })).kind).toBe("transient");
  });

  it("428 connection closed, 503 unavailable, 500 bad session → transient", () => {
    expect(classify(new Boom("Connection Terminated", { statusCode: DisconnectReason.connectionClosed })).kind).toBe("transient");
    expect(classify(failure("503")).kind).toBe("transient");
    const unknownStreamError = streamError({ tag: "stream:error", attrs: {}, content: [{ tag: "weird", attrs: {} }] });
    expect(closeInfo(unknownStreamError).statusCode).toBe(DisconnectReason.badSession);
    expect(classify(unknownStreamError).kind).toBe("transient");
  });

  it("403 forbidden (banned) and 411 multi-device mismatch → fatal, credentials kept", () => {
    expect(classify(failure("403"))).toMatchObject({ kind: "fatal", error: { code: "FORBIDDEN" } });
    expect(classify(new Boom("Multi-device beta not joined", { statusCode: DisconnectReason.multideviceMismatch })).kind).toBe("fatal");
  });

  it("an unknown code or a plain error → transient (bounded by the core's backoff cap)", () => {
    expect(classify(failure("418")).kind).toBe("transient");
    expect(classify(new Error("boom"))).toMatchObject({ kind: "transient", error: { message: expect.stringContaining("no status") } });
    expect(classify(undefined).kind).toBe("transient");
  });

  it("every row of the table is covered above, and no message quotes more than a sanitised reason", () => {
    expect(CLOSE_POLICY.map((r) => r.statusCode)).toEqual([401, 400, 440, 515, 408, 408, 428, 503, 500, 403, 411]);
    const e = streamError({ tag: "stream:error", attrs: { code: "401" }, content: [{ tag: "conflict", attrs: { type: "secret <script> value that is long and goes on" } }] });
    expect(classify(e).error.message).not.toMatch(/[<> ]script/);
  });
});
