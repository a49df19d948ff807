import { busy, h, replace, showResult } from "../dom.js";
import { renderFields } from "../form.js";
import { fieldsOf, type JsonSchemaLike, valueOf } from "../lib/schema-form.js";
import type { Store } from "../state.js";

/**
 * The form "Create an instance": "Platform" (select), "Name", then the platform's config fields
 * generated from its `configSchema` (under "Configuration"), and the "Create" button. The instance
 * token of the answer is shown once, in the output "Instance token".
 */
export function renderCreate(s: Store): HTMLElement {
  const platformSel = h("select", { id: "create-platform", name: "platform" }, ...s.platforms.map((p) => h("option", { value: p.platform }, `${p.displayName} (${p.platform})`)));
  const name = h("input", { id: "create-name", name: "name", type: "text", required: true, autocomplete: "off", spellcheck: "false", pattern: "[a-z0-9][a-z0-9_\\-]{0,62}", "aria-describedby": "create-name-hint" });
  const config = h("fieldset", { class: "config" });
  const out = h("p", { role: "status" });
  const button = h("button", { type: "submit" }, "Create");
  let fields = renderFields([], "cfg");
  const specs = () => fieldsOf(s.platform(platformSel.value)?.configSchema as JsonSchemaLike | undefined);
  const drawConfig = () => {
    fields = renderFields(specs(), "cfg");
    replace(config, h("legend", {}, "Configuration"), specs().length ? fields.element : h("p", {}, "No settings."));
  };
  platformSel.addEventListener("change", drawConfig);
  drawConfig();

  const form = h(
    "form",
    { class: "card", "aria-labelledby": "create-title", novalidate: true },
    h("h2", { id: "create-title" }, "Create an instance"),
    s.platforms.length === 0 ? h("p", {}, "The gateway loaded no platform connector.") : null,
    h("div", { class: "field" }, h("label", { for: "create-platform" }, "Platform"), platformSel),
    h(
      "div",
      { class: "field" },
      h("label", { for: "create-name" }, "Name"),
      name,
      h("span", { id: "create-name-hint", class: "hint" }, "Lower-case letters, digits, _ and -; up to 63 characters."),
    ),
    config,
    button,
    out,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const result = valueOf(specs(), fields.read());
    if (!result.ok) {
      fields.setErrors(result.errors);
      out.className = "error";
      out.textContent = "Check the highlighted settings.";
      return;
    }
    fields.setErrors({});
    void busy(button, out, async () => {
      const created = await s.sb.createInstance({ name: name.value.trim(), platform: platformSel.value, config: result.value });
      s.put(created.instance);
      s.select(created.instance.name);
      showResult(out, `Created ${created.instance.name}.`);
      if (created.token) {
        out.append(" ", h("span", {}, "Instance token (shown once): "), h("output", { "aria-label": "Instance token", class: "secret" }, created.token));
      }
      name.value = "";
    });
  });
  return form;
}
