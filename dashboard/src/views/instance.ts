import type { ConnectOptions, InstanceClient, InstanceView, LoginMethod, PlatformInfo, SwitchboardEvent } from "@switchboard/client";
import { busy, confirmDialog, h, replace, showError, showResult, uid } from "../dom.js";
import { renderFields } from "../form.js";
import { lastThread, summarize } from "../lib/events.js";
import { LatestOnly } from "../lib/freshness.js";
import { fieldsOf, type JsonSchemaLike, valueOf } from "../lib/schema-form.js";
import { stateLabel, statusDetail } from "../lib/status.js";
import { clock, formatRemaining, lockedUntilOf } from "../lib/time.js";
import { RECENT_EVENTS, type Store } from "../state.js";

/** Longest wait of the connect and restart buttons for the QR or the connection, ms. */
const CONNECT_WAIT_MS = 30_000;

/** States a verb's outcome can settle in; until then the "Result" output follows the status. */
const SETTLED_STATES: ReadonlySet<string> = new Set(["connected", "stopped", "logged_out", "conflict", "failed"]);

/**
 * The region "Instance <name>" for the selected instance: its status (output "Status"), the verbs
 * (buttons "Connect", "Close", "Restart", "Log out", "Delete"; the outcome in output "Result"), the
 * login input for connect ("Login method" and its fields), the QR code (image "QR code") and pairing
 * code (output "Pairing code"), "Send a message", the platform's actions and "Recent events".
 * With no instance selected, the region "Instance". The heading and the output "Result" are one
 * element each across redraws, so the outcome of a Delete lands in the live region that showed the
 * verbs' results (and is announced), and the focus moves to the heading instead of the page.
 */
export function renderInstancePanel(s: Store): HTMLElement {
  const heading = h("h2", { id: "panel-title", tabindex: -1 }, "Instance");
  const result = h("output", { "aria-label": "Result", class: "result" });
  const resultLine = h("p", {}, "Result: ", result);
  const top = h("div");
  const bottom = h("div");
  const section = h("section", { class: "card", "aria-labelledby": "panel-title" }, heading, top, resultLine, bottom);
  let cleanup: (() => void) | null = null;
  let drawn: string | null = null;
  let shownNotice: string | null = null;
  const draw = () => {
    cleanup?.();
    cleanup = null;
    const view = s.selected ? s.instances.get(s.selected) : undefined;
    if (!view) {
      drawn = null;
      heading.textContent = "Instance";
      replace(top);
      replace(bottom, h("p", {}, "Select an instance in the list."));
      // What the last verb of a panel that is gone (Delete) answered stays readable here.
      resultLine.hidden = s.notice === null;
      if (s.notice !== null && s.notice !== shownNotice) {
        showResult(result, s.notice);
        heading.focus();
      }
      shownNotice = s.notice;
      return;
    }
    shownNotice = null;
    if (drawn !== view.name) showResult(result, ""); // another instance: no earlier verb's outcome
    drawn = view.name;
    heading.textContent = `Instance ${view.name}`;
    resultLine.hidden = false;
    cleanup = drawInstance(s, { top, bottom, result }, view);
  };
  s.subscribe((c) => {
    if (c.kind === "selected") draw();
    if (c.kind === "instances" && (!s.selected || !s.instances.has(s.selected))) draw();
  });
  draw();
  return section;
}

/** The parts of the panel one instance fills: above and below the kept output "Result". */
interface PanelParts {
  top: HTMLElement;
  bottom: HTMLElement;
  result: HTMLOutputElement;
}

