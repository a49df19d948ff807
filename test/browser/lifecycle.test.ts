/**
 * The rest of an instance's lifecycle in the dashboard, in a real Chromium against
 * `startServer({sandbox: true})` (docs/browser-tests.md). Covered:
 * - the create form's checkboxes sit on one line with their labels (1280 px and 360 px);
 * - WhatsApp by pairing code: the phone panel's number → the code shown → entered on the phone →
 *   connected, with "Result" following the outcome ("Connect: awaiting login." → "Connect: connected.");
 * - WhatsApp QR rotation (config "Qr timeout ms", which the sandbox follows): the image changes on a
 *   new `instance.qr`, the QR on screen scans → connected; Close → stopped; Restart → connected from
 *   the stored credentials without a QR; Delete asks in a dialog, Cancel keeps the instance, "Delete
 *   for good" removes it and unlinks the device from the phone (its outcome in the same output
 *   "Result", the focus on the panel's heading);
 * - Telegram: "Recent events" of a busy instance come from one request for the newest 50; Close, then
 *   `log-out-cloud` (to the same sandbox under another host name) with its 10-minute lockout counting
 *   down; `use-cloud` refused meanwhile, with its own countdown.
 */
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_DIR, startBrowserHarness, UI_TIMEOUT_MS, type BrowserHarness } from "./harness.js";
import { createInstance, signIn, step, waitForText } from "./steps.js";

/** A story: many round trips through the gateway and a sandbox, each waited for. */
const STORY_TIMEOUT_MS = 120_000;
/** The QR lifetime of the rotation story, ms: short enough to watch one rotation, long enough to scan. */
const QR_TIMEOUT_MS = 5_000;

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness("lifecycle");
}, 60_000);
afterEach(async () => {
  await h.closePages();
});
afterAll(async () => {
  await h?.close();
});

/** The panel's parts every story reads. */
function parts(page: Page, panel: Locator) {
  const phone = page.getByRole("group", { name: "WhatsApp phone" });
  return {
    status: panel.getByRole("status", { name: "Status", exact: true }),
    result: panel.getByRole("status", { name: "Result", exact: true }),
    qr: panel.getByRole("img", { name: "QR code" }),
    events: panel.getByRole("list", { name: "Recent events" }),
    phone,
    devices: phone.getByRole("list", { name: "Linked devices" }),
  };
}

/** Creates a sandbox phone in the WhatsApp phone panel; returns its number. */
async function createPhone(phone: Locator): Promise<string> {
  await phone.getByRole("button", { name: "Create phone" }).click();
  await waitForText(phone.getByLabel("Phone number"), /^\d{6,}$/);
  return (await phone.getByLabel("Phone number").textContent()) ?? "";
}

/** The QR image as rendered (PNG of the element, base64): another code draws other pixels. */
async function qrPixels(qr: Locator): Promise<string> {
  return (await qr.screenshot()).toString("base64");
}

