import type { Webhook } from "@switchboard/client";
import { busy, h, replace, showResult } from "../dom.js";
import { type FieldControl, labelledField, setFieldErrors } from "../form.js";
import { webhookCreateBody, MAX_CONCURRENCY } from "../lib/webhooks.js";
import type { Store } from "../state.js";
import { webhookRow, type WebhookRow } from "./webhook-row.js";

/**
 * The region "Webhooks": the subscriptions the token may see (list "Webhook subscriptions", one
 * group "Webhook <url>" each, see {@link webhookRow}), the button "Refresh webhooks" and the form
 * "Create a webhook". The list is reloaded when an instance is deleted (its subscriptions go with
 * it) and when a `webhook.disabled` event arrives.
 */
export function renderWebhooks(s: Store): HTMLElement {
  const rows = new Map<string, WebhookRow>();
  const list = h("ul", { class: "webhooks", "aria-label": "Webhook subscriptions" });
  const empty = h("p", { hidden: true }, "No webhook subscriptions yet.");
  const out = h("output", { "aria-label": "Webhooks result" });
  const refresh = h("button", { type: "button", class: "small" }, "Refresh webhooks");

  const onDeleted = (w: Webhook) => {
    drop(w.id);
    showResult(out, `Deleted the subscription to ${w.url}.`);
  };
  const drop = (id: string) => {
    rows.get(id)?.stop();
    rows.get(id)?.element.remove();
    rows.delete(id);
    empty.hidden = rows.size > 0;
  };
  const add = (w: Webhook) => {
    const existing = rows.get(w.id);
    if (existing) return existing.update(w);
    const row = webhookRow(s.sb.webhooks, w, onDeleted);
    rows.set(w.id, row);
    list.appendChild(row.element);
    empty.hidden = true;
  };
  /** Reconciles the rows with the gateway's list (rows kept keep their open attempts). */
  const load = async () => {
    const hooks = await s.sb.webhooks.list();
    const ids = new Set(hooks.map((w) => w.id));
    for (const id of [...rows.keys()]) if (!ids.has(id)) drop(id);
    for (const w of hooks) add(w);
    empty.hidden = rows.size > 0;
  };
  refresh.addEventListener("click", () => void busy(refresh, out, load));
  s.subscribe((c) => {
    if (c.kind === "event" && (c.event.type === "instance.deleted" || c.event.type === "webhook.disabled")) void busy(null, out, load);
  });
  void busy(null, out, load);

  const create = createForm(s, add);
  return h(
    "section",
    { class: "card", "aria-labelledby": "webhooks-title" },
    h("div", { class: "row spread" }, h("h2", { id: "webhooks-title" }, "Webhooks"), refresh),
    h("p", { class: "hint" }, "The gateway POSTs each matching event to these URLs, signed (Standard Webhooks), and retries failed deliveries."),
    list,
    empty,
    h("p", {}, out),
    create,
  );
}

/**
 * The form "Create a webhook": "URL", "Instance" (every instance, or one), "Event types", "Custom
 * headers", "Description", "Ordered", "Max concurrency", button "Create webhook"; the signing secret
 * of the answer is shown once in the output "Signing secret".
 */
function createForm(s: Store, created: (w: Webhook) => void): HTMLFormElement {
  const field = (label: string, control: FieldControl, hint?: string) => labelledField(label, control, { hint, idPrefix: "wh" });
  const url = h("input", { type: "url", name: "url", required: true, autocomplete: "off", spellcheck: "false", placeholder: "https://example.com/hooks/switchboard" });
  const instance = h("select", { name: "instance" });
  const types = h("input", { type: "text", name: "types", autocomplete: "off", spellcheck: "false" });
  const headers = h("textarea", { name: "headers", rows: 2, autocomplete: "off", spellcheck: "false" });
  const description = h("input", { type: "text", name: "description", autocomplete: "off", maxlength: 500 });
  const ordered = h("input", { type: "checkbox", name: "ordered" });
  const maxConcurrency = h("input", { type: "number", name: "maxConcurrency", min: 1, max: MAX_CONCURRENCY, step: 1, autocomplete: "off" });
  const out = h("p", { role: "status" });
  const button = h("button", { type: "submit" }, "Create webhook");
  /** The controls the form's checks name (see webhookCreateBody). */
  const checked = { url, headers, maxConcurrency };

  const drawInstances = () => {
    const keep = instance.value;
    replace(
      instance,
      h("option", { value: "" }, "Every instance (global)"),
      ...[...s.instances.keys()].sort().map((name) => h("option", { value: name, selected: name === keep }, name)),
    );
  };
  drawInstances();
  s.subscribe((c) => {
    if (c.kind === "instances") drawInstances();
  });

  const form = h(
    "form",
    { class: "webhook-create", "aria-labelledby": "webhook-create-title", novalidate: true },
    h("h3", { id: "webhook-create-title" }, "Create a webhook"),
    field("URL", url, "http: or https:. Keep credentials out of it: use a custom header."),
    field("Instance", instance, "Only this instance's events, or every instance's and the gateway's own."),
    field("Event types", types, "E.g. message.received, instance.*; empty: every type."),
    field("Custom headers", headers, "One per line, Name: value. Sent with each delivery; the values are never shown again."),
    field("Description", description),
    field("Ordered", ordered, "One delivery at a time per instance, in order."),
    field("Max concurrency", maxConcurrency, `Requests in flight at once, 1–${MAX_CONCURRENCY}; empty: the gateway's default.`),
    button,
    out,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = webhookCreateBody({
      url: url.value,
      instance: instance.value,
      types: types.value,
      headers: headers.value,
      description: description.value,
      ordered: ordered.checked,
      maxConcurrency: maxConcurrency.value,
    });
    if (!body.ok) {
      setFieldErrors(checked, body.errors);
      out.className = "error";
      out.setAttribute("role", "alert");
      out.textContent = "Check the highlighted fields.";
      return;
    }
    setFieldErrors(checked, {});
    void busy(button, out, async () => {
      const answer = await s.sb.webhooks.create(body.value);
      created(answer.webhook);
      showResult(out, `Created the subscription to ${answer.webhook.url}. `);
      out.append(
        h("span", {}, "Signing secret (shown once; verify deliveries with it): "),
        h("output", { "aria-label": "Signing secret", class: "secret" }, answer.secret ?? "not shown (repeated request): rotate the secret"),
      );
      headers.value = "";
    });
  });
  return form;
}
