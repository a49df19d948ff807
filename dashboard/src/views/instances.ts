import { busy, h, replace } from "../dom.js";
import { stateLabel, statusDetail } from "../lib/status.js";
import type { Store } from "../state.js";

/**
 * The region "Instances": one list item per instance with a button named after the instance
 * (selects it; `aria-current` marks the selected one), its platform and its live status.
 */
export function renderInstanceList(s: Store): HTMLElement {
  const list = h("ul", { class: "instances", "aria-label": "Instances" });
  const out = h("p", { role: "status" });
  const refresh = h("button", { type: "button", class: "small" }, "Refresh");
  refresh.addEventListener("click", () => void busy(refresh, out, async () => { await s.refresh(); out.textContent = ""; }));

  const draw = () => {
    const items = [...s.instances.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    replace(
      list,
      ...items.map((i) =>
        h(
          "li",
          { class: i.name === s.selected ? "selected" : "" },
          h("button", { type: "button", class: "link", "aria-current": i.name === s.selected ? "true" : undefined, onclick: () => s.select(i.name) }, i.name),
          h("span", { class: "platform" }, i.platform),
          h("span", { class: `state state-${i.status.state}`, "data-state": i.status.state }, stateLabel(i.status.state)),
          h("span", { class: "detail" }, statusDetail(i.status)),
        ),
      ),
    );
    if (items.length === 0) list.appendChild(h("li", { class: "empty" }, "No instances yet: create one below."));
  };
  s.subscribe((c) => {
    if (c.kind === "instances" || c.kind === "selected") draw();
  });
  draw();
  return h("section", { class: "card", "aria-labelledby": "instances-title" }, h("div", { class: "row spread" }, h("h2", { id: "instances-title" }, "Instances"), refresh), list, out);
}
