/**
 * The dashboard's entry point (docs/dashboard.md): sign-in, then the instance list, the selected
 * instance, webhooks and, in sandbox mode, the phone panels. Everything goes through the SDK
 * (`@switchboard/client`) to this page's own origin.
 */
import { type SandboxView, Switchboard } from "@switchboard/client";
import { h, messageOf, replace } from "./dom.js";
import { clearToken, loadToken, saveToken } from "./session.js";
import { Store } from "./state.js";
import { renderCreate } from "./views/create.js";
import { renderInstancePanel } from "./views/instance.js";
import { renderInstanceList } from "./views/instances.js";
import { renderSandbox } from "./views/sandbox.js";
import { renderWebhooks } from "./views/webhooks.js";

const root = document.getElementById("app") as HTMLElement;
const account = document.getElementById("account") as HTMLElement;
let store: Store | null = null;

function client(token: string): Switchboard {
  return new Switchboard({ url: location.origin, token, timeoutMs: 60_000 });
}

/** The sign-in form: a password field labelled "Token"; the token goes to sessionStorage only. */
function showSignIn(problem?: string): void {
  replace(account);
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const out = h("p", { class: problem ? "error" : "", role: problem ? "alert" : "status" }, problem ?? "");
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, "Sign in"),
    h("p", {}, "Paste the account token (printed by the gateway on its first start) or an instance token."),
    h("div", { class: "field" }, h("label", { for: "token" }, "Token"), input),
    button,
    out,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    void start(token).then(
      () => saveToken(token),
      (e: unknown) => {
        button.disabled = false;
        out.className = "error";
        out.setAttribute("role", "alert");
        out.textContent = messageOf(e);
      },
    );
  });
  replace(root, form);
  input.focus();
}

/** Checks the token (by listing the platforms), then shows the dashboard. */
async function start(token: string): Promise<void> {
  const sb = client(token);
  const platforms = await sb.platforms();
  store = new Store(sb, platforms, await sandboxesOf(sb));
  await store.refresh();
  showDashboard(store);
  store.startStream();
}

/**
 * The gateway's sandboxes with their panels: `GET /sandbox` answers `{items}` only when the gateway
 * runs in sandbox mode (404 otherwise: none).
 */
async function sandboxesOf(sb: Switchboard): Promise<SandboxView[]> {
  try {
    const answer = await sb.http.request<{ items?: SandboxView[] }>("GET", "/sandbox", { timeoutMs: 5000 });
    return Array.isArray(answer.items) ? answer.items : [];
  } catch {
    return [];
  }
}

function signOut(): void {
  store?.stop();
  store = null;
  clearToken();
  showSignIn();
}

function showDashboard(s: Store): void {
  const stream = h("output", { "aria-label": "Live stream", class: "stream" }, "connecting…");
  s.subscribe((c) => {
    if (c.kind === "stream") {
      stream.textContent = c.connected ? "live" : `reconnecting (${c.error ?? "…"})`;
      stream.classList.toggle("bad", !c.connected);
    }
  });
  // The SDK reports failures, not the opening of the stream: poll its state for the indicator.
  const poll = setInterval(() => {
    if (store !== s) return clearInterval(poll);
    if (s.streamConnected) {
      stream.textContent = "live";
      stream.classList.remove("bad");
    }
  }, 1000);
  replace(account, stream, h("button", { type: "button", onclick: signOut }, "Sign out"));
  replace(
    root,
    h(
      "div",
      { class: "layout" },
      h("div", { class: "column" }, renderInstanceList(s), renderCreate(s)),
      h("div", { class: "column wide" }, renderInstancePanel(s), s.sandboxes.some((v) => v.panel !== null) ? renderSandbox(s) : null, renderWebhooks(s)),
    ),
  );
}

const saved = loadToken();
if (saved) {
  start(saved).catch((e: unknown) => {
    clearToken();
    showSignIn(messageOf(e));
  });
} else {
  showSignIn();
}
