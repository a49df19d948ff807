/** Shared helpers of the Telegram sandbox tests: raw Bot API calls in every encoding, and waiting. */
import type { TelegramSandbox } from "../../../sandbox/telegram/index.js";

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: { ok: boolean; result?: unknown; description?: string; error_code?: number; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };
}

export type Encoding = "json" | "form" | "query" | "multipart";

function toStrings(params: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
}

/** One Bot API call over HTTP, parameters encoded as `encoding` (objects JSON-serialized in non-JSON encodings). */
export async function call(
  sandbox: Pick<TelegramSandbox, "url">,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  encoding: Encoding = "json",
  test = false,
): Promise<RawAnswer> {
  const base = `${sandbox.url}/bot${token}${test ? "/test" : ""}/${method}`;
  let res: Response;
  if (encoding === "json") {
    res = await fetch(base, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });
  } else if (encoding === "form") {
    res = await fetch(base, { method: "POST", body: new URLSearchParams(toStrings(params)) });
  } else if (encoding === "query") {
    res = await fetch(`${base}?${new URLSearchParams(toStrings(params)).toString()}`);
  } else {
    const form = new FormData();
    for (const [k, v] of Object.entries(params)) {
      if (v instanceof Blob) form.append(k, v, "upload.jpg");
      else if (v !== undefined) form.append(k, typeof v === "string" ? v : JSON.stringify(v));
    }
    res = await fetch(base, { method: "POST", body: form });
  }
  return { status: res.status, headers: res.headers, body: (await res.json()) as RawAnswer["body"] };
}

/** Polls `predicate` (real time) until it holds. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending I/O callbacks run. */
export function tick(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
