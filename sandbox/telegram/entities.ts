/**
 * Formatted text the way the Bot API turns a `text` + `parse_mode` (or `entities`) into the
 * message's `text` and `entities`: HTML, MarkdownV2 and legacy Markdown markup (TDLib's
 * `parse_html`, `parse_markdown_v2`, `parse_markdown`), the entities TDLib finds by itself
 * (`/commands`, `@mentions`, `#hashtags`, `$CASHTAGS`, URLs, e-mail addresses), and the trimming of
 * surrounding white space. Offsets and lengths are in UTF-16 code units, as the Bot API counts them.
 *
 * Errors are TDLib's wording; the method prefixes them ("Bad Request: can't parse entities: …").
 */
import type { MessageEntity } from "./objects.js";

export class EntityParseError extends Error {}

/** A parse_mode other than HTML, MarkdownV2, Markdown (or none). */
export class UnsupportedParseModeError extends Error {}

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

const byteOffset = (s: string, index: number): number => Buffer.byteLength(s.slice(0, index), "utf8");

interface OpenEntity {
  tag: string;
  type: string;
  offset: number;
  url?: string;
  language?: string;
  argument?: string;
}

const HTML_TAGS = new Set([
  "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote", "tg-time",
]);

const HTML_TYPES: Record<string, string> = {
  a: "text_link",
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  u: "underline",
  ins: "underline",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  "tg-emoji": "custom_emoji",
  pre: "pre",
  code: "code",
  blockquote: "blockquote",
  "tg-time": "date_time",
};

function decodeHtmlEntity(s: string, i: number): { char: string; end: number } | null {
  const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,10});/.exec(s.slice(i, i + 12));
  if (!m) return null;
  const name = m[1] ?? "";
  let code: number | undefined;
  if (name.startsWith("#x")) code = parseInt(name.slice(2), 16);
  else if (name.startsWith("#")) code = parseInt(name.slice(1), 10);
  else code = ({ lt: 60, gt: 62, amp: 38, quot: 34 } as Record<string, number>)[name];
  if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return { char: String.fromCodePoint(code), end: i + m[0].length };
}

