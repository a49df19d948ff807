import { h, uid } from "./dom.js";
import { type FieldSpec, type RawValues, initialValue } from "./lib/schema-form.js";

/** A rendered schema form: its fields' container and a reader of what was typed. */
export interface RenderedFields {
  element: HTMLElement;
  read(): RawValues;
  /** Marks fields invalid (`aria-invalid`) and shows the messages next to them; `{}` clears. */
  setErrors(errors: Record<string, string>): void;
  /** Sets a text field's value (e.g. a bot token from the sandbox panel). */
  set(name: string, value: string): void;
}

/**
 * Labelled inputs for schema fields (see lib/schema-form.ts). Each input's accessible name is the
 * field's label; the schema description is linked with `aria-describedby`. `prefix` keeps ids unique.
 */
export function renderFields(fields: readonly FieldSpec[], prefix: string): RenderedFields {
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const errors = new Map<string, HTMLElement>();
  const element = h("div", { class: "fields" });
  for (const f of fields) {
    const id = uid(`${prefix}-${f.name}`);
    const hintId = f.description ? `${id}-hint` : undefined;
    const errId = `${id}-err`;
    const described = [hintId, errId].filter(Boolean).join(" ");
    let input: HTMLInputElement | HTMLSelectElement;
    if (f.kind === "choice") {
      input = h("select", { id, name: f.name, "aria-describedby": described });
      for (const o of f.options ?? []) input.appendChild(h("option", { value: o, selected: o === f.default }, o));
    } else if (f.kind === "boolean") {
      input = h("input", { id, name: f.name, type: "checkbox", checked: initialValue(f) === true, "aria-describedby": described });
    } else {
      const type = f.kind === "secret" ? "password" : f.kind === "number" || f.kind === "integer" ? "number" : "text";
      input = h("input", {
        id,
        name: f.name,
        type,
        value: String(initialValue(f)),
        required: f.required,
        autocomplete: "off",
        spellcheck: "false",
        step: f.kind === "integer" ? 1 : f.kind === "number" ? "any" : undefined,
        min: f.minimum,
        max: f.maximum,
        "aria-describedby": described,
      });
    }
    inputs.set(f.name, input);
    const err = h("span", { id: errId, class: "field-error" });
    errors.set(f.name, err);
    const label = h("label", { for: id }, f.label, f.required ? h("span", { "aria-hidden": "true" }, " *") : null);
    element.appendChild(
      h(
        "div",
        { class: f.kind === "boolean" ? "field check" : "field" },
        ...(f.kind === "boolean" ? [input, label] : [label, input]),
        hintId ? h("span", { id: hintId, class: "hint" }, f.description ?? "") : null,
        err,
      ),
    );
  }
  return {
    element,
    read() {
      const raw: RawValues = {};
      for (const [name, input] of inputs) raw[name] = input instanceof HTMLInputElement && input.type === "checkbox" ? input.checked : input.value;
      return raw;
    },
    setErrors(map) {
      for (const [name, input] of inputs) {
        const msg = map[name];
        if (msg) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        const err = errors.get(name);
        if (err) err.textContent = msg ?? "";
      }
    },
    set(name, value) {
      const input = inputs.get(name);
      if (input) input.value = value;
    },
  };
}
