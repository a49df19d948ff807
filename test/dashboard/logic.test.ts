import { describe, expect, it } from "vitest";
import { TelegramConfigSchema } from "../../src/connectors/telegram/config.js";
import { WhatsAppWebConfigSchema } from "../../src/connectors/whatsapp-web/config.js";
import { lastThread, mergeRecent, pushRecent, summarize } from "../../dashboard/src/lib/events.js";
import { LatestOnly, replacesStatus } from "../../dashboard/src/lib/freshness.js";
import { hasEmptyRef, itemsOf, type PanelScope, passes, render, renderBody, renderPath, unwrap } from "../../dashboard/src/lib/panel.js";
import { fieldsOf, humanize, initialValue, type JsonSchemaLike, valueOf } from "../../dashboard/src/lib/schema-form.js";
import { stateLabel, statusDetail } from "../../dashboard/src/lib/status.js";
import { formatRemaining, lockedUntilOf } from "../../dashboard/src/lib/time.js";

const asSchema = (s: unknown) => JSON.parse(JSON.stringify(s)) as JsonSchemaLike;

describe("schema form", () => {
  it("derives fields from the Telegram config schema", () => {
    const fields = fieldsOf(asSchema(TelegramConfigSchema));
    const by = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(by.apiRoot?.kind).toBe("text");
    expect(by.environment).toMatchObject({ kind: "choice", options: ["production", "test"], default: "production" });
    expect(by.pollTimeoutS).toMatchObject({ kind: "integer", minimum: 0, maximum: 50, label: "Poll timeout s" });
    expect(by.allowedUpdates?.kind).toBe("list");
    expect(by.includeRaw?.kind).toBe("boolean");
    expect(by.cloudLockedUntil).toMatchObject({ kind: "number", nullable: true });
  });

  it("derives a choice from the WhatsApp browser union and keeps order", () => {
    const fields = fieldsOf(asSchema(WhatsAppWebConfigSchema));
    expect(fields[0]?.name).toBe("deviceName");
    const browser = fields.find((f) => f.name === "browser");
    expect(browser?.kind).toBe("choice");
    expect(browser?.options).toContain("Chrome");
  });

  it("renders secrets as secret fields and required ones as required", () => {
    const [f] = fieldsOf({ type: "object", properties: { token: { type: "string", minLength: 1 } }, required: ["token"] });
    expect(f).toMatchObject({ name: "token", kind: "secret", required: true, label: "Token" });
  });

  it("builds a value: empty text left out, numbers parsed, lists split, booleans kept", () => {
    const fields = fieldsOf(asSchema(TelegramConfigSchema));
    const r = valueOf(fields, { apiRoot: "", environment: "test", pollTimeoutS: "10", allowedUpdates: "message, edited_message,", includeRaw: true, cloudLockedUntil: "" });
    expect(r).toEqual({ ok: true, value: { environment: "test", pollTimeoutS: 10, allowedUpdates: ["message", "edited_message"], includeRaw: true } });
  });

  it("reports bad numbers, out-of-range values, missing required input and bad JSON", () => {
    const schema: JsonSchemaLike = {
      type: "object",
      properties: { n: { type: "integer", minimum: 1 }, x: { type: "number", maximum: 2 }, t: { type: "string" }, o: { type: "object" } },
      required: ["t"],
    };
    const r = valueOf(fieldsOf(schema), { n: "1.5", x: "3", t: " ", o: "{" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["n", "o", "t", "x"]);
    expect(valueOf(fieldsOf(schema), { n: "0", t: "a" })).toMatchObject({ ok: false, errors: { n: "N must be at least 1." } });
  });

  it("gives initial values from defaults", () => {
    const fields = fieldsOf(asSchema(TelegramConfigSchema));
    const by = Object.fromEntries(fields.map((f) => [f.name, initialValue(f)]));
    expect(by).toMatchObject({ pollTimeoutS: "25", includeRaw: false, cloudLockedUntil: "", environment: "production" });
    expect(humanize("phone_number")).toBe("Phone number");
    expect(fieldsOf(undefined)).toEqual([]);
  });
});

describe("status words", () => {
  it("labels states and details", () => {
    expect(stateLabel("awaiting_login")).toBe("awaiting login");
    expect(statusDetail({ state: "connected", self: { id: "1", name: "demo_bot" } })).toBe("as demo_bot");
    expect(statusDetail({ state: "awaiting_login", method: "pairing_code", attempt: 2 })).toBe("by pairing code, attempt 2");
    expect(statusDetail({ state: "logged_out", reason: "user", remote: "already_revoked" })).toBe("by user, remote: already revoked");
    expect(statusDetail({ state: "failed", error: { code: "X", message: "boom" } })).toBe("boom");
  });
});

describe("time", () => {
  it("formats a countdown, rounding up to the second", () => {
    expect(formatRemaining(598_001)).toBe("9:59");
    expect(formatRemaining(600_000)).toBe("10:00");
    expect(formatRemaining(3_723_000)).toBe("1:02:03");
    expect(formatRemaining(-5)).toBe("0:00");
  });

  it("finds the lock end in an action answer", () => {
    expect(lockedUntilOf({ loggedOut: true, apiRoot: "http://x", cloudLockedUntil: 1_700_000_600_000 })).toBe(1_700_000_600_000);
    expect(lockedUntilOf({ apiRoot: "https://api.telegram.org", cloudLockedUntil: null })).toBeUndefined();
    expect(lockedUntilOf(null)).toBeUndefined();
  });
});

describe("events", () => {
  const ev = (id: string, type: string, data: unknown, ts = 1) => ({ id, type, instance: "a", ts, data });

  it("keeps the newest first, without duplicates, capped", () => {
    let list = [ev("1", "x", {})];
    list = pushRecent(list, ev("2", "x", {}), 2);
    list = pushRecent(list, ev("2", "x", {}), 2);
    list = pushRecent(list, ev("3", "x", {}), 2);
    expect(list.map((e) => e.id)).toEqual(["3", "2"]);
  });

  it("merges 50 replayed events (oldest first) into live ones: a newer live event stays, no duplicates, newest first, capped", () => {
    const replayed = Array.from({ length: 50 }, (_, i) => ev(`r${i + 1}`, "x", {}, 100 + i)); // ts 100…149
    const live = [ev("live2", "x", {}, 300), ev("r50", "x", {}, 149), ev("live1", "x", {}, 120)];
    const merged = mergeRecent(live, replayed, 50);
    expect(merged).toHaveLength(50);
    expect(merged[0]!.id).toBe("live2");
    expect(merged.filter((e) => e.id === "r50")).toHaveLength(1);
    expect(merged.map((e) => e.id).slice(0, 4)).toEqual(["live2", "r50", "r49", "r48"]);
    expect(merged.map((e) => e.ts)).toEqual([...merged.map((e) => e.ts)].sort((a, b) => b - a));
    expect(merged.map((e) => e.id)).toContain("live1"); // ts 120: among the newest 50
    expect(merged.at(-1)!.id).toBe("r3"); // the oldest two replayed ones fell off
    // Equal times: the live one first, replayed ones newest first.
    expect(mergeRecent([ev("l", "x", {}, 5)], [ev("a", "x", {}, 5), ev("b", "x", {}, 5)]).map((e) => e.id)).toEqual(["l", "b", "a"]);
    expect(mergeRecent([], [])).toEqual([]);
  });

  it("summarizes without the QR string", () => {
    expect(summarize(ev("1", "instance.qr", { qr: "2@secret", attempt: 3 }))).toBe("new QR (attempt 3)");
    expect(summarize(ev("1", "instance.qr", { qr: "2@secret", attempt: 3 }))).not.toContain("secret");
    expect(summarize(ev("1", "instance.status", { status: { state: "awaiting_login" } }))).toBe("→ awaiting login");
    expect(summarize(ev("1", "message.received", { threadId: "42", body: "hi" }))).toBe("42: hi");
    // Names instead of raw ids; media, locations and contacts described, never their bytes.
    expect(summarize(ev("1", "message.received", { threadId: "42", body: "hi", sender: { name: "Ada Lovelace" } }))).toBe("Ada Lovelace: hi");
    expect(summarize(ev("1", "message.received", { threadId: "42", body: "", sender: { username: "ada" }, content: { type: "location", latitude: 48.858_37, longitude: 2.294_48 } }))).toBe("@ada: [location 48.85837, 2.29448]");
    expect(summarize(ev("1", "message.received", { threadId: "42", body: "the scan", content: { type: "document", media: { mediaId: "m", size: 20_480, fileName: "scan.pdf" }, caption: "the scan" } }))).toBe("42: [document scan.pdf 20 KB] the scan");
    expect(summarize(ev("1", "message.reaction", { messageId: "7", emoji: "👍" }))).toBe("👍 on 7");
    expect(summarize(ev("1", "message.deleted", { messageId: "7" }))).toBe("deleted 7");
    expect(lastThread([ev("2", "message.sent", { threadId: "9" }), ev("1", "message.received", { threadId: "42" })])).toBe("42");
  });
});

describe("freshness", () => {
  const view = (at: number) => ({ at, by: "view" as const });
  const event = (at: number) => ({ at, by: "event" as const });

  it("a verb's answer older than a status event that overtook it does not replace that status", () => {
    // Connect answered "awaiting login" (stored at 1000); "connected" came on the stream first (ts 1005).
    expect(replacesStatus(event(1005), view(1000))).toBe(false);
    // On a tie the event may describe the next change: the view does not win either.
    expect(replacesStatus(event(1000), view(1000))).toBe(false);
    expect(replacesStatus(event(1000), view(1001))).toBe(true);
    expect(replacesStatus(undefined, view(1))).toBe(true);
  });

  it("events replace events (they arrive in order) and views unless the view is newer; views replace views at least as new", () => {
    expect(replacesStatus(event(2000), event(1000))).toBe(true);
    expect(replacesStatus(view(1000), event(1000))).toBe(true);
    expect(replacesStatus(view(1000), event(999))).toBe(false); // a late event for a change the view shows already
    expect(replacesStatus(view(1000), view(1000))).toBe(true);
    expect(replacesStatus(view(1000), view(999))).toBe(false);
  });

  it("LatestOnly: a load that finishes after a newer one started, or after cancel, is not current", () => {
    const loads = new LatestOnly();
    const first = loads.start();
    expect(loads.current(first)).toBe(true);
    const second = loads.start();
    expect(loads.current(first)).toBe(false);
    expect(loads.current(second)).toBe(true);
    loads.cancel();
    expect(loads.current(second)).toBe(false);
  });
});

const scope = (over: Partial<PanelScope> = {}): PanelScope => ({
  pickers: { phone: { id: "phone 1", number: "15550001" }, bot: undefined },
  inputs: { text: "hi there", code: "" },
  vars: { contact: { id: "contact-1" } },
  outputs: { token: "1:abc" },
  instance: { name: "wa" },
  now: "12:00:00",
  ...over,
});

describe("sandbox panel templates", () => {
  it("resolves pickers, inputs, saved answers, outputs, the item and the instance; fallbacks and yes/no", () => {
    expect(render("{phone.id} (+{phone.number})", scope())).toBe("phone 1 (+15550001)");
    expect(render("Number: +{bot.number|none yet}", scope())).toBe("Number: +none yet");
    expect(render("{input.text} / {vars.contact.id} / {output.token} / {instance.name} / {now}", scope())).toBe("hi there / contact-1 / 1:abc / wa / 12:00:00");
    const item = { device: 2, name: null, connected: true, message: { text: "pong" } };
    expect(render("{device}: {name|device} {connected?(online):(offline)} {message.text}", scope({ item }))).toBe("2: device (online) pong");
    expect(render("Created {answer.id}", scope({ answer: { id: "p-2" } }))).toBe("Created p-2");
  });

  it("URL-encodes references in paths, keeps a lone reference's type in bodies, and tells when a path is not ready", () => {
    expect(renderPath("/phones/{phone.id}/contacts/{vars.contact.id}/messages", scope())).toBe("/phones/phone%201/contacts/contact-1/messages");
    expect(renderBody({ bot: "{item.id}", text: "{input.text}!", n: 3 }, scope({ item: { id: 42 } }))).toEqual({ bot: 42, text: "hi there!", n: 3 });
    expect(hasEmptyRef("/bots/{bot.id}/sent", scope())).toBe(true);
    expect(hasEmptyRef("/phones/{phone.id}", scope())).toBe(false);
    expect(hasEmptyRef("/x/{bot.id|none}", scope())).toBe(false);
  });

  it("unwraps the Bot API envelope (a refusal is an error with its description), picks items and filters them", () => {
    expect(unwrap("bot-api", { ok: true, result: { token: "1:abc" } })).toEqual({ token: "1:abc" });
    expect(() => unwrap("bot-api", { ok: false, error_code: 400, description: "Bad Request: username taken" })).toThrow("Bad Request: username taken");
    expect(unwrap("plain", { ok: false })).toEqual({ ok: false });
    expect(itemsOf({ phones: [1, 2] }, "phones")).toEqual([1, 2]);
    expect(itemsOf([3], undefined)).toEqual([3]);
    expect(itemsOf({ phones: "x" }, "phones")).toEqual([]);
    expect([{ message: { text: "a" } }, { message: {} }, { message: { text: "" } }].filter((i) => passes(i, "message.text"))).toHaveLength(1);
  });
});
