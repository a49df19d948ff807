/** A small element builder for the dashboard's views (no framework). */

type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;
type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element. Attributes: `on<event>` keys add listeners (`onclick`); `true` sets an empty
 * attribute, `false`/null/undefined omit it; everything else becomes an attribute string. Children:
 * nodes and text (never parsed as HTML); null, undefined and false are skipped.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children (see {@link h}). */
export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

let nextId = 0;
/** A unique element id with a readable prefix (for label `for` and `aria-describedby`). */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** The message of any thrown value, for display (the SDK's errors are secret-free). */
export function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

/**
 * Runs `task` for a button: disables it meanwhile (`aria-busy`), shows the outcome in `out`
 * (a `role="status"` element for results, errors with `role="alert"` semantics via the class
 * `error`). Returns the task's result, or undefined when it threw. A button that had the focus gets
 * it back afterwards unless the focus went elsewhere meanwhile (disabling a button drops its focus
 * to the page, which would send keyboard users back to the top).
 */
export async function busy<T>(button: HTMLButtonElement | null, out: HTMLElement | null, task: () => Promise<T>): Promise<T | undefined> {
  const hadFocus = button !== null && document.activeElement === button;
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await task();
  } catch (e) {
    if (out) showError(out, e);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      const lost = document.activeElement === null || document.activeElement === document.body;
      if (hadFocus && lost && button.isConnected) button.focus();
    }
  }
}

/** Shows an error in `out`, announced as an alert. */
export function showError(out: HTMLElement, e: unknown): void {
  out.classList.add("error");
  out.setAttribute("role", "alert");
  out.textContent = messageOf(e);
}

/** Shows a result in `out`, announced politely. */
export function showResult(out: HTMLElement, text: string): void {
  out.classList.remove("error");
  out.setAttribute("role", "status");
  out.textContent = text;
}

/**
 * Asks for confirmation in a modal `<dialog>` (focus moves into it, Escape cancels). Resolves true
 * when the user pressed the confirm button (named `confirmLabel`).
 */
export function confirmDialog(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid("confirm-title");
    const cancel = h("button", { type: "button" }, "Cancel");
    const ok = h("button", { type: "button", class: "danger" }, confirmLabel);
    const dialog = h("dialog", { "aria-labelledby": titleId }, h("p", { id: titleId }, question), h("div", { class: "row" }, cancel, ok));
    const done = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => done(false));
    ok.addEventListener("click", () => done(true));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
