/**
 * Webhook subscriptions through the dashboard in a real Chromium, against `startServer({sandbox: true})`
 * and a real local receiver (node:http on 127.0.0.1: sandbox mode allows private webhook targets).
 * See docs/browser-tests.md.
 *
 * Covered: a refused URL and a refused header name show the gateway's message as an alert → create
 * a subscription for one instance from the form (secret shown once, in the form only and outside its
 * live region; the custom header's value never shown, the field emptied) → connect the instance
 * (instance.status events) → the receiver answers each event's first request 500, later ones 200 →
 * the attempts show the 500 and then the 200 → the delivered request's signature verifies with
 * `standardwebhooks` → rotate the secret → redeliver an event: it arrives again, signed with the new
 * secret → disable (state "disabled by a user") → delete (dialog; the secret leaves the form) → after
 * a reload the secret is nowhere on the page. Then: a subscription deleted elsewhere (over the API)
 * while its attempts are open leaves the list at the next reload, without an alert.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Locator } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBrowserHarness, UI_TIMEOUT_MS, type BrowserHarness } from "./harness.js";
import { createInstance, signIn, step, waitForText } from "./steps.js";

/** The retry after the receiver's 500 comes after 5–6 s (the default schedule), then the 5 s reload. */
const RETRY_SEEN_MS = 25_000;

