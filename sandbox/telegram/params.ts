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

/** Raised when a body cannot be read at all; the server answers 400 with `message`. */
export class BodyError extends Error {}

/** The boundary parameter of a multipart content type (quotes removed), or null. */
function boundaryOf(contentType: string): string | null {
  const at = contentType.toLowerCase().indexOf("boundary");
  if (at < 0) return null;
  const eq = contentType.indexOf("=", at + "boundary".length);
  if (eq < 0) return null;
  let value = contentType.slice(eq + 1);
  const semi = value.indexOf(";");
  if (semi >= 0) value = value.slice(0, semi);
  value = value.trim();
  if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value === "" || value.length > 70 ? null : value;
}

/**
 * multipart/form-data as td's HttpReader reads it — leniently: header names are case-insensitive,
 * white space around `:`, `;` and `=` is optional, quotes around values are optional (grammY, for
 * one, sends `content-disposition:form-data;name="x";filename=y.jpg`). Parts with a filename are
 * files; a part typed application/x-www-form-urlencoded contributes its parameters.
 */
function fromMultipart(contentType: string, body: Buffer): { args: Array<[string, string]>; files: UploadedFile[] } {
  const boundary = boundaryOf(contentType);
  if (boundary === null) throw new BodyError("Bad Request: boundary not found");
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const args: Array<[string, string]> = [];
  const files: UploadedFile[] = [];
  let pos = body.indexOf(dashBoundary);
  if (pos < 0) return { args, files };
  pos += dashBoundary.length;
  for (;;) {
    if (body.subarray(pos, pos + 2).toString("latin1") === "--") break;
    const headersEnd = body.indexOf("\r\n\r\n", pos);
    if (headersEnd < 0) break;
    const headerText = body.subarray(pos, headersEnd).toString("utf8");
    pos = headersEnd + 4;
    let name = "";
    let filename: string | undefined;
    let partType = "application/octet-stream";
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const header = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (header === "content-disposition") {
        if (!value.startsWith("form-data;")) throw new BodyError("Bad Request: expected form-data content disposition");
        for (const piece of value.slice("form-data;".length).split(";")) {
          const eq = piece.indexOf("=");
          if (eq < 0) continue;
          const key = piece.slice(0, eq).trim();
          let v = piece.slice(eq + 1).trim();
          if (v.length > 1 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
          if (key === "name") name = v;
          else if (key === "filename") filename = v;
        }
      } else if (header === "content-type") {
        partType = value;
      }
    }
    if (name === "") throw new BodyError("Bad Request: field name in multipart/form-data not found");
    let end = body.indexOf(delimiter, pos);
    if (end < 0) end = body.length;
    const content = body.subarray(pos, end);
    if (filename !== undefined) {
      files.push({ field: name, filename, contentType: partType, data: Buffer.from(content) });
    } else if (partType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      args.push(...fromSearch(content.toString("utf8")));
    } else {
      args.push([name, content.toString("utf8")]);
    }
    if (end >= body.length) break;
    pos = end + delimiter.length;
  }
  return { args, files };
}

/** Builds the parameters of one request from its query string, content type and raw body. */
export function parseParams(search: string, contentType: string | undefined, body: Buffer): Params {
  const args = fromSearch(search);
  const ct = (contentType ?? "").toLowerCase();
  if (body.length === 0) return new Params(args);
  if (ct.includes("multipart/form-data")) {
    const parsed = fromMultipart(contentType ?? "", body);
    return new Params([...args, ...parsed.args], parsed.files);
  }
  if (ct.includes("application/x-www-form-urlencoded")) return new Params([...args, ...fromSearch(body.toString("utf8"))]);
  if (ct.includes("application/json")) return new Params([...args, ...fromJson(body.toString("utf8"))]);
  return new Params(args);
}
