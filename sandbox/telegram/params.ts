/**
 * Request parameters the way the Bot API server reads them (tdlib/td `HttpReader.cpp`): the query
 * string first, then the body — `application/x-www-form-urlencoded`, `multipart/form-data` (parts
 * with a filename are files) or `application/json` (a top-level object: string values as they are,
 * every other value as its JSON text; a top-level string becomes the parameter `content`). Every
 * parameter is a string; the first occurrence of a name wins. Objects such as `reply_markup` arrive
 * as JSON text in every encoding and are decoded by the method that reads them.
 */

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export class Params {
  constructor(
    private readonly args: ReadonlyArray<readonly [string, string]>,
    readonly files: readonly UploadedFile[] = [],
  ) {}

  /** The value, or "" when absent (the server does not tell an empty value from a missing one). */
  arg(name: string): string {
    for (const [k, v] of this.args) if (k === name) return v;
    return "";
  }

  has(name: string): boolean {
    return this.args.some(([k]) => k === name);
  }

  file(field: string): UploadedFile | undefined {
    return this.files.find((f) => f.field === field);
  }

  /** Integer argument: absent → default; otherwise parsed like `td::to_integer` and clamped. */
  int(name: string, defaultValue: number, min = -Infinity, max = Infinity): number {
    const raw = this.arg(name);
    const value = raw === "" ? defaultValue : toInteger(raw);
    return Math.min(max, Math.max(min, value));
  }

  /** `Client::to_bool`: "true", "yes" or "1", case-insensitive, trimmed. */
  bool(name: string): boolean {
    const v = this.arg(name).trim().toLowerCase();
    return v === "true" || v === "yes" || v === "1";
  }

  entries(): ReadonlyArray<readonly [string, string]> {
    return this.args;
  }
}

/** `td::to_integer`: an optional sign then leading digits; anything else ends the number (""→0). */
export function toInteger(raw: string): number {
  const m = /^\s*([+-]?)(\d*)/.exec(raw);
  if (!m || m[2] === "") return 0;
  const n = Number(m[2]);
  return m[1] === "-" ? -n : n;
}

function fromSearch(search: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of new URLSearchParams(search)) out.push([k, v]);
  return out;
}

/** Values of a JSON body, as the server stores them: strings decoded, anything else as JSON text. */
function fromJson(body: string): Array<[string, string]> {
  if (body.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // The real server logs the parse error and goes on with what it read: here, nothing.
    return [];
  }
  if (typeof value === "string") return [["content", value]];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
}

async function fromMultipart(contentType: string, body: Buffer): Promise<{ args: Array<[string, string]>; files: UploadedFile[] }> {
  const form = await new Request("http://sandbox.invalid/", {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  }).formData();
  const args: Array<[string, string]> = [];
  const files: UploadedFile[] = [];
  for (const [field, value] of form) {
    if (typeof value === "string") {
      args.push([field, value]);
    } else {
      files.push({
        field,
        filename: value.name,
        contentType: value.type || "application/octet-stream",
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return { args, files };
}

/** Raised when a body cannot be read at all; the server answers 400 with `message`. */
export class BodyError extends Error {}

/** Builds the parameters of one request from its query string, content type and raw body. */
export async function parseParams(search: string, contentType: string | undefined, body: Buffer): Promise<Params> {
  const args = fromSearch(search);
  const ct = (contentType ?? "").toLowerCase();
  if (body.length === 0) return new Params(args);
  if (ct.includes("multipart/form-data")) {
    if (!ct.includes("boundary")) throw new BodyError("Bad Request: boundary not found");
    try {
      const parsed = await fromMultipart(contentType ?? "", body);
      return new Params([...args, ...parsed.args], parsed.files);
    } catch {
      throw new BodyError("Bad Request: can't parse multipart/form-data");
    }
  }
  if (ct.includes("application/x-www-form-urlencoded")) return new Params([...args, ...fromSearch(body.toString("utf8"))]);
  if (ct.includes("application/json")) return new Params([...args, ...fromJson(body.toString("utf8"))]);
  return new Params(args);
}
