import { Kind, type TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";

/**
 * A JSON Schema keyword for a string field with a `pattern`: what a person should give, in words
 * ("a bot token from @BotFather, like 123456789:AAE…"). Used in validation messages instead of the
 * regular expression.
 */
export const EXPECTED_KEYWORD = "x-expected";

/**
 * One validation problem, for programs and people: `path` locates the field (a JSON pointer such as
 * `/login/token`, or a dotted request path such as `body.threadId`), `code` says which rule failed,
 * `message` says it in words. Messages never quote the offending value (it may be a secret).
 */
export interface ValidationIssue {
  path: string;
  /** `required`, `type`, `format`, `min_length`, `max_length`, `minimum`, `maximum`, `unknown_field`, `one_of`, `invalid`, … */
  code: string;
  message: string;
}

/** At most this many issues are reported per validated value. */
export const MAX_ISSUES = 20;

/**
 * The issues of TypeBox's `errors`, one per field (the first rule that failed there), at most
 * {@link MAX_ISSUES}. `toPath` turns TypeBox's JSON pointer into the reported `path`.
 */
export function collectIssues(errors: Iterable<ValueError>, toPath: (pointer: string) => string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const path = toPath(e.path);
    if (seen.has(path)) continue;
    seen.add(path);
    issues.push({ path, ...describe(e, fieldName(path)) });
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

/**
 * The one-line message of a validation failure: `<what> is not valid: <first issue>` and how many
 * more there are, e.g. "The login is not valid: login.token is required (the bot token from @BotFather)."
 */
export function summarize(what: string, issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (!first) return `${what} is not valid.`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return `${what} is not valid: ${first.message.replace(/\.$/, "")}${more}.`;
}

/** `/login/token` → `login.token`, `body.threadId` → `body.threadId`, `` → `the value`. */
function fieldName(path: string): string {
  const name = path.replace(/^\//, "").replaceAll("/", ".").replaceAll("~1", "/").replaceAll("~0", "~");
  return name === "" ? "the value" : name;
}

function describe(e: ValueError, field: string): { code: string; message: string } {
  const s = e.schema as Record<string, unknown> & TSchema;
  const hint = typeof s.description === "string" && s.description.length <= 120 ? ` (${s.description.replace(/\.$/, "")})` : "";
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { code: "required", message: `${field} is required${hint}.` };
    case ValueErrorType.ObjectAdditionalProperties:
      return { code: "unknown_field", message: `${field} is not a known field.` };
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
    case ValueErrorType.StringFormatUnknown: {
      const expected = s[EXPECTED_KEYWORD];
      return {
        code: "format",
        message: typeof expected === "string" ? `${field} must be ${expected}.` : `${field} is not in the expected format${hint}.`,
      };
    }
    case ValueErrorType.StringMinLength:
      return s.minLength === 1
        ? { code: "min_length", message: `${field} must not be empty.` }
        : { code: "min_length", message: `${field} must be at least ${String(s.minLength)} characters long.` };
    case ValueErrorType.StringMaxLength:
      return { code: "max_length", message: `${field} must be at most ${String(s.maxLength)} characters long.` };
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return { code: "minimum", message: `${field} must be at least ${String(s.minimum)}.` };
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return { code: "maximum", message: `${field} must be at most ${String(s.maximum)}.` };
    case ValueErrorType.ArrayMinItems:
      return { code: "min_items", message: `${field} must have at least ${String(s.minItems)} item(s).` };
    case ValueErrorType.ArrayMaxItems:
      return { code: "max_items", message: `${field} must have at most ${String(s.maxItems)} items.` };
    case ValueErrorType.String:
      return { code: "type", message: `${field} must be text.` };
    case ValueErrorType.Number:
      return { code: "type", message: `${field} must be a number.` };
    case ValueErrorType.Integer:
      return { code: "type", message: `${field} must be a whole number.` };
    case ValueErrorType.Boolean:
      return { code: "type", message: `${field} must be true or false.` };
    case ValueErrorType.Object:
      return { code: "type", message: `${field} must be an object.` };
    case ValueErrorType.Array:
      return { code: "type", message: `${field} must be a list.` };
    case ValueErrorType.Literal:
      return { code: "one_of", message: `${field} must be ${JSON.stringify(s.const)}.` };
    case ValueErrorType.Union: {
      const options = literalsOf(s);
      return options
        ? { code: "one_of", message: `${field} must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}.` }
        : { code: "one_of", message: `${field} does not match any of the accepted forms${hint}.` };
    }
    default:
      return { code: "invalid", message: `${field} is not valid${hint}.` };
  }
}

/** The values of a union of literals, or null when the union has other members. */
function literalsOf(s: TSchema): unknown[] | null {
  const members = (s as { anyOf?: TSchema[] }).anyOf;
  if (!members || !members.every((m) => m[Kind] === "Literal")) return null;
  return members.map((m) => (m as { const?: unknown }).const);
}
