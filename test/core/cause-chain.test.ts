import { describe, expect, it } from "vitest";
import { causeChain } from "../../src/core/errors.js";

describe("causeChain", () => {
  it("keeps class names, short codes and HTTP statuses, never messages; follows cause and grammY's .error; stops at cycles", () => {
    const root = Object.assign(new Error("connect ECONNRESET https://api.telegram.org/bot123:SECRET/sendMessage"), { code: "ECONNRESET", name: "FetchError" });
    const http = Object.assign(new Error("Network request for 'sendMessage' failed!"), { name: "HttpError", error: root });
    const boom = Object.assign(new Error("Connection Closed"), { name: "Boom", output: { statusCode: 428 }, cause: http });
    const links = causeChain(boom);
    expect(links).toEqual([{ name: "Boom", status: 428 }, { name: "HttpError" }, { name: "FetchError", code: "ECONNRESET" }]);
    expect(JSON.stringify(links)).not.toContain("SECRET");

    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(causeChain(b)).toHaveLength(2);
    expect(causeChain("plain string")).toEqual([{ name: "string" }]);
    expect(causeChain(undefined)).toEqual([]);
    // A code that is not a short token (it could be anything) is left out.
    expect(causeChain(Object.assign(new Error("x"), { code: "see https://example.com/?token=abc" }))).toEqual([{ name: "Error" }]);
  });
});