/** Fills the panel for one instance; returns the function that stops its timers and listeners. */
function drawInstance(s: Store, { top, bottom, result }: PanelParts, view: InstanceView): () => void {
  const name = view.name;
  const api = s.sb.instance(name);
  const platform = s.platform(view.platform);
  const status = h("output", { "aria-label": "Status", class: "status" });
  const showStatus = (v: InstanceView) => {
    const detail = statusDetail(v.status);
    status.textContent = `${stateLabel(v.status.state)}${detail ? ` — ${detail}` : ""}`;
    status.dataset.state = v.status.state;
  };
  showStatus(view);

  const login = loginControls(platform);
  const qr = qrArea(api);
  const events = h("ol", { class: "events", "aria-label": "Recent events" });
  const send = sendForm(api, s, name);
  const actions = actionForms(api, platform);

  // The verb whose answer "Result" shows while the instance has not settled yet ("Connect: awaiting
  // login." becomes "Connect: connected." when the phone links); null once settled or replaced.
  let following: string | null = null;
  let shownState = "";
  const showOutcome = (what: string, state: string) => {
    showResult(result, `${what}: ${stateLabel(state)}.`);
    shownState = state;
    following = SETTLED_STATES.has(state) ? null : what;
  };
  const verb = (label: string, run: (button: HTMLButtonElement) => Promise<void>, cls = "") => {
    const b = h("button", { type: "button", class: cls }, label);
    b.addEventListener("click", () => {
      following = null;
      void busy(b, result, () => run(b));
    });
    return b;
  };
  const connectBody = async (): Promise<ConnectOptions | null> => {
    // Read afresh: status events do not say whether a login stored credentials meanwhile.
    const current = await api.get();
    s.put(current);
    // Stored credentials are restored; login input then would be refused (INVALID_STATE).
    if (current.hasCredentials) return { wait: "awaiting_login" as const, timeoutMs: CONNECT_WAIT_MS };
    const chosen = login.value();
    return chosen ? { login: chosen, wait: "awaiting_login" as const, timeoutMs: CONNECT_WAIT_MS } : null;
  };
  const afterVerb = async (v: InstanceView, what: string) => {
    s.put(v);
    // The store keeps a newer status that came on the stream while the verb ran.
    const shown = s.instances.get(name) ?? v;
    showOutcome(what, shown.status.state);
    await qr.update(shown);
  };
  const verbs = h(
    "div",
    { class: "row verbs" },
    verb("Connect", async () => {
      const body = await connectBody();
      if (body) await afterVerb(await api.connect(body), "Connect");
    }, "primary"),
    verb("Close", async () => afterVerb(await api.close(), "Close")),
    verb("Restart", async () => {
      const body = await connectBody();
      if (body) await afterVerb(await api.restart(body), "Restart");
    }),
    verb("Log out", async () => {
      const r = await api.logout();
      showResult(result, `Logged out: remote ${r.remote.replace(/_/g, " ")}; credentials ${r.credentialsWiped ? "wiped" : "kept"}.`);
      s.put(await api.get());
    }),
    verb("Delete", async () => {
      if (!(await confirmDialog(`Delete the instance ${name}? It is logged out and purged with its tokens.`, "Delete for good"))) return;
      const r = await api.delete();
      s.removed(name, `Deleted ${r.instance}: remote ${r.remote.replace(/_/g, " ")}.`);
    }, "danger"),
  );

  const drawEvents = () => {
    const list = s.recent.get(name) ?? [];
    replace(events, ...list.map((e) => h("li", {}, h("time", { datetime: new Date(e.ts).toISOString() }, clock(e.ts)), " ", h("code", {}, e.type), " ", summarize(e))));
    if (list.length === 0) events.appendChild(h("li", { class: "empty" }, "No events yet."));
    send.suggestThread(lastThread(list));
  };

  replace(
    top,
    h("p", {}, h("span", { class: "platform" }, platform?.displayName ?? view.platform), " · status: ", status),
    h("h3", {}, "Lifecycle"),
    login.element,
    verbs,
  );
  replace(bottom, qr.element, send.element, actions.element, h("h3", { id: uid("events") }, "Recent events"), events);
  drawEvents();
  void qr.update(view);
  let drawnNow = true; // false once another instance (or none) is drawn: late answers are dropped
  void replayRecent(s, api, name).then(
    () => drawnNow && drawEvents(),
    (e: unknown) => drawnNow && showError(result, e),
  );

  const unsubscribe = s.subscribe((c) => {
    if (c.kind === "instances") {
      const v = s.instances.get(name);
      if (v) {
        showStatus(v);
        void qr.update(v);
        if (following && v.status.state !== shownState) showOutcome(following, v.status.state);
      }
    } else if (c.kind === "event" && c.event.instance === name) {
      drawEvents();
      qr.onEvent(c.event);
    } else if (c.kind === "fill-login" && c.name === "token") {
      login.fill("token", c.value);
    }
  });
  return () => {
    drawnNow = false;
    unsubscribe();
    qr.stop();
    actions.stop();
  };
}

