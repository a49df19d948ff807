import { describe, expect, it } from "vitest";
import {
  attemptLine,
  attemptsByEvent,
  parseHeaders,
  parseTypes,
  webhookCreateBody,
  type WebhookFormInput,
  type WebhookLike,
  webhookName,
  webhookScope,
  webhookState,
} from "../../dashboard/src/lib/webhooks.js";
import { skipWhileRunning } from "../../dashboard/src/lib/single-flight.js";

const form = (over: Partial<WebhookFormInput> = {}): WebhookFormInput => ({
  url: "http://127.0.0.1:9000/hook",
  instance: "",
  types: "",
  headers: "",
  description: "",
  ordered: false,
  maxConcurrency: "",
  ...over,
});

const view = (over: Partial<WebhookLike> = {}): WebhookLike => ({
  id: "wh_1",
  instance: null,
  url: "http://127.0.0.1:9000/hook",
  types: [],
  headers: [],
  ordered: false,
  maxConcurrency: 8,
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  previousSecretExpiresAt: null,
  ...over,
});

describe("webhook form", () => {
  it("sends only what was filled in (a global subscription to every type by default)", () => {
    expect(webhookCreateBody(form())).toEqual({ ok: true, value: { url: "http://127.0.0.1:9000/hook" } });
  });

  it("builds every field: instance, types, headers, description, order, concurrency", () => {
    const r = webhookCreateBody(
      form({ url: "  https://x.example/h ", instance: "wa", types: "message.*, instance.status\nmessage.*", headers: "X-Api-Key: k:1\n\nAuthorization:Bearer t", description: " CRM ", ordered: true, maxConcurrency: "4" }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        url: "https://x.example/h",
        instance: "wa",
        types: ["message.*", "instance.status"],
        headers: { "X-Api-Key": "k:1", Authorization: "Bearer t" },
        description: "CRM",
        ordered: true,
        maxConcurrency: 4,
      },
    });
  });

  it("refuses an empty URL, a header line without a name and a concurrency out of range, naming the fields", () => {
    const r = webhookCreateBody(form({ url: " ", headers: "ok: 1\nno colon here", maxConcurrency: "65" }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["headers", "maxConcurrency", "url"]);
    expect(r.errors.headers).toContain("Line 2");
    expect(webhookCreateBody(form({ maxConcurrency: "2.5" })).ok).toBe(false);
    expect(webhookCreateBody(form({ maxConcurrency: "0" })).ok).toBe(false);
  });

  it("never puts a header line's text into its error (it may be a value)", () => {
    const r = parseHeaders("X-Ok: 1\nsecret-value-without-a-name");
    expect(r).toEqual({ ok: false, error: expect.not.stringContaining("secret-value") as unknown });
    expect(parseHeaders(": secret-value").ok).toBe(false);
  });

  it("leaves header names to the gateway: only the lines are split", () => {
    // The gateway refuses these (not HTTP tokens, reserved, longer than 100) with its own message.
    const long = "X".repeat(101);
    expect(parseHeaders(`Bad Name: v1\ncontent-type: text/plain\n${long}: v3`)).toEqual({
      ok: true,
      value: { "Bad Name": "v1", "content-type": "text/plain", [long]: "v3" },
    });
  });

  it("splits types on commas, spaces and lines", () => {
    expect(parseTypes(" a.b,c.*\n d  ")).toEqual(["a.b", "c.*", "d"]);
    expect(parseTypes("")).toEqual([]);
  });
});

describe("webhook words", () => {
  it("says the state with the disabled reason", () => {
    expect(webhookState(view())).toBe("enabled");
    expect(webhookState(view({ failingSince: new Date(2025, 0, 1, 14, 3, 7).getTime() }))).toBe("enabled, failing since 14:03:07");
    expect(webhookState(view({ enabled: false, disabledReason: "failing" }))).toBe("disabled: kept failing");
    expect(webhookState(view({ enabled: false, disabledReason: "user" }))).toBe("disabled by a user");
  });

  it("names a subscription by its URL and scope (two subscriptions to one URL differ)", () => {
    expect(webhookName(view())).toBe("http://127.0.0.1:9000/hook (all instances)");
    expect(webhookName(view({ instance: "wa" }))).toBe("http://127.0.0.1:9000/hook (instance wa)");
  });

  it("says the scope, with header names only", () => {
    expect(webhookScope(view())).toBe("every instance · all event types · unordered · up to 8 at once");
    expect(webhookScope(view({ instance: "wa", types: ["message.*"], ordered: true, maxConcurrency: 1, headers: ["x-api-key"] }))).toBe(
      "instance wa · message.* · ordered · up to 1 at once · headers: x-api-key",
    );
  });

  it("describes an attempt: status, latency, and an error other than the status", () => {
    const ts = new Date(2025, 0, 1, 9, 0, 5).getTime();
    const a = { id: 1, eventId: "evt_1", attempt: 1, ts, status: 500, latencyMs: 12, error: "HTTP 500", ok: false };
    expect(attemptLine(a)).toBe("09:00:05 · attempt 1 · HTTP 500 · 12 ms");
    expect(attemptLine({ ...a, status: null, error: "connect ECONNREFUSED 127.0.0.1:9" })).toBe("09:00:05 · attempt 1 · no answer · 12 ms · connect ECONNREFUSED 127.0.0.1:9");
  });

  it("groups attempts by event, newest event first", () => {
    const at = (id: number, eventId: string) => ({ id, eventId, attempt: 1, ts: id, status: 200, latencyMs: 1, error: null, ok: true });
    const groups = attemptsByEvent([at(4, "b"), at(3, "a"), at(2, "b"), at(1, "a")]);
    expect(groups.map((g) => [g.eventId, g.attempts.map((a) => a.id)])).toEqual([
      ["b", [4, 2]],
      ["a", [3, 1]],
    ]);
  });
});

describe("reloads started by a timer and by the user", () => {
  it("skip a tick while a run is pending, and run again once it settled (also after a failure)", async () => {
    let calls = 0;
    let finish: (ok: boolean) => void = () => undefined;
    const load = skipWhileRunning(() => {
      calls += 1;
      return new Promise<number>((resolve, reject) => {
        finish = (ok) => (ok ? resolve(calls) : reject(new Error("load failed")));
      });
    });
    const first = load();
    const second = load();
    expect(calls).toBe(1);
    expect(await second).toBeUndefined();
    finish(true);
    expect(await first).toBe(1);

    const third = load();
    expect(calls).toBe(2);
    finish(false);
    await expect(third).rejects.toThrow("load failed");
    const fourth = load();
    expect(calls).toBe(3);
    finish(true);
    expect(await fourth).toBe(3);
  });
});
