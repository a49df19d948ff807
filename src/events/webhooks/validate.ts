import { err } from "../../core/errors.js";
import { MAX_CONCURRENCY, MAX_ROTATION_OVERLAP_MS } from "./options.js";

/** Custom headers per subscription, at most. */
export const MAX_HEADERS = 20;
/** Longest description, characters. */
export const MAX_DESCRIPTION = 500;

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Visible ASCII, spaces, tabs and obs-text; no CR, LF or NUL (header injection). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,4096}$/;
/** Headers the gateway sets itself or that belong to the connection. */
const RESERVED = new Set(["host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "user-agent"]);

function invalid(path: string, message: string): never {
  throw err("VALIDATION_FAILED", { message, details: { issues: [{ path, message }] } });
}

/**
 * Checks custom headers: at most 20; names are HTTP tokens, not one the gateway sets (`content-type`,
 * `user-agent`, `webhook-*`, connection headers); values up to 4096 characters without CR, LF or NUL.
 * Never quotes a value in its errors (values are secrets).
 * @returns the headers with lower-case names.
 * @throws `VALIDATION_FAILED`.
 */
export function normaliseHeaders(headers: Readonly<Record<string, unknown>>, path = "body.headers"): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) invalid(path, `At most ${MAX_HEADERS} custom headers.`);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) invalid(`${path}/${name.slice(0, 100)}`, "A header name must be an HTTP token of 1–100 characters.");
    if (RESERVED.has(lower) || lower.startsWith("webhook-") || lower.startsWith("proxy-")) invalid(`${path}/${name}`, `The gateway sets ${lower} itself.`);
    if (typeof value !== "string" || !FIELD_VALUE.test(value)) invalid(`${path}/${name}`, "A header value must be a string of at most 4096 characters without line breaks.");
    if (lower in out) invalid(`${path}/${name}`, "Duplicate header name.");
    out[lower] = value;
  }
  return out;
}

/** @throws `VALIDATION_FAILED` unless an integer 1–64. */
export function checkConcurrency(n: number, path = "body.maxConcurrency"): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) invalid(path, `maxConcurrency must be an integer from 1 to ${MAX_CONCURRENCY}.`);
  return n;
}

/** @throws `VALIDATION_FAILED` when longer than 500 characters. */
export function checkDescription(s: string, path = "body.description"): string {
  if (s.length > MAX_DESCRIPTION) invalid(path, `description is longer than ${MAX_DESCRIPTION} characters.`);
  return s;
}

/** @throws `VALIDATION_FAILED` unless an integer from 0 to 7 days (ms). */
export function checkOverlap(ms: number, path = "body.overlapMs"): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_ROTATION_OVERLAP_MS) invalid(path, `overlapMs must be an integer from 0 to ${MAX_ROTATION_OVERLAP_MS} (7 days).`);
  return ms;
}

/**
 * A redelivery time range: integers, `0 <= from <= to` (epoch ms, inclusive).
 * @throws `VALIDATION_FAILED`.
 */
export function checkRange(from: number, to: number): void {
  if (!Number.isSafeInteger(from) || from < 0) invalid("body.from", "from must be epoch milliseconds.");
  if (!Number.isSafeInteger(to) || to < from) invalid("body.to", "to must be epoch milliseconds, not before from.");
}
