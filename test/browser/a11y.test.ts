/**
 * Accessibility audit of the dashboard with axe-core in a real Chromium against
 * `startServer({sandbox: true})` (docs/browser-tests.md): WCAG 2.0/2.1 A and AA rules (`wcag2a`,
 * `wcag2aa`, `wcag21a`, `wcag21aa`) and axe's `best-practice` rules (landmarks, heading order…).
 *
 * Audited: the sign-in page (also with a refused token's alert); the dashboard with a WhatsApp
 * instance selected and its QR code shown; the sandbox phone panels in use (a phone linked to the
 * instance, a contact's message, a Telegram bot and user); the webhooks region with a subscription,
 * its attempts and the delete dialog open; and the signed-in dashboard 360 px wide (no horizontal
 * scrolling; a button pressed with Enter keeps the focus). Each audit asserts no violations; a
 * failure lists each rule with the selectors of the offending nodes. A control first checks that
 * the audit does catch problems on this page (an unlabelled field, text without contrast).
 *
 * axe is injected with `page.evaluate(<the text of axe.min.js>)`: `page.addScriptTag({path})` adds the
 * file as an inline script, which the dashboard's CSP (`script-src 'self' 'sha256-…'`, no
 * `'unsafe-inline'`) refuses; an evaluation through the DevTools protocol is not subject to the page's
 * CSP, so the audited pages keep the CSP in force (no `bypassCSP`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBrowserHarness, UI_TIMEOUT_MS, type BrowserHarness } from "./harness.js";
import { createInstance, signIn, waitForText } from "./steps.js";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The axe rule tags audited: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, headings). */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** One failed rule, as reported. */
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness("a11y");
}, 60_000);
afterEach(async () => {
  await h.closePages();
});
afterAll(async () => {
  await h?.close();
});

/** Runs axe on the whole document; returns the violations (empty when none). Saves `a11y-<name>.png`. */
async function audit(page: Page, name: string): Promise<Violation[]> {
  await h.screenshot(page, `a11y-${name}`);
  if (!(await page.evaluate<boolean>('"axe" in window'))) await page.evaluate(AXE_SOURCE);
  // In-page code as text: the tests are compiled without the DOM library.
  return page.evaluate<Violation[]>(`(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(TAGS)} }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ") + ": " + (n.failureSummary || "")) }));
  })()`);
}

/** Creates a WhatsApp instance from the form, connects it by QR and waits for the QR code. */
async function whatsappWithQr(page: Page, name: string): Promise<Locator> {
  const panel = await createInstance(page, "whatsapp-web", name);
  await panel.getByLabel("Login method").selectOption("qr");
  await panel.getByRole("button", { name: "Connect", exact: true }).click();
  await panel.getByRole("img", { name: "QR code" }).waitFor();
  return panel;
}

/** The texts of the elements named by the locator's `aria-describedby`, in order. */
async function describedBy(page: Page, locator: Locator): Promise<string[]> {
  const ids = ((await locator.getAttribute("aria-describedby")) ?? "").split(" ").filter((id) => id !== "");
  return Promise.all(ids.map(async (id) => (await page.locator(`[id="${id}"]`).textContent()) ?? ""));
}

