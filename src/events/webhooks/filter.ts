import { err } from "../../core/errors.js";

/** An event type (`message.received`) or a pattern: `message.*` (every type under the prefix) or `*`. */
const PATTERN = /^(?:\*|[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*(?:\.\*)?)$/;
/** Patterns per subscription, at most. */
export const MAX_EVENT_PATTERNS = 50;

/**
 * Checks and normalises a subscription's event filter: each entry an exact type or a `prefix.*`
 * pattern (`*` alone matches everything), deduplicated, in the given order. Types not known to this
 * gateway are allowed (new types may be added).
 * @throws `VALIDATION_FAILED` with `details.issues` naming the bad entries.
 */
export function normaliseEventFilter(list: readonly string[], path = "body.events"): string[] {
  if (list.length > MAX_EVENT_PATTERNS) {
    throw err("VALIDATION_FAILED", { message: `At most ${MAX_EVENT_PATTERNS} event types.`, details: { issues: [{ path, message: "Too many entries" }] } });
  }
  const issues = list.flatMap((t, i) => (typeof t === "string" && t.length <= 100 && PATTERN.test(t) ? [] : [{ path: `${path}/${i}`, message: "Expected an event type like message.received, or message.*" }]));
  if (issues.length > 0) throw err("VALIDATION_FAILED", { message: "Invalid event type filter.", details: { issues } });
  return [...new Set(list)];
}

/** A compiled filter: `matches(type)`. An empty list (or `*`) matches every type. */
export interface EventFilter {
  matches(type: string): boolean;
}

/** Compiles a normalised list (see {@link normaliseEventFilter}). */
export function compileEventFilter(list: readonly string[]): EventFilter {
  if (list.length === 0 || list.includes("*")) return { matches: () => true };
  const exact = new Set(list.filter((t) => !t.endsWith(".*")));
  const prefixes = list.filter((t) => t.endsWith(".*")).map((t) => t.slice(0, -1)); // keep the dot
  return { matches: (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p)) };
}
