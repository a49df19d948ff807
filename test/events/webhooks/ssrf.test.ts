import { describe, expect, it } from "vitest";
import { isSwitchboardError } from "../../../src/core/errors.js";
import { EndpointClient } from "../../../src/events/webhooks/sender.js";
import { assertPublicUrl, classifyAddress } from "../../../src/net/ssrf.js";
import { Receiver } from "./support.js";

describe("SSRF guard", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "rfc6052"],
    ["2002:7f00:1::", "6to4"],
    ["::7f00:1", "ipv4Compatible"],
    ["::a00:1", "ipv4Compatible"],
    ["::808:808", "ipv4Compatible"],
    ["not-an-ip", "invalid"],
  ])("refuses %s (%s)", (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it.each(["8.8.8.8", "93.184.215.14", "2001:4860:4860::8888", "::ffff:8.8.8.8"])("allows the public address %s", (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true, range: "unicast" });
  });

  const refusal = async (url: string, allow = false): Promise<string | undefined> =>
    assertPublicUrl(url, allow).then(
      () => undefined,
      (e: unknown) => (isSwitchboardError(e) ? e.code : String(e)),
    );

  it.each([
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.7/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:3000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::7f00:1]/",
    "http://localhost:9/hook",
    "https://0.0.0.0/",
  ])("refuses to create a subscription to %s", async (url) => {
    expect(await refusal(url)).toBe("WEBHOOK_URL_REFUSED");
  });

  it("allows private addresses when the operator says so, and public ones always", async () => {
    expect(await refusal("http://127.0.0.1:8080/hook", true)).toBeUndefined();
    expect(await refusal("http://localhost/hook", true)).toBeUndefined();
    expect(await refusal("https://93.184.215.14/hook")).toBeUndefined();
  });

  it("refuses bad URLs as invalid input", async () => {
    for (const url of ["ftp://93.184.215.14/", "not a url", "http://user:pw@93.184.215.14/", `https://93.184.215.14/${"a".repeat(2100)}`]) {
      expect(await refusal(url, true)).toBe("VALIDATION_FAILED");
    }
  });

  it("refuses at connect time a name resolving to a private address (DNS rebinding), and private literals", async () => {
    const r = await new Receiver().start();
    try {
      const port = new URL(r.url).port;
      for (const url of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`]) {
        const client = new EndpointClient(url, { timeoutMs: 1_000, allowPrivate: false, connections: 1 });
        const outcome = await client.post({ "content-type": "application/json" }, "{}");
        await client.close();
        expect(outcome).toMatchObject({ ok: false, statusCode: null });
        expect(outcome.error).toMatch(/^refused: (127\.0\.0\.1|::1) is a loopback address$/);
      }
      expect(r.received).toHaveLength(0);
      const allowed = new EndpointClient(`http://localhost:${port}/hook`, { timeoutMs: 1_000, allowPrivate: true, connections: 1 });
      expect(await allowed.post({}, "{}")).toMatchObject({ ok: true, statusCode: 204 });
      await allowed.close();
    } finally {
      await r.close();
    }
  });
});
