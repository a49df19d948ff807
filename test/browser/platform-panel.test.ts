/**
 * The dashboard draws a sandbox's panel from its platform module's data (issue 13): the Echo test
 * platform, given only as an entry of the platform list, gets its panel ("Echo sandbox") without a
 * line of dashboard code naming it; its buttons run against its sandbox through the gateway, and
 * "Use token in connect" fills the selected instance's connect form, which then connects.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/platforms/index.js";
import { echoPlatform } from "../support/echo-platform.js";
import { type BrowserHarness, startBrowserHarness } from "./harness.js";
import { createInstance, signIn, step, waitForText } from "./steps.js";

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness("platform-panel", { platforms: [...PLATFORMS, echoPlatform] });
}, 60_000);
afterEach(() => h.closePages());
afterAll(() => h?.close());

describe("a platform module's sandbox panel (Chromium)", () => {
  it("Echo: Create account → its token into connect → connected; what the instance sends shows in the panel", async () => {
    const page = await signIn(h);
    const echo = page.getByRole("group", { name: "Echo sandbox" });
    await step(h, page, "echo-create-account", async () => {
      await echo.getByRole("button", { name: "Create account" }).click();
      await waitForText(echo.getByRole("status", { name: "Echo result" }), /^Created acct-\d+\.$/);
      await waitForText(echo.getByLabel("Echo token"), /^echo_[0-9a-f]+$/);
    });
    const panel = await createInstance(page, "echo", "echo-ui");
    await step(h, page, "echo-connect", async () => {
      await echo.getByRole("button", { name: "Use token in connect" }).click();
      await panel.getByRole("button", { name: "Connect", exact: true }).click();
      await waitForText(panel.getByRole("status", { name: "Status", exact: true }), /^connected/);
    });
    await step(h, page, "echo-sent", async () => {
      const res = await fetch(`${h.url}/v1/instances/echo-ui/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
        body: JSON.stringify({ threadId: "dave", body: "hi from the instance" }),
      });
      expect(res.status).toBe(200);
      await echo.getByRole("list", { name: "Sent by the instance" }).getByText("to dave: hi from the instance").waitFor();
    });
    expect(h.pageErrors).toEqual([]);
  });
});