/** Loads the newest stored events of the instance: one request for at most {@link RECENT_EVENTS} (`last`). */
async function replayRecent(s: Store, api: InstanceClient, name: string): Promise<void> {
  const page = await api.events({ last: RECENT_EVENTS });
  s.addReplayed(name, page.items);
}

/** "Login method" and that method's input fields (e.g. "Token" for Telegram, "Phone number" for a pairing code). */
function loginControls(platform: PlatformInfo | undefined) {
  const methods = platform?.capabilities.login ?? [];
  const select = h("select", { id: uid("login-method") }, ...methods.map((m) => h("option", { value: m.method }, m.method.replace(/_/g, " "))));
  const fieldsBox = h("div");
  const errors = h("p", { class: "error", role: "alert" });
  let fields = renderFields([], "login");
  const specs = () => fieldsOf(methods.find((m) => m.method === select.value)?.inputSchema as JsonSchemaLike | undefined);
  const draw = () => {
    fields = renderFields(specs(), "login");
    replace(fieldsBox, fields.element);
  };
  select.addEventListener("change", draw);
  draw();
  const element = h(
    "fieldset",
    { class: "login" },
    h("legend", {}, "Login for connect"),
    methods.length > 0 ? h("div", { class: "field" }, h("label", { for: select.id }, "Login method"), select) : h("p", {}, "This platform has no login method."),
    fieldsBox,
    errors,
  );
  return {
    element,
    /** The `login` of connect, or null when the input is invalid (errors shown). */
    value(): ({ method: LoginMethod } & Record<string, unknown>) | null {
      if (methods.length === 0) return null;
      const r = valueOf(specs(), fields.read());
      if (!r.ok) {
        fields.setErrors(r.errors);
        errors.textContent = "Fill in the login input.";
        return null;
      }
      fields.setErrors({});
      errors.textContent = "";
      return { method: select.value as LoginMethod, ...r.value };
    },
    fill(field: string, value: string) {
      const m = methods.find((x) => fieldsOf(x.inputSchema as JsonSchemaLike | undefined).some((f) => f.name === field));
      if (!m) return;
      select.value = m.method;
      draw();
      fields.set(field, value);
    },
  };
}

/** The QR code (fetched as SVG with the token, shown from a blob: URL) and the pairing code. */
function qrArea(api: InstanceClient) {
  const img = h("img", { alt: "QR code", width: 264, height: 264, class: "qr" });
  const caption = h("figcaption", {});
  const figure = h("figure", { hidden: true }, img, caption);
  const code = h("output", { "aria-label": "Pairing code", class: "pairing-code" });
  const codeBox = h("p", { hidden: true }, "Pairing code: ", code);
  const element = h("div", { class: "login-area", "aria-live": "polite" }, figure, codeBox);
  let url: string | null = null;
  // The attempt being loaded or shown (a second update or event for it starts no second load), and
  // the one on screen (the caption's).
  let wantedAttempt = -1;
  let shownAttempt = -1;
  let expiresAt: number | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  // Loads overlap when the QR rotates quickly: only the newest one may show its result.
  const loads = new LatestOnly();
  const clear = () => {
    loads.cancel();
    figure.hidden = true;
    if (url) URL.revokeObjectURL(url);
    url = null;
    wantedAttempt = -1;
    shownAttempt = -1;
  };
  const tick = () => {
    caption.textContent = `Scan with the phone (attempt ${shownAttempt}${expiresAt ? `, rotates in ${formatRemaining(expiresAt - Date.now())}` : ""}).`;
  };
  const load = async (attempt: number) => {
    const ticket = loads.start();
    wantedAttempt = attempt;
    try {
      const meta = await api.qr();
      const svg = await api.qrImage("svg");
      if (!loads.current(ticket)) return;
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([svg as BlobPart], { type: "image/svg+xml" }));
      img.src = url;
      shownAttempt = meta.attempt;
      expiresAt = meta.expiresAt;
      figure.hidden = false;
      tick();
      timer ??= setInterval(tick, 1000);
    } catch {
      if (loads.current(ticket)) wantedAttempt = shownAttempt; // the next update or event tries again
    }
  };
  return {
    element,
    /** Shows or hides the QR / pairing code for the instance's current status. */
    async update(v: InstanceView): Promise<void> {
      const st = v.status;
      if (st.state !== "awaiting_login") {
        clear();
        codeBox.hidden = true;
        return;
      }
      if (st.code) {
        code.textContent = st.code;
        codeBox.hidden = false;
      }
      if (st.method === "qr" && (st.attempt ?? 0) !== wantedAttempt) await load(st.attempt ?? 0);
    },
    onEvent(e: SwitchboardEvent): void {
      if (e.type === "instance.qr" && e.data.attempt !== wantedAttempt) void load(e.data.attempt);
      if (e.type === "instance.pairing_code") {
        code.textContent = e.data.code;
        codeBox.hidden = false;
      }
    },
    stop(): void {
      clear();
      if (timer) clearInterval(timer);
    },
  };
}

