import { busy, h, replace } from "../dom.js";
import { clock } from "../lib/time.js";
import type { Store } from "../state.js";

/**
 * The region "Webhooks" (read-only): a table of the subscriptions the token may see, each with a
 * button "Attempts for <url>" that lists its newest delivery attempts below it.
 */
export function renderWebhooks(s: Store): HTMLElement {
  const body = h("div");
  const out = h("p", { role: "status" });
  const refresh = h("button", { type: "button", class: "small" }, "Refresh webhooks");
  const load = async () => {
    const hooks = await s.sb.webhooks.list();
    if (hooks.length === 0) return replace(body, h("p", {}, "No webhook subscriptions."));
    const rows = hooks.map((w) => {
      const attempts = h("td", { colspan: 5 });
      const detail = h("tr", { hidden: true }, attempts);
      const show = h("button", { type: "button", class: "small", "aria-expanded": "false" }, `Attempts for ${w.url}`);
      show.addEventListener("click", () =>
        void busy(show, attempts, async () => {
          const open = show.getAttribute("aria-expanded") === "true";
          show.setAttribute("aria-expanded", String(!open));
          detail.hidden = open;
          if (open) return;
          const page = await s.sb.webhooks.attempts(w.id, { limit: 20 });
          replace(
            attempts,
            page.items.length === 0
              ? h("p", {}, "No attempts yet.")
              : h(
                  "ul",
                  { "aria-label": `Attempts for ${w.url}` },
                  ...page.items.map((a) =>
                    h("li", { class: a.ok ? "" : "bad" }, `${clock(a.ts)} · event ${a.eventId} · attempt ${a.attempt} · ${a.status ?? "no answer"}${a.latencyMs != null ? ` · ${a.latencyMs} ms` : ""}${a.error ? ` · ${a.error}` : ""}`),
                  ),
                ),
          );
        }),
      );
      return [
        h(
          "tr",
          {},
          h("td", {}, w.url),
          h("td", {}, w.instance ?? "all"),
          h("td", {}, w.types?.join(", ") || "all"),
          h("td", {}, w.enabled ? (w.failingSince ? "failing" : "enabled") : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ""}`),
          h("td", {}, show),
        ),
        detail,
      ];
    });
    replace(
      body,
      h(
        "div",
        { class: "scroll" },
        h("table", {}, h("caption", { class: "visually-hidden" }, "Webhook subscriptions"), h("thead", {}, h("tr", {}, ...["URL", "Instance", "Types", "State", "Deliveries"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, ...rows.flat())),
      ),
    );
  };
  refresh.addEventListener("click", () => void busy(refresh, out, load));
  void busy(null, out, load);
  return h("section", { class: "card", "aria-labelledby": "webhooks-title" }, h("div", { class: "row spread" }, h("h2", { id: "webhooks-title" }, "Webhooks"), refresh), body, out);
}
