import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from "fastify";
import { Kind, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { err } from "../core/errors.js";
import { collectIssues, summarize, type ValidationIssue } from "../core/validation.js";

export type { ValidationIssue } from "../core/validation.js";

const PART_NAMES: Record<string, string> = { body: "body", querystring: "query", params: "params", headers: "headers" };

/**
 * Fastify validator compiler backed by TypeBox's `TypeCompiler` (every route schema is a TypeBox
 * schema, so the same object validates requests and feeds the OpenAPI document).
 *
 * Contract:
 * - `body` is validated strictly, without type coercion (`"5"` is not a number); an absent body is
 *   validated as `{}`, so routes whose body fields are all optional accept an empty POST;
 * - `querystring`, `params` and `headers` are strings on the wire: top-level properties declared
 *   `integer`/`number` are converted when they are plain decimals (`"10"` → 10, `"1.5"` → 1.5, so an
 *   integer check still fails for it; `"1e3"`, `"0x10"`, `" 1"` stay strings and fail), `boolean`
 *   ones when exactly `"true"`/`"false"`; then the value is checked;
 * - a failure is a `VALIDATION_FAILED` (400) `SwitchboardError` whose message names the first
 *   problem in words ("The request is not valid: body.threadId is required."), with `details.issues:
 *   ValidationIssue[]` (`{path, code, message}`, dotted paths starting with the request part).
 *   Messages never quote the offending value (it may be a secret).
 *
 * @throws at route registration when a schema is not a TypeBox schema.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  if (typeof schema !== "object" || schema === null || !(Kind in schema)) {
    throw new Error(`route schema for ${httpPart ?? "?"} must be a TypeBox schema`);
  }
  const tschema = schema as TSchema;
  const check = TypeCompiler.Compile(tschema);
  const part = PART_NAMES[httpPart ?? ""] ?? httpPart ?? "request";
  const isBody = httpPart === "body";
  const conversions = isBody ? [] : convertibleKeys(tschema);
  return (input: unknown) => {
    const value = isBody ? (input ?? {}) : convertStrings(conversions, input);
    if (check.Check(value)) return { value };
    const issues = requestIssues(check.Errors(value), part);
    return { error: err("VALIDATION_FAILED", { message: summarize("The request", issues), details: { issues } }) };
  };
};

const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** The top-level properties of a schema that arrive as strings but are declared numeric or boolean. */
function convertibleKeys(schema: TSchema): [key: string, type: "number" | "boolean"][] {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const out: [string, "number" | "boolean"][] = [];
  for (const [key, prop] of Object.entries(props)) {
    if (prop.type === "integer" || prop.type === "number") out.push([key, "number"]);
    else if (prop.type === "boolean") out.push([key, "boolean"]);
  }
  return out;
}

/** See {@link typeboxValidatorCompiler}: converts top-level string values by their declared type. */
function convertStrings(keys: readonly [string, "number" | "boolean"][], input: unknown): unknown {
  if (keys.length === 0 || input === null || typeof input !== "object" || Array.isArray(input)) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [key, type] of keys) {
    const v = out[key];
    if (typeof v !== "string") continue;
    if (type === "number" && DECIMAL.test(v)) out[key] = Number(v);
    else if (type === "boolean" && (v === "true" || v === "false")) out[key] = v === "true";
  }
  return out;
}

function requestIssues(errors: Parameters<typeof collectIssues>[0], part: string): ValidationIssue[] {
  const issues = collectIssues(errors, (pointer) => part + pointer.replaceAll("/", ".").replaceAll("~1", "/").replaceAll("~0", "~"));
  if (issues.length === 0) issues.push({ path: part, code: "invalid", message: `${part} is not valid.` });
  return issues;
}

/**
 * Response serializer: plain `JSON.stringify`. Response schemas document the API (OpenAPI) but
 * never filter or coerce what handlers return, so a documentation gap cannot drop a field.
 */
export const jsonSerializerCompiler = () => (data: unknown): string => JSON.stringify(data);

/**
 * Body parsing contract:
 * - only `application/json` (any parameters, e.g. `; charset=utf-8`) is accepted; any other
 *   content type with a body is 415 (the default `text/plain` parser is removed);
 * - an empty JSON body is treated as no body (many clients send `Content-Type: application/json`
 *   on bodiless POSTs); malformed JSON is 400; `__proto__`/`constructor` keys are rejected (400);
 * - bodies over `bodyLimit` bytes are 413; bodies nesting deeper than {@link MAX_JSON_DEPTH} are 400.
 */
export function installBodyParsing(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (e: Error | null, value?: unknown) => {
      if (e) return done(e, undefined);
      if (depthExceeds(value, MAX_JSON_DEPTH)) {
        return done(
          err("VALIDATION_FAILED", {
            message: `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`,
            details: { issues: [{ path: "body", message: `nesting deeper than ${MAX_JSON_DEPTH}` }] },
          }),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

/** Deepest nesting of objects and arrays accepted in a JSON body (deeper bodies are 400). */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `max`. Iterative: never overflows the stack. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, d + 1]);
    }
  }
  return false;
}
