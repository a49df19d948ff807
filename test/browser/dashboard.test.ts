/**
 * The newcomer's story in a real Chromium against `startServer({sandbox: true})` (docs/browser-tests.md).
 *
 * Covered: sign in (a refused token; keyboard only on a 360 px screen); WhatsApp: create an instance → QR visible → scan it from
 * the phone panel → connected, device listed → a message from a contact appears → reply, seen by the
 * contact → a reload keeps the phone and its device in the phone panel → logout (remote revoked) →
 * the device is gone from the phone panel → connect shows a new QR. Telegram: create an instance → create a bot in the phone panel and put its token into connect
 * → connected → a message from a user (sent from the panel) appears → reply, seen in the panel's
 * "Sent by the bot" → logout (remote not supported, credentials wiped) → connect with the token
 * again → connected.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBrowserHarness, UI_TIMEOUT_MS, type BrowserHarness } from "./harness.js";
import { createInstance, signIn, step, waitForText } from "./steps.js";

/** A whole story: many round trips through the gateway and a sandbox, each waited for. */
const STORY_TIMEOUT_MS = 120_000;

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness("dashboard");
}, 60_000);
afterEach(async () => {
  await h.closePages();
});
afterAll(async () => {
  await h?.close();
});

describe("dashboard (Chromium)", () => {
  it("signs in with the account token and shows the instance list; refuses a wrong token", async () => {
    const page = await h.newPage();
    await page.goto("/");
    await page.getByLabel("Token").fill("sba_not_a_valid_token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("list", { name: "Instances" }).count()).toBe(0);

    await page.getByLabel("Token").fill(h.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    await page.getByRole("list", { name: "Instances" }).waitFor();
    await page.getByRole("form", { name: "Create an instance" }).waitFor();
    await page.getByRole("region", { name: "Sandbox phones" }).waitFor();
    await h.screenshot(page, "signed-in");
    expect(h.pageErrors).toEqual([]);
  });

  it("signs in by keyboard alone on a narrow screen, without horizontal scrolling", async () => {
    const page = await h.newPage({ width: 360, height: 740 });
    await page.goto("/");
    // The token field has the focus on load; Enter submits.
    await page.getByLabel("Token").waitFor();
    await page.keyboard.type(h.token);
    await page.keyboard.press("Enter");
    await page.getByRole("list", { name: "Instances" }).waitFor();
    await page.getByRole("form", { name: "Create an instance" }).waitFor();
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await h.screenshot(page, "signed-in-narrow");
  });

  it(
    "WhatsApp: create → QR → scan from the phone panel → connected → message → reply → logout → device gone → new QR",
    async () => {
      const page = await signIn(h);
      const panel = await step(h, page, "wa-create", () => createInstance(page, "whatsapp-web", "wa"));
      const status = panel.getByRole("status", { name: "Status", exact: true });
      const result = panel.getByRole("status", { name: "Result", exact: true });
      const phone = page.getByRole("group", { name: "WhatsApp phone" });
      const devices = phone.getByRole("list", { name: "Linked devices" });

      await step(h, page, "wa-qr", async () => {
        await panel.getByLabel("Login method").selectOption("qr");
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await panel.getByRole("img", { name: "QR code" }).waitFor();
        await waitForText(status, /^awaiting login/);
      });
      await h.screenshot(page, "wa-qr");

      await step(h, page, "wa-scan", async () => {
        await phone.getByRole("button", { name: "Create phone" }).click();
        await waitForText(phone.getByLabel("Phone number"), /^\d{6,}$/);
        await phone.getByRole("button", { name: "Scan QR of the selected instance" }).click();
        await waitForText(status, /^connected/);
        await waitForText(devices, /online/);
        await panel.getByRole("img", { name: "QR code" }).waitFor({ state: "hidden" });
      });
      await h.screenshot(page, "wa-connected");

      await step(h, page, "wa-inbound", async () => {
        await phone.getByLabel("Contact message").fill("Hello from the contact");
        await phone.getByRole("button", { name: "Send as contact" }).click();
        await panel.getByRole("list", { name: "Recent events" }).getByText("Hello from the contact").waitFor();
      });

      await step(h, page, "wa-reply", async () => {
        // The thread ID is filled in from the last received message.
        await expect.poll(() => panel.getByLabel("Thread ID").inputValue(), { timeout: UI_TIMEOUT_MS }).toMatch(/@/);
        await panel.getByRole("textbox", { name: "Message", exact: true }).fill("Hi, this is the gateway");
        await panel.getByRole("button", { name: "Send", exact: true }).click();
        await waitForText(panel.getByRole("status", { name: "Send result" }), /^Sent \(/);
        await phone.getByRole("list", { name: "Chat with the contact" }).getByText("Linked device: Hi, this is the gateway").waitFor();
      });
      await h.screenshot(page, "wa-conversation");

      await step(h, page, "wa-reload", async () => {
        // The phone panel lists the sandbox's phones: after a reload the phone and its linked device are still there.
        const number = (await phone.getByLabel("Phone number").textContent()) ?? "";
        await page.reload();
        await page.getByRole("list", { name: "Instances" }).waitFor();
        await waitForText(phone.getByLabel("Phone number"), new RegExp(`^${number}$`));
        expect(await phone.getByLabel("Phone", { exact: true }).locator("option").allTextContents()).toContain(`phone-1 (+${number})`);
        await waitForText(devices, /^1: .*\(online\) Remove device 1$/);
        await page.getByRole("list", { name: "Instances" }).getByRole("button", { name: "wa", exact: true }).click();
        await waitForText(status, /^connected/);
      });

      await step(h, page, "wa-logout", async () => {
        await panel.getByRole("button", { name: "Log out" }).click();
        await waitForText(result, /^Logged out: remote revoked; credentials wiped\.$/);
        await waitForText(status, /^logged out/);
        await devices.getByText("No linked devices.").waitFor();
      });
      await h.screenshot(page, "wa-logged-out");

      await step(h, page, "wa-reconnect", async () => {
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await waitForText(status, /^awaiting login/);
        await panel.getByRole("img", { name: "QR code" }).waitFor();
        await waitForText(devices, /No linked devices\./);
      });
      await h.screenshot(page, "wa-new-qr");
      expect(h.pageErrors).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Telegram: create → bot token from the phone panel → connected → message from a user → reply → logout → connect again",
    async () => {
      const page = await signIn(h);
      const panel = await step(h, page, "tg-create", () => createInstance(page, "telegram", "tg"));
      const status = panel.getByRole("status", { name: "Status", exact: true });
      const result = panel.getByRole("status", { name: "Result", exact: true });

      const tg = page.getByRole("group", { name: "Telegram" });
      const tgResult = tg.getByRole("status", { name: "Telegram result" });

      await step(h, page, "tg-connect", async () => {
        await tg.getByRole("button", { name: "Create bot" }).click();
        await waitForText(tg.getByRole("status", { name: "Bot token" }), /^\d+:\S+$/);
        await tg.getByRole("button", { name: "Use token in connect" }).click();
        expect(await panel.getByLabel("Login method").inputValue()).toBe("token");
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await waitForText(status, /^connected — as /);
      });
      await h.screenshot(page, "tg-connected");

      await step(h, page, "tg-inbound", async () => {
        await tg.getByRole("button", { name: "Create user" }).click();
        await waitForText(tgResult, /^Created user /);
        await tg.getByLabel("Message to the bot").fill("Hello bot");
        await tg.getByRole("button", { name: "Send as user" }).click();
        await waitForText(tgResult, /^Sent at /);
        await panel.getByRole("list", { name: "Recent events" }).getByText("Hello bot").waitFor();
      });

      await step(h, page, "tg-reply", async () => {
        // The thread ID is filled in from the last received message: the user's private chat.
        await expect.poll(() => panel.getByLabel("Thread ID").inputValue(), { timeout: UI_TIMEOUT_MS }).toMatch(/^\d+$/);
        const chatId = await panel.getByLabel("Thread ID").inputValue();
        await panel.getByRole("textbox", { name: "Message", exact: true }).fill("Hello user");
        await panel.getByRole("button", { name: "Send", exact: true }).click();
        await waitForText(panel.getByRole("status", { name: "Send result" }), /^Sent \(/);
        await tg.getByRole("list", { name: "Sent by the bot" }).getByText(`to ${chatId}: Hello user`, { exact: true }).waitFor();
      });
      await h.screenshot(page, "tg-conversation");

      await step(h, page, "tg-logout", async () => {
        await panel.getByRole("button", { name: "Log out" }).click();
        await waitForText(result, /^Logged out: remote not supported; credentials wiped\.$/);
        await waitForText(status, /^logged out/);
      });
      await h.screenshot(page, "tg-logged-out");

      await step(h, page, "tg-reconnect", async () => {
        // Credentials are wiped: connect needs the token again.
        await tg.getByRole("button", { name: "Use token in connect" }).click();
        await panel.getByRole("button", { name: "Connect", exact: true }).click();
        await waitForText(status, /^connected — as /);
      });
      expect(h.pageErrors).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );
});