/** HTML parse mode (TDLib `parse_html`). */
export function parseHtml(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: OpenEntity[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === "&") {
      const decoded = decodeHtmlEntity(input, i);
      if (decoded) {
        text += decoded.char;
        i = decoded.end;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const tagStart = i;
    i++;
    if (input[i] === "/") {
      i++;
      const close = input.indexOf(">", i);
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${byteOffset(input, tagStart)}`);
      const name = input.slice(i, close).trim().toLowerCase();
      const open = stack.pop();
      if (!open) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(input, tagStart)}`);
      if (name !== open.tag) {
        throw new EntityParseError(
          `Unmatched end tag at byte offset ${byteOffset(input, tagStart)}, expected "</${open.tag}>", found "</${name}>"`,
        );
      }
      i = close + 1;
      closeHtmlEntity(open, text, entities, stack);
      continue;
    }
    const nameMatch = /^[a-zA-Z0-9-]+/.exec(input.slice(i));
    if (!nameMatch) throw new EntityParseError(`Unsupported start tag at byte offset ${byteOffset(input, tagStart)}`);
    const tag = nameMatch[0].toLowerCase();
    i += nameMatch[0].length;
    if (!HTML_TAGS.has(tag)) {
      throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${byteOffset(input, tagStart)}`);
    }
    const attributes = new Map<string, string>();
    for (;;) {
      while (/\s/.test(input[i] ?? "")) i++;
      if (i >= input.length) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(input, tagStart)}`);
      if (input[i] === ">") {
        i++;
        break;
      }
      const attr = /^([a-zA-Z0-9_-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?/.exec(input.slice(i));
      if (!attr) throw new EntityParseError(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(input, tagStart)}`);
      let value = attr[2] ?? "";
      if (value.startsWith('"') || value.startsWith("'")) value = value.slice(1, -1);
      attributes.set((attr[1] as string).toLowerCase(), unescapeHtml(value));
      i += attr[0].length;
    }
    const open: OpenEntity = { tag, type: HTML_TYPES[tag] as string, offset: text.length };
    if (tag === "a") open.url = attributes.get("href") ?? "";
    if (tag === "span" && attributes.get("class") !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(input, tagStart)}`);
    }
    if (tag === "code") {
      const cls = attributes.get("class") ?? "";
      if (cls.startsWith("language-")) open.language = cls.slice("language-".length);
    }
    if (tag === "blockquote" && attributes.has("expandable")) open.type = "expandable_blockquote";
    if (tag === "tg-emoji") open.argument = attributes.get("emoji-id") ?? "";
    stack.push(open);
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  return { text, entities: sortEntities(entities) };
}

function unescapeHtml(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const d = s[i] === "&" ? decodeHtmlEntity(s, i) : null;
    if (d) {
      out += d.char;
      i = d.end;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

function closeHtmlEntity(open: OpenEntity, text: string, entities: MessageEntity[], stack: OpenEntity[]): void {
  const length = text.length - open.offset;
  if (length === 0) return;
  const parent = stack[stack.length - 1];
  if (open.tag === "code" && parent?.tag === "pre" && parent.offset === open.offset && open.language !== undefined) {
    parent.language = open.language;
    return;
  }
  const entity: MessageEntity = { type: open.type, offset: open.offset, length };
  if (open.type === "text_link") {
    if (!open.url) return;
    entity.url = open.url;
  }
  if (open.type === "pre" && open.language) entity.language = open.language;
  if (open.type === "custom_emoji") {
    if (!open.argument) return;
    entity.custom_emoji_id = open.argument;
  }
  entities.push(entity);
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";

/** MarkdownV2 parse mode (TDLib `parse_markdown_v2`). */
export function parseMarkdownV2(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: Array<OpenEntity & { byte: number }> = [];
  let i = 0;
  const inCode = () => {
    const top = stack[stack.length - 1];
    return top !== undefined && (top.type === "code" || top.type === "pre");
  };
  while (i < input.length) {
    const c = input[i] as string;
    if (c === "\\" && i + 1 < input.length && (input.codePointAt(i + 1) ?? 0) <= 126) {
      text += input[i + 1];
      i += 2;
      continue;
    }
    if (inCode()) {
      const top = stack[stack.length - 1] as OpenEntity & { byte: number };
      const closer = top.type === "pre" ? "```" : "`";
      if (input.startsWith(closer, i)) {
        stack.pop();
        pushMd(entities, top, text);
        i += closer.length;
        continue;
      }
      text += c;
      i++;
      continue;
    }
    if (!MDV2_RESERVED.includes(c)) {
      text += c;
      i++;
      continue;
    }
    const byte = byteOffset(input, i);
    // Closing an open entity?
    let token = c;
    if (c === "_" && input[i + 1] === "_") token = "__";
    if (c === "|" && input[i + 1] === "|") token = "||";
    const typeOf: Record<string, string> = { "*": "bold", _: "italic", __: "underline", "~": "strikethrough", "||": "spoiler" };
    const type = typeOf[token];
    if (type !== undefined) {
      const idx = findOpen(stack, token);
      if (idx >= 0) {
        if (idx !== stack.length - 1) {
          // An entity closed over an inner open one: TDLib reports the inner one as unclosed.
          const inner = stack[stack.length - 1] as OpenEntity & { byte: number };
          throw new EntityParseError(`Can't find end of ${mdName(inner.type)} entity at byte offset ${inner.byte}`);
        }
        const open = stack.pop() as OpenEntity & { byte: number };
        pushMd(entities, open, text);
      } else {
        stack.push({ tag: token, type, offset: text.length, byte });
      }
      i += token.length;
      continue;
    }
    if (c === "`") {
      if (input.startsWith("```", i)) {
        i += 3;
        const nl = input.indexOf("\n", i);
        let language: string | undefined;
        const firstLine = nl >= 0 ? input.slice(i, nl) : "";
        if (nl >= 0 && /^[^\s`\\]*$/.test(firstLine)) {
          if (firstLine !== "") language = firstLine;
          i = nl + 1;
        }
        stack.push({ tag: "```", type: "pre", offset: text.length, byte, ...(language ? { language } : {}) });
      } else {
        i++;
        stack.push({ tag: "`", type: "code", offset: text.length, byte });
      }
      continue;
    }
    if (c === "[") {
      stack.push({ tag: "[", type: "text_link", offset: text.length, byte });
      i++;
      continue;
    }
    if (c === "]") {
      const idx = findOpen(stack, "[");
      if (idx < 0 || idx !== stack.length - 1) {
        throw new EntityParseError(`Character ']' is reserved and must be escaped with the preceding '\\'`);
      }
      const open = stack.pop() as OpenEntity & { byte: number };
      i++;
      let url = "";
      if (input[i] === "(") {
        const end = findUrlEnd(input, i + 1);
        if (end < 0) throw new EntityParseError(`Can't find end of a URL at byte offset ${byteOffset(input, i)}`);
        url = input.slice(i + 1, end).replace(/\\([)\\])/g, "$1");
        i = end + 1;
      }
      if (url !== "" && text.length > open.offset) entities.push({ type: "text_link", offset: open.offset, length: text.length - open.offset, url });
      continue;
    }
    if (c === ">" && (i === 0 || input[i - 1] === "\n")) {
      // Block quotation: the rest of this line (and the following ">" lines) are quoted.
      let end = i;
      const start = text.length;
      let first = true;
      while (end < input.length && input[end] === ">" && (first || input[end - 1] === "\n")) {
        first = false;
        const nl = input.indexOf("\n", end);
        const line = nl >= 0 ? input.slice(end + 1, nl + 1) : input.slice(end + 1);
        const inner = parseMarkdownV2(line.endsWith("\n") ? line.slice(0, -1) : line);
        for (const e of inner.entities) entities.push({ ...e, offset: e.offset + text.length });
        text += inner.text + (line.endsWith("\n") ? "\n" : "");
        end = nl >= 0 ? nl + 1 : input.length;
      }
      const quoteLength = text.endsWith("\n") ? text.length - 1 - start : text.length - start;
      if (quoteLength > 0) entities.push({ type: "blockquote", offset: start, length: quoteLength });
      i = end;
      continue;
    }
    throw new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw new EntityParseError(`Can't find end of ${mdName(unclosed.type)} entity at byte offset ${unclosed.byte}`);
  return { text, entities: sortEntities(entities) };
}

function findUrlEnd(input: string, from: number): number {
  for (let j = from; j < input.length; j++) {
    if (input[j] === "\\") {
      j++;
      continue;
    }
    if (input[j] === ")") return j;
  }
  return -1;
}

function findOpen(stack: OpenEntity[], tag: string): number {
  for (let k = stack.length - 1; k >= 0; k--) if ((stack[k] as OpenEntity).tag === tag) return k;
  return -1;
}

function mdName(type: string): string {
  return (
    ({
      bold: "Bold",
      italic: "Italic",
      underline: "Underline",
      strikethrough: "Strikethrough",
      spoiler: "Spoiler",
      code: "Code",
      pre: "Pre",
      text_link: "TextUrl",
    }) as Record<string, string>
  )[type] ?? type;
}

function pushMd(entities: MessageEntity[], open: OpenEntity, text: string): void {
  const length = text.length - open.offset;
  if (length <= 0) return;
  const e: MessageEntity = { type: open.type, offset: open.offset, length };
  if (open.language) e.language = open.language;
  entities.push(e);
}

/** Legacy Markdown parse mode (TDLib `parse_markdown`): no nesting, `\` escapes only _*`[. */
export function parseMarkdown(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === "\\" && "_*`[".includes(input[i + 1] ?? "")) {
      text += input[i + 1];
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      text += c;
      i++;
      continue;
    }
    const startByte = byteOffset(input, i);
    const fail = () => new EntityParseError(`Can't find end of the entity starting at byte offset ${startByte}`);
    const offset = text.length;
    if (c === "[") {
      const close = input.indexOf("]", i + 1);
      if (close < 0) throw fail();
      const inner = input.slice(i + 1, close);
      text += inner;
      i = close + 1;
      if (input[i] === "(") {
        const end = input.indexOf(")", i + 1);
        if (end < 0) throw fail();
        const url = input.slice(i + 1, end);
        i = end + 1;
        if (url !== "" && inner.length > 0) entities.push({ type: "text_link", offset, length: inner.length, url });
      }
      continue;
    }
    if (c === "`" && input.startsWith("```", i)) {
      const end = input.indexOf("```", i + 3);
      if (end < 0) throw fail();
      let body = input.slice(i + 3, end);
      let language: string | undefined;
      const nl = body.indexOf("\n");
      if (nl >= 0 && /^[^\s`]+$/.test(body.slice(0, nl))) {
        language = body.slice(0, nl);
        body = body.slice(nl + 1);
      }
      text += body;
      i = end + 3;
      if (body.length > 0) entities.push({ type: "pre", offset, length: body.length, ...(language ? { language } : {}) });
      continue;
    }
    const end = input.indexOf(c, i + 1);
    if (end < 0) throw fail();
    const inner = input.slice(i + 1, end);
    text += inner;
    i = end + 1;
    if (inner.length > 0) entities.push({ type: c === "*" ? "bold" : c === "_" ? "italic" : "code", offset, length: inner.length });
  }
  return { text, entities: sortEntities(entities) };
}

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

const FINDERS: Array<{ type: string; re: RegExp }> = [
  { type: "url", re: /(?<![\w@.\-/])(?:https?:\/\/|www\.)[^\s<>"]+/giu },
  { type: "email", re: /(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])/gu },
  { type: "bot_command", re: /(?<![\w/<>@#$])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])/gu },
  { type: "mention", re: /(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])/gu },
  { type: "hashtag", re: /(?<![\p{L}\p{N}_#])#(?=[\p{L}\p{N}_]*[\p{L}_])[\p{L}\p{N}_]{1,256}/gu },
  { type: "cashtag", re: /(?<![\p{L}\p{N}_$])\$[A-Z]{1,8}(?![\p{L}\p{N}_])/gu },
];

/** The entities TDLib detects on its own (`find_entities`), skipping text already inside `existing`. */
export function findEntities(text: string, existing: readonly MessageEntity[] = []): MessageEntity[] {
  const taken: Array<[number, number]> = existing.map((e) => [e.offset, e.offset + e.length]);
  const found: MessageEntity[] = [];
  for (const { type, re } of FINDERS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      let value = m[0];
      if (type === "url") value = value.replace(/[.,;:!?'")\]]+$/, (tail) => keepBalanced(value, tail));
      const start = m.index;
      const end = start + value.length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      taken.push([start, end]);
      found.push({ type, offset: start, length: value.length });
    }
  }
  return found;
}

/** Keeps a closing parenthesis that closes one opened inside the URL. */
function keepBalanced(url: string, tail: string): string {
  const body = url.slice(0, url.length - tail.length);
  const opens = (body.match(/\(/g) ?? []).length - (body.match(/\)/g) ?? []).length;
  return opens > 0 && tail.startsWith(")") ? ")" : "";
}

/** Removes leading and trailing white space, moving and clipping the entities with the text. */
export function trimFormatted(ft: FormattedText): FormattedText {
  const lead = /^\s*/u.exec(ft.text)?.[0].length ?? 0;
  const text = ft.text.slice(lead).replace(/\s+$/u, "");
  const entities: MessageEntity[] = [];
  for (const e of ft.entities) {
    const start = Math.max(0, e.offset - lead);
    const end = Math.min(text.length, e.offset + e.length - lead);
    if (end > start) entities.push({ ...e, offset: start, length: end - start });
  }
  return { text, entities };
}

/**
 * The full pipeline for a sent text: markup by `parse_mode` (or the explicit `entities`), trimming,
 * then the auto-detected entities. Throws {@link EntityParseError} for bad markup and
 * {@link UnsupportedParseModeError} for an unknown mode.
 */
export function formatText(raw: string, parseMode: string, explicit: MessageEntity[] | undefined): FormattedText {
  const mode = parseMode.toLowerCase();
  let ft: FormattedText;
  if (raw !== "" && mode !== "" && mode !== "none") {
    if (mode === "html") ft = parseHtml(raw);
    else if (mode === "markdownv2") ft = parseMarkdownV2(raw);
    else if (mode === "markdown") ft = parseMarkdown(raw);
    else throw new UnsupportedParseModeError("Unsupported parse_mode");
  } else {
    ft = { text: raw, entities: explicit ? sortEntities([...explicit]) : [] };
  }
  ft = trimFormatted(ft);
  const auto = findEntities(ft.text, ft.entities);
  return { text: ft.text, entities: sortEntities([...ft.entities, ...auto]) };
}

/** Unicode code points, the unit of the Bot API's text length limits. */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
