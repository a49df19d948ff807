/**
 * The few vCard fields a Telegram contact needs (RFC 6350 / vCard 3.0): the first TEL, FN, and the
 * family and given names of N. Lines may be folded (a continuation starts with a space or a tab);
 * parameters (`TEL;TYPE=CELL:`) and groups (`item1.TEL:`) are allowed. Never throws.
 */
export interface VcardFields {
  phone?: string;
  formattedName?: string;
  firstName?: string;
  lastName?: string;
}

export function readVcard(text: string): VcardFields {
  const lines = text.replace(/\r?\n[ \t]/g, "").split(/\r?\n/);
  const out: VcardFields = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).split(";")[0]!.split(".").pop()!.toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (value === "") continue;
    if (name === "TEL" && out.phone === undefined) out.phone = value.replace(/^tel:/i, "");
    else if (name === "FN" && out.formattedName === undefined) out.formattedName = unescape(value);
    else if (name === "N" && out.lastName === undefined) {
      const [family, given] = value.split(";");
      if (family) out.lastName = unescape(family);
      if (given) out.firstName = unescape(given);
    }
  }
  return out;
}

function unescape(v: string): string {
  return v.replace(/\\([,;\\nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}