/** "Send a message": "Thread ID" (filled from the last received message), "Message", "Send". */
function sendForm(api: InstanceClient, s: Store, name: string) {
  const thread = h("input", { id: uid("thread"), type: "text", autocomplete: "off", required: true });
  const body = h("textarea", { id: uid("body"), rows: 2, required: true });
  const out = h("output", { "aria-label": "Send result" });
  const button = h("button", { type: "submit" }, "Send");
  let touched = false;
  thread.addEventListener("input", () => (touched = true));
  const element = h(
    "form",
    { class: "send", "aria-labelledby": `${thread.id}-title` },
    h("h3", { id: `${thread.id}-title` }, "Send a message"),
    h("div", { class: "field" }, h("label", { for: thread.id }, "Thread ID"), thread),
    h("div", { class: "field" }, h("label", { for: body.id }, "Message"), body),
    button,
    out,
  );
  element.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!thread.value.trim() || !body.value) return;
    void busy(button, out, async () => {
      const sent = await api.sendMessage({ threadId: thread.value.trim(), body: body.value });
      showResult(out, `Sent (${sent.messageId}).`);
      body.value = "";
      void s.instances.get(name);
    });
  });
  return {
    element,
    suggestThread(t: string | undefined) {
      if (t && !touched) thread.value = t;
    },
  };
}

/**
 * One form per declared platform action, titled by its name, with fields from its `inputSchema`
 * and a button named after it. Actions marked `confirm` ask first. An answer with a lock end
 * (`cloudLockedUntil`) starts a countdown in the output "<action> lockout".
 */
function actionForms(api: InstanceClient, platform: PlatformInfo | undefined) {
  const timers: Array<ReturnType<typeof setInterval>> = [];
  const actions = platform?.actions ?? [];
  const element = h("div", { class: "actions" }, actions.length ? h("h3", {}, "Platform actions") : null);
  for (const a of actions) {
    const specs = fieldsOf(a.inputSchema as JsonSchemaLike | undefined);
    const fields = renderFields(specs, `action-${a.name}`);
    const out = h("output", { "aria-label": `${a.name} result` });
    const lock = h("output", { "aria-label": `${a.name} lockout`, class: "lockout" });
    const button = h("button", { type: "submit" }, a.name);
    const form = h("form", { class: "action", "aria-label": `Action ${a.name}` }, h("p", {}, a.description), fields.element, button, h("p", {}, out), h("p", {}, lock));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = valueOf(specs, fields.read());
      if (!input.ok) return fields.setErrors(input.errors);
      fields.setErrors({});
      void busy(button, out, async () => {
        if (a.confirm && !(await confirmDialog(`Run ${a.name}? ${a.description}`, `Run ${a.name}`))) return;
        try {
          const r = await api.action(a.name, input.value);
          showResult(out, `Done: ${JSON.stringify(r)}`);
          countdown(lock, lockedUntilOf(r), timers);
        } catch (e) {
          countdown(lock, lockedUntilOf((e as { details?: unknown }).details), timers);
          throw e;
        }
      });
    });
    element.appendChild(form);
  }
  return { element, stop: () => timers.forEach(clearInterval) };
}

function countdown(out: HTMLElement, until: number | undefined, timers: Array<ReturnType<typeof setInterval>>): void {
  if (until === undefined) return;
  const tick = () => {
    const left = until - Date.now();
    out.textContent = left > 0 ? `Cloud Bot API locked for ${formatRemaining(left)} (until ${clock(until)}).` : "The lockout is over.";
  };
  tick();
  timers.push(setInterval(tick, 1000));
}