describe("accessibility audit (axe-core, WCAG 2 A/AA)", () => {
  it("catches known problems (control: the audit runs its rules on this page, under its CSP)", async () => {
    const page = await h.newPage();
    await page.goto("/");
    await page.getByLabel("Token").waitFor();
    // Colours through the CSSOM: the CSP refuses style attributes in markup.
    await page.evaluate(`{
      const faint = document.createElement("p");
      faint.textContent = "faint text";
      faint.style.color = "#bbb";
      faint.style.background = "#fff";
      const field = document.createElement("input");
      field.type = "text";
      document.querySelector("main").append(field, faint);
    }`);
    const ids = (await audit(page, "control")).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(["label", "color-contrast"]));
  });

  it("the sign-in page, before and after a refused token", async () => {
    const page = await h.newPage();
    await page.goto("/");
    await page.getByLabel("Token").waitFor();
    expect(await audit(page, "sign-in")).toEqual([]);
    await page.getByLabel("Token").fill("sba_not_a_valid_token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await audit(page, "sign-in-refused")).toEqual([]);
  });

  it("the dashboard with a WhatsApp instance's QR code, then the sandbox phone panels in use", async () => {
    const page = await signIn(h);
    const panel = await whatsappWithQr(page, "a11y-wa");
    expect(await audit(page, "whatsapp-qr")).toEqual([]);

    const phone = page.getByRole("group", { name: "WhatsApp phone" });
    await phone.getByRole("button", { name: "Create phone" }).click();
    // The phone exists once the sandbox answered: its number is shown.
    await waitForText(phone.getByLabel("Phone number"), /^\d{6,}$/);
    await phone.getByRole("button", { name: "Scan QR of the selected instance" }).click();
    await phone.getByRole("list", { name: "Linked devices" }).getByRole("button", { name: /^Remove device/ }).waitFor();
    await phone.getByLabel("Contact message").fill("Hello");
    await phone.getByRole("button", { name: "Send as contact" }).click();
    await panel.getByRole("list", { name: "Recent events" }).getByText("Hello").waitFor();
    const tg = page.getByRole("group", { name: "Telegram" });
    await tg.getByRole("button", { name: "Create bot" }).click();
    await tg.getByRole("status", { name: "Bot token" }).getByText(/^\d+:/).waitFor();
    await tg.getByRole("button", { name: "Create user" }).click();
    await tg.getByRole("status", { name: "Telegram result" }).getByText(/^Created user/).waitFor();
    expect(await audit(page, "sandbox-panels")).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  }, 60_000);

  it("the webhooks region with a subscription, its attempts and the delete dialog", async () => {
    const page = await signIn(h);
    const region = page.getByRole("region", { name: "Webhooks" });
    const form = region.getByRole("form", { name: "Create a webhook" });
    await form.getByLabel("URL").fill("http://127.0.0.1:9/never-answers");
    await form.getByRole("button", { name: "Create webhook" }).click();
    await form.getByRole("status", { name: "Signing secret" }).waitFor();
    const group = region.getByRole("group", { name: "Webhook http://127.0.0.1:9/never-answers (all instances)", exact: true });
    await group.getByRole("button", { name: "Attempts", exact: true }).click();
    await group.getByText("No attempts yet.").waitFor();
    const maxConcurrency = form.getByLabel("Max concurrency");
    await maxConcurrency.fill("0");
    await form.getByRole("button", { name: "Create webhook" }).click();
    await form.getByRole("alert").waitFor();
    // The field is marked invalid and described by its hint and its error (dashboard/src/form.ts).
    expect(await maxConcurrency.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(page, maxConcurrency)).toEqual([expect.stringMatching(/^Requests in flight at once/), "A whole number from 1 to 64."]);
    expect(await audit(page, "webhooks")).toEqual([]);
    await group.getByRole("button", { name: "Delete webhook" }).click();
    await page.getByRole("dialog").waitFor();
    expect(await audit(page, "dialog")).toEqual([]);
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  });

  it("the dashboard 360 px wide with an instance selected", async () => {
    const page = await signIn(h, { width: 360, height: 740 });
    await whatsappWithQr(page, "a11y-narrow");
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(await audit(page, "narrow")).toEqual([]);
    // By keyboard: a button pressed with Enter keeps the focus once its work is done.
    const refresh = page.getByRole("button", { name: "Refresh webhooks" });
    await refresh.focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.evaluate('document.activeElement?.textContent === "Refresh webhooks" && !document.activeElement.disabled'), { timeout: UI_TIMEOUT_MS })
      .toBe(true);
  });
});
