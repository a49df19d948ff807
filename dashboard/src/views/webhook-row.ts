import { isSwitchboardError, type Webhook, type WebhookAttempt, type WebhooksClient } from "@switchboard/client";
import { append, busy, confirmDialog, h, replace, showResult, uid } from "../dom.js";
import { skipWhileRunning } from "../lib/single-flight.js";
import { attemptLine, attemptsByEvent, webhookName, webhookScope, webhookState } from "../lib/webhooks.js";
import { clock } from "../lib/time.js";

/** How many of the newest attempts are listed. */
const ATTEMPTS_SHOWN = 20;
/** While a subscription's attempts are open (and the page visible), they are reloaded this often, ms. */
const ATTEMPTS_POLL_MS = 5_000;

/** One subscription in the list "Webhook subscriptions". */
export interface WebhookRow {
  readonly element: HTMLLIElement;
  /** Shows a newer view of the same subscription (keeps the open attempts and a secret shown). */
  update(view: Webhook): void;
  /** Stops the attempts' reloading (the row is gone). */
  stop(): void;
}

/** What a row tells the list about its subscription's end (the list then drops the row). */
export interface WebhookRowEvents {
  /** The user deleted the subscription here (the gateway confirmed). */
  deleted(view: Webhook): void;
  /** The gateway answered `WEBHOOK_NOT_FOUND`: deleted elsewhere (another tab, the API, its instance). */
  gone(view: Webhook): void;
}

/**
 * A list item holding the group "Webhook <url> (<scope>)" (see {@link webhookName}): the URL
 * (heading), its scope (instance, types, order, concurrency, header names), its state with the
 * disabled reason (output "State"), the buttons "Attempts" (expands the list "Attempts for <url>
 * (<scope>)", reloaded every 5 s while open and the page visible — a tick is skipped while a load
 * runs — with a button "Redeliver" per event, whose new attempts appear with the next reload),
 * "Disable"/"Enable", "Rotate secret" (the new secret in the output "Signing secret", shown once,
 * not a live region) and "Delete webhook" (asks in a modal dialog). Outcomes go to the output
 * "Webhook result"; errors are alerts with the gateway's message, except `WEBHOOK_NOT_FOUND`, which
 * stops the reloads and reports {@link WebhookRowEvents.gone}.
 */
