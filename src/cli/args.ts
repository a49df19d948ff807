import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { UsageError } from "./errors.js";

/**
 * Parses a JSON option value: inline JSON, or `@path` to read the JSON from a file (useful for
 * secrets, which then stay out of the shell history and the process list).
 *
 * The parser's own message is never echoed: V8 quotes part of the input in it, and the input may
 * be a secret (a login token, say).
 * @param flag the option as typed, for messages (e.g. `--config`).
 * @param kind `object`: the value must be a JSON object; `any`: any JSON value.
 * @throws {@link UsageError} when the file cannot be read, the text is not JSON, or the kind is wrong.
 */
export function parseJsonOption(value: string, flag: string, kind: "object" | "any" = "object"): unknown {
  let text = value;
  if (value.startsWith("@")) {
    const path = value.slice(1);
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new UsageError(`${flag}: cannot read ${path}${typeof code === "string" ? ` (${code})` : ""}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${flag}: not valid JSON${value.startsWith("@") ? ` in ${value.slice(1)}` : ""} (use '{"key": "value"}' or @file)`);
  }
  if (kind === "object" && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))) {
    throw new UsageError(`${flag}: must be a JSON object`);
  }
  return parsed;
}

/**
 * A commander argument parser for integers in `[min, max]` (a usage error, exit 2, otherwise).
 * Accepts decimal digits only.
 */
export function intOption(min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("must be a whole number.");
    const n = Number(value.trim());
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return n;
  };
}

/** A commander collector for a repeatable, comma-separated list: `--type a,b --type c` → `["a", "b", "c"]`. */
export function collectList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").map((t) => t.trim()).filter((t) => t !== "")];
}