/** One request the receiver got. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/** A local webhook receiver: the first request of each `webhook-id` gets 500, every later one 200. */
interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      const status = seen.has(id) ? 200 : 500;
      seen.add(id);
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try again");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchboard`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let h: BrowserHarness;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  h = await startBrowserHarness("webhooks");
}, 60_000);
afterEach(async () => {
  await h.closePages();
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

/** The part of an element read by {@link announced} (in-page; the tests compile without the DOM library). */
interface LiveNode {
  tagName: string;
  parentElement: LiveNode | null;
  getAttribute(name: string): string | null;
}

/**
 * Whether a change of the element's text would be read aloud: the nearest element (itself or an
 * ancestor) with `aria-live` or a live role (`status`, `alert`, `log`, an `<output>`) is live.
 */
async function announced(locator: Locator): Promise<boolean> {
  return locator.evaluate((el: LiveNode) => {
    for (let n: LiveNode | null = el; n; n = n.parentElement) {
      const live = n.getAttribute("aria-live");
      if (live !== null) return live !== "off";
      if (["status", "alert", "log"].includes(n.getAttribute("role") ?? "") || n.tagName === "OUTPUT") return true;
    }
    return false;
  });
}

/** Asks the gateway directly (not through the page), with the account token. */
async function api<T>(method: string, path: string): Promise<T> {
  const res = await fetch(`${h.url}${path}`, { method, headers: { authorization: `Bearer ${h.token}` } });
  expect(res.ok, `${method} ${path}: HTTP ${res.status}`).toBe(true);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Verifies a received request with the `standardwebhooks` package; returns the event it carries. */
function verified(secret: string, r: Received): { id: string; type: string; instance: string } {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
  return new Webhook(secret).verify(r.body, headers) as { id: string; type: string; instance: string };
}

describe("webhooks in the dashboard (Chromium)", () => {
  it("create → secret once → events → 500 then 200 in the attempts → rotate → redeliver → disable → delete", async () => {
    const page = await signIn(h);
    const region = page.getByRole("region", { name: "Webhooks" });
    const form = region.getByRole("form", { name: "Create a webhook" });

    const panel = await step(h, page, "webhooks-instance", async () => {
      const created = await createInstance(page, "whatsapp-web", "hooked");
      await region.getByText("No webhook subscriptions yet.").waitFor();
      return created;
    });

    await step(h, page, "webhooks-refused", async () => {
      await form.getByLabel("URL").fill("ftp://127.0.0.1/hook");
      await form.getByRole("button", { name: "Create webhook" }).click();
      await waitForText(form.getByRole("alert"), /http: or https:/);
      // Header names are the gateway's to check: its message, never the value.
      await form.getByLabel("URL").fill(receiver.url);
      await form.getByLabel("Custom headers").fill("Bad Name: refused-value-9876");
      await form.getByRole("button", { name: "Create webhook" }).click();
      await waitForText(form.getByRole("alert"), /HTTP token/);
      expect(await form.getByRole("alert").textContent()).not.toContain("refused-value-9876");
    });

    const secret = await step(h, page, "webhooks-create", async () => {
      await form.getByLabel("URL").fill(receiver.url);
      await form.getByLabel("Instance").selectOption("hooked");
      await form.getByLabel("Event types").fill("instance.status");
      await form.getByLabel("Custom headers").fill("X-Receiver-Key: header-value-1234");
      await form.getByLabel("Description").fill("browser test receiver");
      await form.getByRole("button", { name: "Create webhook" }).click();
      const shown = form.getByRole("status", { name: "Signing secret" });
      await waitForText(shown, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      // Announced: where the secret is; not announced: the secret itself.
      await form.getByText(/^Created the subscription to .*Its signing secret is shown below, once\.$/).waitFor();
      expect(await announced(shown)).toBe(false);
      return (await shown.textContent()) ?? "";
    });
    const group = region.getByRole("group", { name: `Webhook ${receiver.url} (instance hooked)`, exact: true });
    await group.waitFor();
    await waitForText(group.getByRole("status", { name: "State" }), /^enabled$/);
    const groupText = (await group.textContent()) ?? "";
    expect(groupText).toContain("instance hooked · instance.status · unordered");
    expect(groupText).toContain("headers: x-receiver-key");
    expect(groupText).not.toContain(secret);
    // The typed value is emptied (a <textarea>'s value is not in page.content()) and never rendered.
    expect(await form.getByLabel("Custom headers").inputValue()).toBe("");
    expect(await page.content()).not.toContain("header-value-1234");
    await h.screenshot(page, "webhooks-created");

    await step(h, page, "webhooks-events", async () => {
      await panel.getByLabel("Login method").selectOption("qr");
      await panel.getByRole("button", { name: "Connect", exact: true }).click();
      await waitForText(panel.getByRole("status", { name: "Status", exact: true }), /^awaiting login/);
      await expect.poll(() => receiver.requests.length, { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(0);
    });
    const first = receiver.requests[0]!;
    expect(first.status).toBe(500);
    const event = verified(secret, first);
    expect(event).toMatchObject({ type: "instance.status", instance: "hooked" });
    expect(first.headers["x-receiver-key"]).toBe("header-value-1234");

    const attempts = group.getByRole("list", { name: `Attempts for ${receiver.url} (instance hooked)`, exact: true });
    await step(h, page, "webhooks-attempts", async () => {
      await group.getByRole("button", { name: "Attempts", exact: true }).click();
      await waitForText(attempts, /HTTP 500/);
      // The retry (5–6 s later) is answered 200; the open list reloads by itself.
      await waitForText(attempts, /attempt 2 · HTTP 200/, RETRY_SEEN_MS);
    });
    const eventAttempts = attempts.getByRole("listitem").filter({ has: page.getByRole("button", { name: `Redeliver event ${event.id}` }) });
    await waitForText(eventAttempts, /attempt 2 · HTTP 200 .*attempt 1 · HTTP 500/s);
    expect(receiver.requests.filter((r) => r.headers["webhook-id"] === event.id).map((r) => r.status)).toEqual([500, 200]);
    await h.screenshot(page, "webhooks-attempts");

    const rotated = await step(h, page, "webhooks-rotate", async () => {
      await group.getByRole("button", { name: "Rotate secret" }).click();
      const shown = group.getByRole("status", { name: "Signing secret" });
      await waitForText(shown, /^whsec_/);
      expect(await announced(shown)).toBe(false);
      return (await shown.textContent()) ?? "";
    });
    expect(rotated).not.toBe(secret);

    await step(h, page, "webhooks-redeliver", async () => {
      const before = receiver.requests.length;
      await group.getByRole("button", { name: `Redeliver event ${event.id}` }).click();
      await waitForText(group.getByRole("status", { name: "Webhook result" }), /queued for delivery again/);
      await expect.poll(() => receiver.requests.slice(before).some((r) => r.headers["webhook-id"] === event.id), { timeout: UI_TIMEOUT_MS }).toBe(true);
      const again = receiver.requests.slice(before).find((r) => r.headers["webhook-id"] === event.id)!;
      expect(again.status).toBe(200);
      expect(verified(rotated, again).id).toBe(event.id);
      // The redelivery counts attempts from 1 again.
      await waitForText(eventAttempts, /attempt 1 · HTTP 200 .*attempt 2 · HTTP 200 .*attempt 1 · HTTP 500/s);
      // The list was redrawn with the new attempt; the focus stayed on that event's "Redeliver".
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe(`Redeliver event ${event.id}`);
    });

    await step(h, page, "webhooks-disable", async () => {
      await group.getByRole("button", { name: "Disable" }).click();
      await waitForText(group.getByRole("status", { name: "State" }), /^disabled by a user$/);
      await group.getByRole("button", { name: "Enable" }).waitFor();
    });
    await h.screenshot(page, "webhooks-disabled");

    await step(h, page, "webhooks-delete", async () => {
      await group.getByRole("button", { name: "Delete webhook" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await group.waitFor();
      await group.getByRole("button", { name: "Delete webhook" }).click();
      await dialog.getByRole("button", { name: "Delete for good" }).click();
      await group.waitFor({ state: "detached" });
      await waitForText(region.getByRole("status", { name: "Webhooks result" }), /^Deleted the subscription to /);
      // The deleted subscription's secret left the create form.
      expect(await form.getByRole("status", { name: "Signing secret" }).count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
    });

    await step(h, page, "webhooks-reload", async () => {
      await page.reload();
      await region.getByText("No webhook subscriptions yet.").waitFor();
      const html = await page.content();
      expect(html).not.toContain(secret);
      expect(html).not.toContain(rotated);
    });
    expect(h.pageErrors).toEqual([]);
  }, 90_000);

  it("a subscription deleted elsewhere leaves the list at the next reload of its open attempts, without an alert", async () => {
    const page = await signIn(h);
    const region = page.getByRole("region", { name: "Webhooks" });
    const form = region.getByRole("form", { name: "Create a webhook" });
    const url = "http://127.0.0.1:9/deleted-elsewhere";
    const group = region.getByRole("group", { name: `Webhook ${url} (all instances)`, exact: true });

    await step(h, page, "webhooks-gone-create", async () => {
      await form.getByLabel("URL").fill(url);
      await form.getByRole("button", { name: "Create webhook" }).click();
      await waitForText(form.getByRole("status", { name: "Signing secret" }), /^whsec_/);
      await group.getByRole("button", { name: "Attempts", exact: true }).click();
      await group.getByRole("list", { name: `Attempts for ${url} (all instances)`, exact: true }).or(group.getByText("No attempts yet.")).first().waitFor();
    });
    await step(h, page, "webhooks-gone", async () => {
      const hooks = await api<{ items: { id: string; url: string }[] }>("GET", "/v1/webhooks");
      const id = hooks.items.find((w) => w.url === url)?.id;
      expect(id).toBeDefined();
      await api("DELETE", `/v1/webhooks/${id}`);
      // The open attempts reload every 5 s: the gateway's WEBHOOK_NOT_FOUND drops the row.
      await group.waitFor({ state: "detached" });
      await waitForText(region.getByRole("status", { name: "Webhooks result" }), /^The subscription to .* was deleted elsewhere\.$/);
      expect(await region.getByRole("alert").count()).toBe(0);
      // The deleted subscription's secret left the create form.
      expect(await form.getByRole("status", { name: "Signing secret" }).count()).toBe(0);
    });
    expect(h.pageErrors).toEqual([]);
  }, 45_000);
});
