/** One media range of an `Accept` header. */
interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [mediaRaw, ...params] = part.split(";");
    const media = (mediaRaw ?? "").trim().toLowerCase();
    const slash = media.indexOf("/");
    if (slash <= 0 || slash === media.length - 1) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k?.toLowerCase() === "q") {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    ranges.push({ type: media.slice(0, slash), subtype: media.slice(slash + 1), q });
  }
  return ranges;
}

/**
 * Picks the best of `offered` media types (server preference order) for an `Accept` header
 * (RFC 9110 §12.5.1): each offer gets the quality of the most specific range that matches it
 * (`type/subtype` over `type/*` over `*\/*`); the highest quality above zero wins, ties go to the
 * earlier offer. A missing or empty header accepts the first offer.
 * @returns the chosen media type, or undefined when nothing offered is acceptable (→ 406).
 */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === "") return offered[0];
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return undefined;
  let best: { media: string; q: number } | undefined;
  for (const media of offered) {
    const [type, subtype] = media.split("/");
    let q: number | undefined;
    let specificity = -1;
    for (const r of ranges) {
      const s =
        r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === "*" ? 1 : r.type === "*" && r.subtype === "*" ? 0 : -1;
      if (s > specificity) {
        specificity = s;
        q = r.q;
      }
    }
    if (q !== undefined && q > 0 && (!best || q > best.q)) best = { media, q };
  }
  return best?.media;
}
