/**
 * The pure half of the sandbox panels: templates, references and answers (the description language
 * is `SandboxPanel`, src/platforms/panel.ts). No DOM.
 */

/** What a panel's templates are resolved against. */
export interface PanelScope {
  /** Picker id → the selected item (or undefined). */
  pickers: Readonly<Record<string, unknown>>;
  /** Input id → its value. */
  inputs: Readonly<Record<string, string>>;
  /** Saved answers by name. */
  vars: Readonly<Record<string, unknown>>;
  /** Value part id → its value. */
  outputs: Readonly<Record<string, string>>;
  /** The last step's answer. */
  answer?: unknown;
  /** The list item (in item templates). */
  item?: unknown;
  /** The selected instance: `{name, qr?}`. */
  instance: { name?: string; qr?: string };
  /** `{now}`: the time of day as the panel shows it. */
  now: string;
}

/** The value at a dotted path of `root` (undefined when any step is missing). */
export function lookup(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const key of path.split(".")) {
    if (v === null || v === undefined || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The value a reference names in `scope` (see the template rules in src/platforms/panel.ts). */
export function resolveRef(scope: PanelScope, ref: string): unknown {
  const [head, ...rest] = ref.split(".");
  const tail = rest.join(".");
  const within = (root: unknown): unknown => (tail === "" ? root : lookup(root, tail));
  switch (head) {
    case "input":
      return scope.inputs[tail];
    case "vars":
      return lookup(scope.vars, tail);
    case "output":
      return scope.outputs[tail];
    case "answer":
      return within(scope.answer);
    case "item":
      return within(scope.item);
    case "instance":
      return lookup(scope.instance, tail);
    case "now":
      return scope.now;
    default:
      // A picker's selection (`{phone.id}`), else a field of the item being drawn (`{number}`).
      return head !== undefined && Object.hasOwn(scope.pickers, head) ? within(scope.pickers[head]) : lookup(scope.item, ref);
  }
}

const REF = /\{([^{}]+)\}/g;

/** Whether a resolved value counts as empty (absent, null, ""). */
export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

function text(v: unknown): string {
  return isEmpty(v) ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** One `{…}` reference with its forms: `{a}`, `{a|fallback}`, `{a?yes:no}`. */
function resolveOne(scope: PanelScope, inner: string): string {
  const q = inner.indexOf("?");
  if (q > 0) {
    const v = resolveRef(scope, inner.slice(0, q));
    const [yes = "", no = ""] = inner.slice(q + 1).split(":");
    return v === true ? yes : no;
  }
  const bar = inner.indexOf("|");
  if (bar > 0) {
    const v = resolveRef(scope, inner.slice(0, bar));
    return isEmpty(v) ? inner.slice(bar + 1) : text(v);
  }
  return text(resolveRef(scope, inner));
}

/** A template with every reference replaced. */
export function render(template: string, scope: PanelScope): string {
  return template.replace(REF, (_, inner: string) => resolveOne(scope, inner));
}

/** Whether a template names a reference that is empty (a path with it must not be requested). */
export function hasEmptyRef(template: string, scope: PanelScope): boolean {
  for (const m of template.matchAll(REF)) {
    const inner = m[1] as string;
    if (inner.includes("|") || inner.includes("?")) continue;
    if (isEmpty(resolveRef(scope, inner))) return true;
  }
  return false;
}

/** Whether a template references the selected instance's QR (fetched only then). */
export function needsQr(template: string): boolean {
  return template.includes("{instance.qr}");
}

/**
 * A request body with its templates resolved: a string that is exactly one reference keeps the
 * referenced value's type; other strings are rendered; other values are kept.
 */
export function renderBody(body: Readonly<Record<string, unknown>>, scope: PanelScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== "string") {
      out[k] = v;
      continue;
    }
    const whole = /^\{([^{}|?]+)\}$/.exec(v);
    out[k] = whole ? resolveRef(scope, whole[1] as string) : render(v, scope);
  }
  return out;
}

/** A control path relative to the sandbox's `/sandbox`, with every reference URL-encoded. */
export function renderPath(template: string, scope: PanelScope): string {
  const path = template.replace(REF, (_, inner: string) => encodeURIComponent(resolveOne(scope, inner)));
  return path.startsWith("/") ? path : `/${path}`;
}

/**
 * The payload of a control answer under the panel's envelope: `plain` answers are the payload;
 * `bot-api` answers `{ok: true, result}` give `result`.
 * @throws Error with the sandbox's own words for `{ok: false, description}`.
 */
export function unwrap(envelope: "plain" | "bot-api", body: unknown): unknown {
  if (envelope !== "bot-api" || !body || typeof body !== "object" || !("ok" in body)) return body;
  const b = body as { ok: unknown; result?: unknown; description?: unknown };
  if (b.ok === true) return b.result;
  throw new Error(typeof b.description === "string" ? b.description : "The sandbox refused the request.");
}

/** The items of an answer: the answer itself when it is a list, else its member `key` (a list), else none. */
export function itemsOf(answer: unknown, key: string | undefined): unknown[] {
  const v = key === undefined ? answer : lookup(answer, key);
  return Array.isArray(v) ? v : [];
}

/** Whether an item passes a list's `where`: the field is a non-empty string or true. */
export function passes(item: unknown, where: string | undefined): boolean {
  if (where === undefined) return true;
  const v = lookup(item, where);
  return v === true || (typeof v === "string" && v !== "");
}
