/**
 * Steps shared by the browser tests (dashboard.test.ts, lifecycle.test.ts): waiting for text, a
 * named step that leaves a screenshot when it fails, signing in, creating an instance. Selectors are
 * roles and accessible names (docs/dashboard.md has the table).
 */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { UI_TIMEOUT_MS, type BrowserHarness } from "./harness.js";

/** Waits until the locator's text matches `pattern` (the last text seen is in the failure message). */
export async function waitForText(locator: Locator, pattern: RegExp, timeout = UI_TIMEOUT_MS): Promise<void> {
  await expect.poll(async () => (await locator.textContent({ timeout })) ?? "", { timeout, interval: 100 }).toMatch(pattern);
}

/** Runs one step of a story; on failure saves `<name>-failed.png` and rethrows. */
export async function step<T>(h: BrowserHarness, page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    await h.screenshot(page, `${name}-failed`).catch(() => undefined);
    throw e;
  }
}

/** Opens the dashboard in a fresh context (`viewport` as for `newPage`) and signs in with the account token. */
export async function signIn(h: BrowserHarness, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await h.newPage(viewport);
  await page.goto("/");
  await page.getByLabel("Token").fill(h.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("list", { name: "Instances" }).waitFor();
  return page;
}

/**
 * Fills and submits "Create an instance" — `config` maps field labels to text typed into them (after
 * the platform is chosen) — and returns the region "Instance <name>" (the create selects it).
 */
export async function createInstance(page: Page, platform: string, name: string, config: Record<string, string> = {}): Promise<Locator> {
  const form = page.getByRole("form", { name: "Create an instance" });
  await form.getByLabel("Platform").selectOption(platform);
  await form.getByLabel("Name", { exact: true }).fill(name);
  for (const [label, value] of Object.entries(config)) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByRole("button", { name: "Create" }).click();
  await form.getByText(`Created ${name}.`).waitFor();
  await waitForText(form.getByRole("status", { name: "Instance token" }), /^sbi_\S+$/);
  await page.getByRole("list", { name: "Instances" }).getByRole("button", { name, exact: true }).waitFor();
  const panel = page.getByRole("region", { name: `Instance ${name}` });
  await panel.waitFor();
  return panel;
}
