/**
 * A form from a JSON Schema (a connector's `configSchema`, a login method's or an action's
 * `inputSchema`), and the value back from what the user typed. Pure: no DOM.
 *
 * Handled property shapes: string, number, integer, boolean, a union of string constants (a choice),
 * an array of strings (typed as comma-separated text), and any of these or'ed with null. Other
 * shapes (objects, arrays of objects) become a JSON text field.
 */

/** The subset of JSON Schema this module reads. */
export interface JsonSchemaLike {
  type?: string | string[];
  properties?: Record<string, JsonSchemaLike>;
  required?: string[];
  anyOf?: JsonSchemaLike[];
  oneOf?: JsonSchemaLike[];
  const?: unknown;
  enum?: unknown[];
  items?: JsonSchemaLike;
  default?: unknown;
  description?: string;
  title?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

/** How a property is entered. */
export type FieldKind = "text" | "secret" | "number" | "integer" | "boolean" | "choice" | "list" | "json";

/** One form field, derived from one property of an object schema. */
export interface FieldSpec {
  /** The property name (the key in the value). */
  name: string;
  /** Human label: the schema's `title`, else the name split at camelCase ("pollTimeoutS" → "Poll timeout s"). */
  label: string;
  kind: FieldKind;
  required: boolean;
  /** Whether `null` is a valid value (an empty field then still means "absent", so the default applies). */
  nullable: boolean;
  description?: string;
  /** The schema default, for the field's initial value. */
  default?: unknown;
  /** The allowed values of a `choice`. */
  options?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** What the user entered per field: text for most kinds, a boolean for checkboxes. */
export type RawValues = Record<string, string | boolean | undefined>;

/** A value built from the form, or the problems found (field name → message). */
export type FormResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** Names whose values are secrets: rendered as password inputs. */
const SECRET_NAMES = /token|secret|password|key$/i;

/** The fields of an object schema, in property order. A schema without properties gives none. */
export function fieldsOf(schema: JsonSchemaLike | undefined): FieldSpec[] {
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  // A property with a default counts as optional: an empty field lets the server fill the default.
  return Object.entries(schema.properties).map(([name, prop]) => fieldOf(name, prop, required.has(name) && prop.default === undefined));
}

function fieldOf(name: string, prop: JsonSchemaLike, required: boolean): FieldSpec {
  const { schema, nullable } = withoutNull(prop);
  const spec: FieldSpec = { name, label: prop.title ?? schema.title ?? humanize(name), kind: kindOf(name, schema), required, nullable };
  const description = prop.description ?? schema.description;
  if (description !== undefined) spec.description = description;
  const dflt = prop.default !== undefined ? prop.default : schema.default;
  if (dflt !== undefined) spec.default = dflt;
  if (spec.kind === "choice") spec.options = choicesOf(schema);
  if (schema.minimum !== undefined) spec.minimum = schema.minimum;
  if (schema.maximum !== undefined) spec.maximum = schema.maximum;
  if (schema.pattern !== undefined) spec.pattern = schema.pattern;
  return spec;
}

/** Splits off a `null` alternative (`anyOf: [X, {type: "null"}]`, `type: ["string", "null"]`). */
function withoutNull(prop: JsonSchemaLike): { schema: JsonSchemaLike; nullable: boolean } {
  const alts = prop.anyOf ?? prop.oneOf;
  if (alts) {
    const rest = alts.filter((a) => a.type !== "null");
    if (rest.length < alts.length) {
      if (rest.length === 1 && rest[0]) return { schema: rest[0], nullable: true };
      return { schema: { ...prop, anyOf: rest, oneOf: undefined }, nullable: true };
    }
  }
  if (Array.isArray(prop.type) && prop.type.includes("null")) {
    const types = prop.type.filter((t) => t !== "null");
    return { schema: { ...prop, type: types.length === 1 ? types[0] : types }, nullable: true };
  }
  return { schema: prop, nullable: false };
}

function choicesOf(schema: JsonSchemaLike): string[] {
  if (schema.enum) return schema.enum.map(String);
  return (schema.anyOf ?? schema.oneOf ?? []).map((a) => String(a.const));
}

function kindOf(name: string, schema: JsonSchemaLike): FieldKind {
  if (schema.enum?.every((v) => typeof v === "string")) return "choice";
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts && alts.length > 0 && alts.every((a) => typeof a.const === "string")) return "choice";
  switch (schema.type) {
    case "string":
      return SECRET_NAMES.test(name) ? "secret" : "text";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return schema.items?.type === "string" ? "list" : "json";
    default:
      return "json";
  }
}

/** "pollTimeoutS" → "Poll timeout s"; "apiRoot" → "Api root"; "phone_number" → "Phone number". */
export function humanize(name: string): string {
  const words = name
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The initial text (or checked state) of a field: its default, as the user would type it. */
export function initialValue(field: FieldSpec): string | boolean {
  const d = field.default;
  if (field.kind === "boolean") return d === true;
  if (d === undefined || d === null) return "";
  if (field.kind === "list" && Array.isArray(d)) return d.join(", ");
  if (field.kind === "json") return JSON.stringify(d);
  return String(d);
}

/**
 * The object value of the form. Empty text fields are left out (so the server fills the default),
 * except required ones, which are an error. Booleans are always included. Numbers must be finite
 * (integers whole); a `list` is split at commas; `json` must parse.
 */
export function valueOf(fields: readonly FieldSpec[], raw: RawValues): FormResult {
  const value: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const input = raw[f.name];
    if (f.kind === "boolean") {
      value[f.name] = input === true;
      continue;
    }
    const text = typeof input === "string" ? input.trim() : "";
    if (text === "") {
      if (f.required) errors[f.name] = `${f.label} is required.`;
      continue;
    }
    switch (f.kind) {
      case "number":
      case "integer": {
        const n = Number(text);
        if (!Number.isFinite(n) || (f.kind === "integer" && !Number.isInteger(n))) errors[f.name] = `${f.label} must be ${f.kind === "integer" ? "a whole number" : "a number"}.`;
        else if (f.minimum !== undefined && n < f.minimum) errors[f.name] = `${f.label} must be at least ${f.minimum}.`;
        else if (f.maximum !== undefined && n > f.maximum) errors[f.name] = `${f.label} must be at most ${f.maximum}.`;
        else value[f.name] = n;
        break;
      }
      case "list":
        value[f.name] = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
        break;
      case "json":
        try {
          value[f.name] = JSON.parse(text) as unknown;
        } catch {
          errors[f.name] = `${f.label} must be JSON.`;
        }
        break;
      case "choice":
        if (f.options && !f.options.includes(text)) errors[f.name] = `${f.label} must be one of ${f.options.join(", ")}.`;
        else value[f.name] = text;
        break;
      default:
        value[f.name] = text;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}
