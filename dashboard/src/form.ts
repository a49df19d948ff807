import { h, uid } from "./dom.js";
import { type FieldSpec, type RawValues, initialValue } from "./lib/schema-form.js";

/** A form control that {@link labelledField} can label. */
export type FieldControl = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** How {@link labelledField} lays a field out. */
export interface FieldOptions {
  /** Shown under the control and linked with `aria-describedby`. */
  hint?: string;
  /** Adds a visual " *" to the label (hidden from assistive technology; the control says `required`). */
  required?: boolean;
  /** Id prefix when the control has no id yet (default "field"). */
  idPrefix?: string;
}

/** Each control's error element, as made by {@link labelledField} (read by {@link setFieldErrors}). */
const errorOf = new WeakMap<FieldControl, HTMLElement>();

/**
 * One labelled field, `<div class="field">`: the label (its `for` is the control's id, given one if it
 * has none), the control, the hint (optional) and an empty error element; the control's
 * `aria-describedby` names the hint and the error. A checkbox comes before its label on one line
 * (`class="field check"`). The control's accessible name is `label`.
 * @returns the field's container (append it to the form).
 */
export function labelledField(label: string, control: FieldControl, options: FieldOptions = {}): HTMLElement {
  const id = (control.id ||= uid(options.idPrefix ?? "field"));
  const hintId = options.hint ? `${id}-hint` : undefined;
  const errId = `${id}-err`;
  control.setAttribute("aria-describedby", [hintId, errId].filter(Boolean).join(" "));
  const err = h("span", { id: errId, class: "field-error" });
  errorOf.set(control, err);
  const labelEl = h("label", { for: id }, label, options.required ? h("span", { "aria-hidden": "true" }, " *") : null);
  const check = control instanceof HTMLInputElement && control.type === "checkbox";
  return h(
    "div",
    { class: check ? "field check" : "field" },
    ...(check ? [control, labelEl] : [labelEl, control]),
    hintId ? h("span", { id: hintId, class: "hint" }, options.hint ?? "") : null,
    err,
  );
}

/**
 * Shows field errors: for each control in `controls` (keyed by field name), a message in `errors`
 * under the same key marks it `aria-invalid` and shows the message in its error element (see
 * {@link labelledField}); a control without a message is cleared. `{}` clears every field.
 */
export function setFieldErrors(controls: Readonly<Record<string, FieldControl>>, errors: Readonly<Record<string, string>>): void {
  for (const [name, control] of Object.entries(controls)) {
    const msg = errors[name];
    if (msg) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
    const err = errorOf.get(control);
    if (err) err.textContent = msg ?? "";
  }
}

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
 * Labelled inputs for schema fields (see lib/schema-form.ts), each laid out by {@link labelledField}.
 * Each input's accessible name is the field's label; the schema description is its hint. `prefix`
 * keeps ids unique.
 */
export function renderFields(fields: readonly FieldSpec[], prefix: string): RenderedFields {
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  const element = h("div", { class: "fields" });
  for (const f of fields) {
    const id = uid(`${prefix}-${f.name}`);
    let input: HTMLInputElement | HTMLSelectElement;
    if (f.kind === "choice") {
      input = h("select", { id, name: f.name });
      for (const o of f.options ?? []) input.appendChild(h("option", { value: o, selected: o === f.default }, o));
    } else if (f.kind === "boolean") {
      input = h("input", { id, name: f.name, type: "checkbox", checked: initialValue(f) === true });
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
      });
    }
    inputs[f.name] = input;
    element.appendChild(labelledField(f.label, input, { hint: f.description, required: f.required }));
  }
  return {
    element,
    read() {
      const raw: RawValues = {};
      for (const [name, input] of Object.entries(inputs)) raw[name] = input instanceof HTMLInputElement && input.type === "checkbox" ? input.checked : input.value;
      return raw;
    },
    setErrors(map) {
      setFieldErrors(inputs, map);
    },
    set(name, value) {
      const input = inputs[name];
      if (input) input.value = value;
    },
  };
}