/** "m:ss" in a countdown text → seconds. */
function secondsIn(text: string): number {
  const m = /(\d+):(\d\d)/.exec(text);
  if (!m) throw new Error(`no m:ss in ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

describe("dashboard lifecycle (Chromium)", () => {
  it("the create form's checkboxes sit on one line with their labels, also 360 px wide", async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const page = await signIn(h, viewport);
      const form = page.getByRole("form", { name: "Create an instance" });
      await form.getByLabel("Platform").selectOption("whatsapp-web");
      const boxes = form.getByRole("checkbox");
      await boxes.first().waitFor();
      const count = await boxes.count();
      expect(count).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < count; i++) {
        const box = boxes.nth(i);
        const id = await box.getAttribute("id");
        const label = form.locator(`label[for="${id}"]`);
        const [b, l] = [await box.boundingBox(), await label.boundingBox()];
        if (!b || !l) throw new Error(`checkbox ${id} or its label is not laid out`);
        const name = await label.textContent();
        // Checkbox first, the label right next to it, on one line, their middles level.
        expect(b.x + b.width, name ?? "").toBeLessThanOrEqual(l.x);
        expect(l.x - (b.x + b.width), name ?? "").toBeLessThan(16);
        expect(Math.abs(b.y + b.height / 2 - (l.y + l.height / 2)), name ?? "").toBeLessThan(4);
        expect(l.height, name ?? "").toBeLessThan(30);
      }
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await form.getByRole("group", { name: "Configuration" }).screenshot({ path: join(ARTIFACTS_DIR, `create-checkboxes-${viewport.width}.png`) });
      await h.closePages();
    }
    expect(h.pageErrors).toEqual([]);
  });

  it(
    "WhatsApp by pairing code: the phone's number → the code → entered on the phone → connected; Result follows the outcome",
    async () => {
      const page = await signIn(h);
      const panel = await step(h, page, "wa-code-create", () => createInstance(page, "whatsapp-web", "wa-code"));
      const { status, result, qr, phone, devices } = parts(page, panel);
      const number = await step(h, page, "wa-code-phone", () => createPhone(phone));

      const code = await step(h, page, "wa-code-shown", async () => {
        await panel.getByLabel("Login method").selectOption("pairing_code");
        await panel.getByRole("textbox", { name: "Phone number" }).fill(number);
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await waitForText(panel.getByRole("status", { name: "Pairing code" }), /^[A-Z0-9]{8}$/);
        await waitForText(status, /^awaiting login — by pairing code/);
        await waitForText(result, /^Connect: awaiting login\.$/);
        expect(await qr.isVisible()).toBe(false);
        return (await panel.getByRole("status", { name: "Pairing code" }).textContent()) ?? "";
      });
      await h.screenshot(page, "wa-pairing-code");

      await step(h, page, "wa-code-entered", async () => {
        await phone.getByRole("textbox", { name: "Pairing code" }).fill(code);
        await phone.getByRole("button", { name: "Enter pairing code" }).click();
        await waitForText(phone.getByRole("status", { name: "Phone result" }), /^Pairing code accepted\.$/);
        await waitForText(status, new RegExp(`^connected — as ${number}@s\\.whatsapp\\.net`));
        // The answer of Connect was "awaiting login"; the Result now says how it ended.
        await waitForText(result, /^Connect: connected\.$/);
        await waitForText(devices, /online/);
        await panel.getByRole("status", { name: "Pairing code" }).waitFor({ state: "hidden" });
      });
      await h.screenshot(page, "wa-paired");
      expect(h.pageErrors).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "WhatsApp: the QR image follows each rotation and the one on screen scans; Close; Restart without a QR; Delete asks, Cancel keeps, Delete for good unlinks",
    async () => {
      const page = await signIn(h);
      const panel = await step(h, page, "wa-life-create", () => createInstance(page, "whatsapp-web", "wa-life", { "Qr timeout ms": String(QR_TIMEOUT_MS) }));
      const { status, result, qr, events, phone, devices } = parts(page, panel);
      const caption = panel.locator("figcaption");
      await step(h, page, "wa-life-phone", () => createPhone(phone));

      const first = await step(h, page, "wa-life-qr", async () => {
        await panel.getByLabel("Login method").selectOption("qr");
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await qr.waitFor();
        await waitForText(caption, /attempt 1, rotates in 0:0[0-5]\)/);
        return qrPixels(qr);
      });
      await h.screenshot(page, "wa-life-qr-1");

      await step(h, page, "wa-life-rotated", async () => {
        // The next instance.qr event replaces the image: another code, a later attempt.
        await waitForText(caption, /attempt [2-9], rotates in 0:0[0-5]\)/, QR_TIMEOUT_MS * 3);
        expect(await qrPixels(qr)).not.toBe(first);
        await waitForText(events, /new QR \(attempt 2\)/);
      });
      await h.screenshot(page, "wa-life-qr-rotated");

      await step(h, page, "wa-life-scan", async () => {
        // The sandbox rotates on the same schedule, so the QR on screen now is the one it accepts.
        await phone.getByRole("button", { name: "Scan QR of the selected instance" }).click();
        await waitForText(status, /^connected/);
        await waitForText(result, /^Connect: connected\.$/);
        await qr.waitFor({ state: "hidden" });
        await waitForText(devices, /online/);
      });
      await h.screenshot(page, "wa-life-connected");

      await step(h, page, "wa-life-close", async () => {
        await panel.getByRole("button", { name: "Close", exact: true }).click();
        await waitForText(status, /^stopped — closed$/);
        await waitForText(result, /^Close: stopped\.$/);
        await waitForText(devices, /offline/);
      });
      await h.screenshot(page, "wa-life-closed");

      await step(h, page, "wa-life-restart", async () => {
        const qrsBefore = await events.getByText(/new QR/).count();
        await panel.getByRole("button", { name: "Restart", exact: true }).click();
        await waitForText(status, /^connected/);
        await waitForText(result, /^Restart: connected\.$/);
        await waitForText(devices, /online/);
        // Restored from the stored credentials: no QR shown, no new instance.qr event.
        expect(await qr.isVisible()).toBe(false);
        expect(await events.getByText(/new QR/).count()).toBe(qrsBefore);
      });
      await h.screenshot(page, "wa-life-restarted");

      const list = page.getByRole("list", { name: "Instances" });
      await step(h, page, "wa-life-delete-cancel", async () => {
        await panel.getByRole("button", { name: "Delete", exact: true }).click();
        const dialog = page.getByRole("dialog");
        await dialog.getByText("Delete the instance wa-life?", { exact: false }).waitFor();
        await h.screenshot(page, "wa-life-delete-dialog");
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await dialog.waitFor({ state: "detached" });
        await list.getByRole("button", { name: "wa-life", exact: true }).waitFor();
        await waitForText(status, /^connected/);
      });

      await step(h, page, "wa-life-delete", async () => {
        // The output "Result" is one element across redraws (a live region the reader knows already).
        await page.evaluate('document.querySelector("section[aria-labelledby=panel-title] output[aria-label=Result]").keptAcrossRedraws = true');
        await panel.getByRole("button", { name: "Delete", exact: true }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Delete for good" }).click();
        await list.getByRole("button", { name: "wa-life", exact: true }).waitFor({ state: "detached" });
        const region = page.getByRole("region", { name: "Instance" });
        await waitForText(region.getByRole("status", { name: "Result" }), /^Deleted wa-life: remote revoked\.$/);
        expect(await page.evaluate('document.querySelector("section[aria-labelledby=panel-title] output[aria-label=Result]").keptAcrossRedraws === true')).toBe(true);
        // The focus is on the panel's heading, not dropped to the page.
        expect(await page.evaluate('document.activeElement?.tagName + " " + document.activeElement?.textContent')).toBe("H2 Instance");
        // Delete logs out first: the device is unlinked from the phone.
        await waitForText(devices, /^No linked devices\.$/);
      });
      await h.screenshot(page, "wa-life-deleted");
      expect(h.pageErrors).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Telegram: recent events of a busy instance in one request for the newest 50; log-out-cloud with the lockout counting down; use-cloud refused",
    async () => {
      const page = await signIn(h);
      const panel = await step(h, page, "tg-life-create", () => createInstance(page, "telegram", "tg-life"));
      const { status, result } = parts(page, panel);
      const tg = page.getByRole("group", { name: "Telegram" });
      const tgResult = tg.getByRole("status", { name: "Telegram result" });

      await step(h, page, "tg-life-connect", async () => {
        await tg.getByRole("button", { name: "Create bot" }).click();
        await waitForText(tg.getByRole("status", { name: "Bot token" }), /^\d+:\S+$/);
        await tg.getByRole("button", { name: "Use token in connect" }).click();
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await waitForText(status, /^connected — as /);
        await tg.getByRole("button", { name: "Create user" }).click();
        await waitForText(tgResult, /^Created user /);
      });

      // A busy instance: 60 messages from the user (through the gateway's sandbox proxy, as the panel does).
      const MESSAGES = 60;
      await step(h, page, "tg-life-busy", async () => {
        const call = async (path: string, body?: unknown): Promise<unknown> => {
          const res = await fetch(`${h.url}/sandbox/telegram${path}`, {
            method: body === undefined ? "GET" : "POST",
            headers: { authorization: `Bearer ${h.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
            ...(body !== undefined && { body: JSON.stringify(body) }),
          });
          expect(res.status, path).toBeLessThan(300);
          return ((await res.json()) as { result: unknown }).result;
        };
        const bots = (await call("/bots")) as Array<{ id: number }>;
        const users = (await call("/users")) as Array<{ id: number }>;
        const [bot, user] = [bots.at(-1)!, users.at(-1)!];
        for (let i = 1; i <= MESSAGES; i++) await call("/messages", { bot: bot.id, from: user.id, text: `busy ${i}` });
        await panel.getByRole("list", { name: "Recent events" }).getByText(`busy ${MESSAGES}`, { exact: false }).waitFor();
      });

      // A new page: the instance's recent events are replayed when it is selected.
      await step(h, page, "tg-life-recent", async () => {
        const fresh = await signIn(h);
        const replays: string[] = [];
        fresh.on("request", (r) => {
          if (/\/v1\/instances\/tg-life\/events\b/.test(r.url())) replays.push(new URL(r.url()).search);
        });
        await fresh.getByRole("list", { name: "Instances" }).getByRole("button", { name: "tg-life", exact: true }).click();
        const items = fresh.getByRole("region", { name: "Instance tg-life" }).getByRole("list", { name: "Recent events" }).getByRole("listitem");
        await expect.poll(() => items.count(), { timeout: UI_TIMEOUT_MS }).toBe(50);
        await expect.poll(async () => (await items.first().textContent()) ?? "", { timeout: UI_TIMEOUT_MS }).toMatch(new RegExp(`busy ${MESSAGES}$`));
        expect(await items.filter({ hasText: /busy 10$/ }).count()).toBe(0);
        expect(replays).toEqual(["?last=50"]);
        await h.screenshot(fresh, "tg-life-recent-events");
        await fresh.context().close();
      });

      const lockout = panel.getByRole("status", { name: "log-out-cloud lockout" });
      await step(h, page, "tg-life-log-out-cloud", async () => {
        // The instance is closed first: a live session would restart against the local server at once.
        await panel.getByRole("button", { name: "Close", exact: true }).click();
        await waitForText(result, /^Close: stopped\.$/);
        // The sandbox is "the cloud" at its URL; another host name of the same port passes for the
        // local Bot API server (the exact cloud URL is refused).
        const cloud = h.gateway.sandbox!["telegram"]!.info["apiRoot"]!;
        const local = cloud.replace("127.0.0.1", "localhost");
        const action = panel.getByRole("form", { name: "Action log-out-cloud" });
        await action.getByLabel("Local api root").fill(local);
        await action.getByRole("button", { name: "log-out-cloud", exact: true }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Run log-out-cloud" }).click();
        await waitForText(action.getByRole("status", { name: "log-out-cloud result" }), /^Done: .*"loggedOut":true/);
        await waitForText(lockout, /^Cloud Bot API locked for (10:00|9:[0-5]\d) \(until \d\d:\d\d:\d\d\)\.$/);
      });
      await h.screenshot(page, "tg-log-out-cloud");

      await step(h, page, "tg-life-lockout", async () => {
        // Counting down: a later reading shows less time left.
        const start = secondsIn((await lockout.textContent()) ?? "");
        await expect.poll(async () => secondsIn((await lockout.textContent()) ?? ""), { timeout: UI_TIMEOUT_MS, interval: 250 }).toBeLessThan(start);
        const useCloud = panel.getByRole("form", { name: "Action use-cloud" });
        await useCloud.getByRole("button", { name: "use-cloud", exact: true }).click();
        await waitForText(useCloud.getByRole("alert"), /can return in \d+s/);
        await waitForText(useCloud.getByRole("status", { name: "use-cloud lockout" }), /^Cloud Bot API locked for 9:[0-5]\d/);
      });
      await h.screenshot(page, "tg-lockout");
      expect(h.pageErrors).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );
});
