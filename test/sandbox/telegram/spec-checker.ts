/**
 * Checks Bot API values against the published spec (specs/telegram-bot-api/api.json, copied with its licence):
 * required fields present, every field of a known name and of one of its declared JSON types,
 * recursively; a type with subtypes (ChatMember, MessageOrigin, …) accepts any subtype.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

interface SpecField {
  name: string;
  types: string[];
  required: boolean;
}

interface SpecMethod {
  name: string;
  returns: string[];
  fields?: SpecField[];
}

interface SpecType {
  name: string;
  fields?: SpecField[];
  subtypes?: string[];
}

export interface BotApiSpec {
  version: string;
  methods: Record<string, SpecMethod>;
  types: Record<string, SpecType>;
}

export const SPEC_PATH = resolve(import.meta.dirname, "../../../specs/telegram-bot-api/api.json");

export function loadSpec(): BotApiSpec {
  return JSON.parse(readFileSync(SPEC_PATH, "utf8")) as BotApiSpec;
}

/** Errors of `value` against the alternatives `types` ("Integer", "Array of Update", "Message", …); [] when valid. */
export function checkValue(spec: BotApiSpec, value: unknown, types: readonly string[], path = "$"): string[] {
  let best: string[] | undefined;
  for (const type of types) {
    const errors = checkType(spec, value, type, path);
    if (errors.length === 0) return [];
    if (best === undefined || errors.length < best.length) best = errors;
  }
  return best ?? [`${path}: no type to check against`];
}

function checkType(spec: BotApiSpec, value: unknown, type: string, path: string): string[] {
  if (type.startsWith("Array of ")) {
    if (!Array.isArray(value)) return [`${path}: expected ${type}, got ${describe(value)}`];
    const inner = type.slice("Array of ".length);
    return value.flatMap((v, i) => checkType(spec, v, inner, `${path}[${i}]`));
  }
  switch (type) {
    case "Integer":
      return Number.isInteger(value) ? [] : [`${path}: expected Integer, got ${describe(value)}`];
    case "Float":
      return typeof value === "number" ? [] : [`${path}: expected Float, got ${describe(value)}`];
    case "String":
      return typeof value === "string" ? [] : [`${path}: expected String, got ${describe(value)}`];
    case "Boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected Boolean, got ${describe(value)}`];
    case "True":
      return value === true ? [] : [`${path}: expected True, got ${describe(value)}`];
  }
  const t = spec.types[type];
  if (!t) return [`${path}: unknown type ${type} in the spec`];
  if (t.subtypes && t.subtypes.length > 0) return checkValue(spec, value, t.subtypes, path);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected ${type} object, got ${describe(value)}`];
  const fields = t.fields ?? [];
  const known = new Map(fields.map((f) => [f.name, f]));
  const errors: string[] = [];
  for (const f of fields) if (f.required && !(f.name in value)) errors.push(`${path}.${f.name}: required by ${type}, missing`);
  for (const [k, v] of Object.entries(value)) {
    const f = known.get(k);
    if (!f) errors.push(`${path}.${k}: not a field of ${type}`);
    else errors.push(...checkValue(spec, v, f.types, `${path}.${k}`));
  }
  return errors;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "string" ? `string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}
