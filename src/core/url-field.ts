import { Kind, Type, type TSchema, type TString } from "@sinclair/typebox";
import { EXPECTED_KEYWORD } from "./validation.js";

/**
 * The JSON Schema keyword that marks a string field of a config or action input schema as a URL the
 * gateway will connect to. The core runs every such value a caller supplies through the SSRF guard,
 * and an action whose input has a field with `credentials: true` may be run with the account token
 * only (it changes where the instance's credentials are sent).
 */
export const URL_KEYWORD = "x-switchboard-url";

/** What {@link URL_KEYWORD} holds. */
export interface UrlFieldInfo {
  /** Accepted schemes, with the colon (`"https:"`, `"wss:"`, `"socks5:"`). */
  protocols: readonly string[];
  /** True when the instance's credentials (a bot token, session keys) are sent to this URL. */
  credentials: boolean;
}

/** Options of {@link UrlString}. */
export interface UrlStringOptions {
  /** Accepted schemes without the colon, e.g. `["http", "https"]`. */
  protocols: readonly string[];
  /** See {@link UrlFieldInfo.credentials}. */
  credentials: boolean;
  description: string;
  /** Default 300 characters. */
  maxLength?: number;
  default?: string;
  /** Forbid user info (`user:pass@`) by pattern too. Default true. */
  noUserInfo?: boolean;
  /** A stricter pattern than the default one. */
  pattern?: string;
  /** What a person should give, in words, for validation messages (default: derived from `protocols`). */
  expected?: string;
}

/**
 * A string schema for a URL field, marked with {@link URL_KEYWORD}. The pattern admits
 * `<scheme>://host[:port][/path]` (no query or fragment; no user info unless `noUserInfo: false`).
 */
export function UrlString(opts: UrlStringOptions): TString {
  const schemes = opts.protocols.join("|");
  const host = opts.noUserInfo === false ? "[^\\s/?#]+" : "[^\\s/?#@]+";
  const info: UrlFieldInfo = { protocols: opts.protocols.map((p) => `${p}:`), credentials: opts.credentials };
  return Type.String({
    pattern: opts.pattern ?? `^(${schemes})://${host}(/[^\\s?#]*)?$`,
    maxLength: opts.maxLength ?? 300,
    description: opts.description,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    [EXPECTED_KEYWORD]: opts.expected ?? `a ${opts.protocols.join(" or ")} URL without query or fragment${opts.noUserInfo === false ? "" : " or user info"} (${opts.protocols[opts.protocols.length - 1]}://host:port/path)`,
    [URL_KEYWORD]: info,
  });
}

/** One URL field found in a value: its JSON pointer, the value, what it is, and the schema's default. */
export interface UrlFieldValue {
  path: string;
  value: string;
  info: UrlFieldInfo;
  default: unknown;
}

/**
 * The URL fields of `value` under object `schema` (properties, recursively through nested objects;
 * optional fields included), each with the value found. Fields absent from `value` or not strings
 * are skipped. `prefix` starts the JSON pointers (e.g. `/config`).
 */
export function urlFieldsOf(schema: TSchema, value: unknown, prefix = ""): UrlFieldValue[] {
  const out: UrlFieldValue[] = [];
  walk(schema, value, prefix, out);
  return out;
}

/** Whether `schema` (an object schema) has a URL field marked `credentials: true` anywhere. */
export function sendsCredentials(schema: TSchema | undefined): boolean {
  if (!schema) return false;
  const info = (schema as Record<string, unknown>)[URL_KEYWORD] as UrlFieldInfo | undefined;
  if (info?.credentials) return true;
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  return props !== undefined && Object.values(props).some((p) => sendsCredentials(p));
}

/** The string defaults of the URL fields of `schema` (recursively): values the code or the operator chose. */
export function urlFieldDefaults(schema: TSchema): string[] {
  const info = (schema as Record<string, unknown>)[URL_KEYWORD];
  const d = (schema as { default?: unknown }).default;
  if (info) return typeof d === "string" ? [d] : [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  return props ? Object.values(props).flatMap((p) => urlFieldDefaults(p)) : [];
}

function walk(schema: TSchema, value: unknown, path: string, out: UrlFieldValue[]): void {
  const info = (schema as Record<string, unknown>)[URL_KEYWORD] as UrlFieldInfo | undefined;
  if (info && typeof value === "string") {
    out.push({ path, value, info, default: (schema as { default?: unknown }).default });
    return;
  }
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (schema[Kind] === "Object" && props && value !== null && typeof value === "object") {
    for (const [key, sub] of Object.entries(props)) walk(sub, (value as Record<string, unknown>)[key], `${path}/${key}`, out);
  }
}
