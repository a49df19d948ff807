import type { Webhook } from "@switchboard/client";
import { busy, h, replace, showResult } from "../dom.js";
import { type FieldControl, labelledField, setFieldErrors } from "../form.js";
import { webhookCreateBody, MAX_CONCURRENCY } from "../lib/webhooks.js";
import type { Store } from "../state.js";
import { webhookRow, type WebhookRow, type WebhookRowEvents } from "./webhook-row.js";

/**
 * The region "Webhooks": the subscriptions the token may see (list "Webhook subscriptions", one
 * group "Webhook <url> (<scope>)" each, see {@link webhookRow}), the button "Refresh webhooks" and
 * the form "Create a webhook". The list is reloaded when an instance is deleted (its subscriptions go
 * with it) and when a `webhook.disabled` event arrives; a row whose subscription the gateway no
 * longer knows (deleted elsewhere) is dropped. A deleted subscription's secret leaves the form too.
 */
export function renderWebhooks(s: Store): HTMLElement {
  const rows = new Map<string, WebhookRow>();
  /** When each row was added (a counter): a list asked for before that may not know it yet. */
  const addedAt = new Map<string, number>();
  let adds = 0;
  const list = h("ul", { class: "webhooks", "aria-label": "Webhook subscriptions" });
  const empty = h("p", { hidden: true }, "No webhook subscriptions yet.");
  const out = h("output", { "aria-label": "Webhooks result" });
  const refresh = h("button", { type: "button", class: "small" }, "Refresh webhooks");
  const create = createForm(s, (w) => add(w));

  const rowEvents: WebhookRowEvents = {
    deleted(w) {
      drop(w.id);
      showResult(out, `Deleted the subscription to ${w.url}.`);
    },
    gone(w) {
      drop(w.id);
      showResult(out, `The subscription to ${w.url} was deleted elsewhere.`);
    },
  };
  const drop = (id: string) => {
    create.forget(id);
    rows.get(id)?.stop();
    rows.get(id)?.element.remove();
    rows.delete(id);
    addedAt.delete(id);
    empty.hidden = rows.size > 0;
  };
  const add = (w: Webhook) => {
    const existing = rows.get(w.id);
    if (existing) return existing.update(w);
    const row = webhookRow(s.sb.webhooks, w, rowEvents);
    rows.set(w.id, row);
    addedAt.set(w.id, ++adds);
    list.appendChild(row.element);
    empty.hidden = true;
  };
  /**
   * Reconciles the rows with the gateway's list (rows kept keep their open attempts). A row added
   * while the list was on its way (just created here) is kept.
   */
  const load = async () => {
    const asked = adds;
    const hooks = await s.sb.webhooks.list();
    const ids = new Set(hooks.map((w) => w.id));
    for (const id of [...rows.keys()]) if (!ids.has(id) && (addedAt.get(id) ?? 0) <= asked) drop(id);
    for (const w of hooks) add(w);
    empty.hidden = rows.size > 0;
  };
  refresh.addEventListener("click", () => void busy(refresh, out, load));
  s.subscribe((c) => {
    if (c.kind === "event" && (c.event.type === "instance.deleted" || c.event.type === "webhook.disabled")) void busy(null, out, load);
  });
  void busy(null, out, load);

  return h(
    "section",
    { class: "card", "aria-labelledby": "webhooks-title" },
    h("div", { class: "row spread" }, h("h2", { id: "webhooks-title" }, "Webhooks"), refresh),
    h("p", { class: "hint" }, "The gateway POSTs each matching event to these URLs, signed (Standard Webhooks), and retries failed deliveries."),
    list,
    empty,
    h("p", {}, out),
    create.form,
  );
}

/** The create form and a way to take a deleted subscription's secret off it. */
interface CreateForm {
  form: HTMLFormElement;
  /** Removes the signing secret shown, if it is subscription `id`'s. */
  forget(id: string): void;
}

/**
 * The form "Create a webhook": "URL", "Instance" (every instance, or one), "Event types", "Custom
 * headers", "Description", "Ordered", "Max concurrency", button "Create webhook". The signing secret
 * of the answer is shown once in the output "Signing secret", outside the form's live region (which
 * only says that it is shown), until the next submit or the subscription's deletion.
 */
function createForm(s: Store, created: (w: Webhook) => void): CreateForm {
  const field = (label: string, control: FieldControl, hint?: string) => labelledField(label, control, { hint, idPrefix: "wh" });
  const url = h("input", { type: "url", name: "url", required: true, autocomplete: "off", spellcheck: "false", placeholder: "https://example.com/hooks/switchboard" });
  const instance = h("select", { name: "instance" });
  const types = h("input", { type: "text", name: "types", autocomplete: "off", spellcheck: "false" });
  const headers = h("textarea", { name: "headers", rows: 2, autocomplete: "off", spellcheck: "false" });
  const description = h("input", { type: "text", name: "description", autocomplete: "off", maxlength: 500 });
  const ordered = h("input", { type: "checkbox", name: "ordered" });
  const maxConcurrency = h("input", { type: "number", name: "maxConcurrency", min: 1, max: MAX_CONCURRENCY, step: 1, autocomplete: "off" });
  const out = h("p", { role: "status" });
  const secretBox = h("p", { hidden: true });
  /** The subscription whose secret `secretBox` shows. */
  let secretOf: string | null = null;
  const clearSecret = () => {
    secretOf = null;
    secretBox.hidden = true;
    replace(secretBox);
  };
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
    secretBox,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearSecret();
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
      headers.value = "";
      // The secret itself is not in a live region (never read aloud unasked); the result says where it is.
      showResult(out, `Created the subscription to ${answer.webhook.url}. Its signing secret is shown below, once.`);
      secretOf = answer.webhook.id;
      secretBox.hidden = false;
      replace(
        secretBox,
        h("span", {}, "Signing secret (shown once; verify deliveries with it): "),
        h("output", { "aria-label": "Signing secret", "aria-live": "off", class: "secret" }, answer.secret ?? "not shown (repeated request): rotate the secret"),
      );
    });
  });
  return {
    form,
    forget(id) {
      if (secretOf === id) clearSecret();
    },
  };
}