export function webhookRow(api: WebhooksClient, initial: Webhook, on: WebhookRowEvents): WebhookRow {
  let view = initial;
  const attemptsId = uid("webhook-attempts");
  const scope = h("p", { class: "detail" });
  const description = h("p", {});
  const state = h("output", { "aria-label": "State", class: "state" });
  const out = h("output", { "aria-label": "Webhook result" });
  const secretBox = h("div", { hidden: true });
  const attemptsBox = h("div", { id: attemptsId, class: "attempts", hidden: true });
  const attemptsOut = h("p", { role: "status" });
  const attemptsList = h("div", {});

  const group = h("div", { role: "group", class: "webhook" });
  const draw = () => {
    group.setAttribute("aria-label", `Webhook ${webhookName(view)}`);
    attemptsList.querySelector("ol")?.setAttribute("aria-label", `Attempts for ${webhookName(view)}`);
    scope.textContent = webhookScope(view);
    description.textContent = view.description;
    description.hidden = view.description === "";
    state.textContent = webhookState(view);
    state.classList.toggle("bad", !view.enabled || view.failingSince !== null);
    toggle.textContent = view.enabled ? "Disable" : "Enable";
  };

  const showAttempts = h("button", { type: "button", class: "small", "aria-expanded": "false", "aria-controls": attemptsId }, "Attempts");
  const refreshAttempts = h("button", { type: "button", class: "small" }, "Refresh attempts");
  const toggle = h("button", { type: "button", class: "small" }, "Disable");
  const rotate = h("button", { type: "button", class: "small" }, "Rotate secret");
  const remove = h("button", { type: "button", class: "small danger" }, "Delete webhook");

  let newestAttempt: number | null = null;
  let drawn: string | null = null;
  const loadAttempts = async () => {
    const page = await api.attempts(view.id, { limit: ATTEMPTS_SHOWN });
    // Redrawn only when something changed, keeping the focus on the same event's "Redeliver".
    const signature = page.items.map((a) => a.id).join(",");
    if (signature !== drawn) {
      const focused = attemptsList.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.event : undefined;
      drawAttempts(page.items);
      drawn = signature;
      if (focused !== undefined) attemptsList.querySelector<HTMLElement>(`button[data-event="${CSS.escape(focused)}"]`)?.focus();
    }
    const newest = page.items[0]?.id ?? null;
    // A new attempt may have changed the failure streak or disabled the subscription: reread it.
    if (newest !== newestAttempt) {
      if (newestAttempt !== null) update(await api.get(view.id));
      newestAttempt = newest;
    }
  };
  const drawAttempts = (items: WebhookAttempt[]) => {
    if (items.length === 0) return replace(attemptsList, h("p", {}, "No attempts yet."));
    replace(
      attemptsList,
      h(
        "ol",
        { class: "attempt-list", "aria-label": `Attempts for ${webhookName(view)}` },
        ...attemptsByEvent(items).map((g) => {
          const again = h("button", { type: "button", class: "small", "aria-label": `Redeliver event ${g.eventId}`, "data-event": g.eventId }, "Redeliver");
          again.addEventListener("click", () =>
            void busy(
              again,
              out,
              unlessGone(async () => {
                const r = await api.redeliver(view.id, { eventId: g.eventId });
                // The new attempts appear with the next reload (the list is open, so it polls).
                showResult(out, r.queued > 0 ? `Event ${g.eventId} queued for delivery again.` : `Event ${g.eventId} was not queued.`);
              }),
            ),
          );
          return h(
            "li",
            {},
            h("span", {}, "event ", h("code", {}, g.eventId), " "),
            again,
            h("ul", {}, ...g.attempts.map((a) => h("li", { class: a.ok ? "ok" : "bad" }, h("time", { datetime: new Date(a.ts).toISOString() }, attemptLine(a))))),
          );
        }),
      ),
    );
  };
  const reload = skipWhileRunning(() => (attemptsBox.hidden || ended ? Promise.resolve(undefined) : busy(refreshAttempts, attemptsOut, unlessGone(loadAttempts))));

  let timer: ReturnType<typeof setInterval> | null = null;
  const stopPolling = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  /** Set once the subscription is deleted (here or elsewhere): nothing more is asked about it. */
  let ended = false;
  /**
   * Runs `task`; `WEBHOOK_NOT_FOUND` (deleted elsewhere) stops the reloads and reports
   * {@link WebhookRowEvents.gone} instead of showing an error. Other errors are rethrown.
   */
  function unlessGone<T>(task: () => Promise<T>): () => Promise<T | undefined> {
    return async () => {
      try {
        return await task();
      } catch (e) {
        if (!isSwitchboardError(e, "WEBHOOK_NOT_FOUND")) throw e;
        if (!ended) {
          ended = true;
          stopPolling();
          on.gone(view);
        }
        return undefined;
      }
    };
  }
  showAttempts.addEventListener("click", () => {
    const open = attemptsBox.hidden;
    attemptsBox.hidden = !open;
    showAttempts.setAttribute("aria-expanded", String(open));
    stopPolling();
    if (!open) return;
    void reload();
    timer = setInterval(() => {
      if (!element.isConnected) return stopPolling();
      if (document.visibilityState === "visible") void reload();
    }, ATTEMPTS_POLL_MS);
  });
  refreshAttempts.addEventListener("click", () => void reload());

  toggle.addEventListener("click", () =>
    void busy(
      toggle,
      out,
      unlessGone(async () => {
        const enabling = !view.enabled;
        update(await api.update(view.id, { enabled: enabling }));
        showResult(out, enabling ? "Enabled: waiting deliveries are retried now." : "Disabled: events wait until it is enabled again.");
      }),
    ),
  );
  rotate.addEventListener("click", () =>
    void busy(
      rotate,
      out,
      unlessGone(async () => {
        const r = await api.rotateSecret(view.id);
        update(r.webhook);
        const until = r.webhook.previousSecretExpiresAt;
        // The secret itself is not in a live region (never read aloud unasked); the result says where it is.
        showResult(out, "Secret rotated. The new signing secret is shown below, once.");
        secretBox.hidden = false;
        replace(
          secretBox,
          h("span", {}, `New signing secret (shown once${until !== null ? `; the previous one also signs until ${clock(until)}` : ""}): `),
          h("output", { "aria-label": "Signing secret", "aria-live": "off", class: "secret" }, r.secret ?? "not shown (repeated request): rotate again"),
        );
      }),
    ),
  );
  remove.addEventListener("click", () =>
    void busy(
      remove,
      out,
      unlessGone(async () => {
        const ok = await confirmDialog(`Delete the webhook subscription to ${webhookName(view)}? Its pending deliveries and recorded attempts go with it.`, "Delete for good");
        if (!ok) return;
        await api.delete(view.id);
        ended = true;
        stopPolling();
        on.deleted(view);
      }),
    ),
  );

  const element = h("li", {}, group);
  append(
    group,
    h("h3", { class: "url" }, view.url),
    scope,
    description,
    h("p", {}, "State: ", state),
    h("div", { class: "row" }, showAttempts, toggle, rotate, remove),
    h("p", {}, out),
    secretBox,
    attemptsBox,
  );
  replace(attemptsBox, h("div", { class: "row" }, refreshAttempts), attemptsOut, attemptsList);

  function update(next: Webhook): void {
    view = next;
    draw();
  }
  draw();
  return { element, update, stop: stopPolling };
}
