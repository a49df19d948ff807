/**
 * Fetches a caller's media URL (`content.media.url`) as a stream, through the gateway's one SSRF
 * guard: the URL is checked before the request (`UrlGuard.check`) and every connection goes through
 * the guard's agent (its `lookup` refuses private addresses at connect time, DNS rebinding
 * included); redirects (at most {@link MAX_REDIRECTS}) are checked the same way.
 *
 * Answers the response body as a stream with what the server said about it; the caller stores it
 * with a size limit (uploads.ts). Errors are secret-free: the URL's query is never echoed.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { err, isSwitchboardError } from "../core/errors.js";
import type { UrlGuard } from "../net/url-guard.js";

export const MAX_REDIRECTS = 3;
/** Longest a fetch may stay idle (no headers, or no bytes of the body), ms. */
export const FETCH_HEADERS_TIMEOUT_MS = 15_000;

export interface FetchedMedia {
  body: IncomingMessage;
  /** The Content-Type's media type, lower case; `application/octet-stream` when absent. */
  mimeType: string;
  /** Content-Length when the server gave one, bytes. */
  length?: number;
  /** From Content-Disposition's filename, else the URL path's last segment (when it has an extension). */
  fileName?: string;
}

/**
 * GETs `url` (http or https).
 * @param path where the URL was given, for errors (e.g. `body.content.media.url`).
 * @throws {SwitchboardError} `URL_REFUSED` (the guard), `VALIDATION_FAILED` (not http(s); the server
 *   answered non-2xx, `details.status`; too many redirects), `PLATFORM_UNREACHABLE`-like `TIMEOUT`
 *   when no headers came in time.
 */
export async function fetchMediaUrl(guard: UrlGuard, url: string, path: string): Promise<FetchedMedia> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    await guard.check(current, path, ["http:", "https:"]);
    const res = await get(guard, current);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw err("VALIDATION_FAILED", {
        message: `The media URL answered HTTP ${status}.`,
        details: { issues: [{ path, message: `HTTP ${status}` }], status },
      });
    }
    const type = (res.headers["content-type"] ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
    const length = Number(res.headers["content-length"]);
    const fileName = dispositionName(res.headers["content-disposition"]) ?? pathName(current);
    return { body: res, mimeType: type || "application/octet-stream", ...(Number.isFinite(length) && length >= 0 ? { length } : {}), ...(fileName ? { fileName } : {}) };
  }
  throw err("VALIDATION_FAILED", { message: `The media URL redirected more than ${MAX_REDIRECTS} times.`, details: { issues: [{ path, message: "Too many redirects" }] } });
}

function get(guard: UrlGuard, url: string): Promise<IncomingMessage> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  const agent = guard.agentFor(url);
  return new Promise((resolve, reject) => {
    const req = request(u, { method: "GET", ...(agent ? { agent } : {}), headers: { "user-agent": "Switchboard media fetch", accept: "*/*" } }, resolve);
    req.setTimeout(FETCH_HEADERS_TIMEOUT_MS, () => req.destroy(err("TIMEOUT", { message: "The media URL did not answer in time.", details: { operation: "fetch media" } })));
    req.on("error", (e) => reject(isSwitchboardError(e) ? e : err("VALIDATION_FAILED", { message: "The media URL could not be fetched.", details: { reason: (e as { code?: string }).code ?? "network" }, cause: e })));
    req.end();
  });
}

function dispositionName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header)?.[1];
  if (star) return safeName(decode(star.trim().replace(/^"|"$/g, "")));
  const plain = /filename\s*=\s*("?)([^";]+)\1/i.exec(header)?.[2];
  return plain ? safeName(plain.trim()) : undefined;
}

function pathName(url: string): string | undefined {
  const last = new URL(url).pathname.split("/").pop() ?? "";
  return /\.[A-Za-z0-9]{1,8}$/.test(last) ? safeName(decode(last)) : undefined;
}

/** `decodeURIComponent`, or "" for text that is not valid percent-encoding. Never throws. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}

/** A file name without directories or control characters, at most 255 characters. */
function safeName(name: string): string | undefined {
  const base = [...name.split(/[\\/]/).pop()!].filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f).join("").slice(0, 255);
  return base === "" || base === "." || base === ".." ? undefined : base;
}
