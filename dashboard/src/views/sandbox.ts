import type { PanelButton, PanelDone, PanelList, PanelPart, PanelPicker, PanelStep, SandboxPanel, SandboxView } from "@switchboard/client";
import { busy, h, replace, showResult } from "../dom.js";
import { type FieldControl, labelledField } from "../form.js";
import { hasEmptyRef, itemsOf, lookup, needsQr, type PanelScope, passes, render, renderBody, renderPath, unwrap } from "../lib/panel.js";
import { clock } from "../lib/time.js";
import type { Store } from "../state.js";

/**
 * The region "Sandbox phones" (only under `serve --sandbox`): one panel per sandbox that brings one,
 * each drawn from its module's description (`SandboxPanel`, src/platforms/panel.ts). This file names
 * no platform.
 */
export function renderSandbox(s: Store): HTMLElement {
  return h(
    "section",
    { class: "card", "aria-labelledby": "sandbox-title" },
    h("h2", { id: "sandbox-title" }, "Sandbox phones"),
    h("p", {}, "Simulated platforms running with the gateway: act as the other side."),
    ...s.sandboxes.filter((v): v is SandboxView & { panel: SandboxPanel } => v.panel !== null).map((v) => sandboxPanel(s, v)),
  );
}

/** The live state of one panel. */
interface PanelState {
  items: Record<string, unknown[]>;
  selects: Record<string, HTMLSelectElement>;
  inputs: Record<string, HTMLInputElement>;
  outputs: Record<string, string>;
  vars: Record<string, unknown>;
}

/** One sandbox's panel: its parts drawn in order, its buttons run against `<proxy>/<path>`. */
function sandboxPanel(s: Store, view: SandboxView & { panel: SandboxPanel }): HTMLElement {
  const panel = view.panel;
  const st: PanelState = { items: {}, selects: {}, inputs: {}, outputs: {}, vars: {} };
  const pickers: PanelPicker[] = [];
  const lists: Array<{ spec: PanelList; el: HTMLElement }> = [];
  const values: Array<{ id: string; template: string | undefined; el: HTMLOutputElement }> = [];
  const out = h("output", { "aria-label": panel.resultLabel });
  const titleId = `sb-${view.name}-title`;

  const selected = (p: PanelPicker): unknown => (st.items[p.id] ?? []).find((i) => String(lookup(i, p.value)) === st.selects[p.id]?.value);
  const scope = (extra: Partial<PanelScope> = {}): PanelScope => ({
    pickers: Object.fromEntries(pickers.map((p) => [p.id, selected(p)])),
    inputs: Object.fromEntries(Object.entries(st.inputs).map(([k, el]) => [k, el.value])),
    vars: st.vars,
    outputs: st.outputs,
    instance: { ...(s.selected ? { name: s.selected } : {}) },
    now: clock(Date.now()),
    ...extra,
  });
  const request = async (method: string, path: string, body?: unknown): Promise<unknown> =>
    unwrap(panel.envelope, await s.sb.http.request<unknown>(method, `${view.proxy}${path}`, body === undefined ? {} : { body }));

  const drawPicker = (p: PanelPicker): void => {
    const sel = st.selects[p.id]!;
    const keep = sel.value;
    replace(sel, ...(st.items[p.id] ?? []).map((i) => h("option", { value: String(lookup(i, p.value)), selected: String(lookup(i, p.value)) === keep }, render(p.text, scope({ item: i })))));
  };
  const drawValues = (): void => {
    for (const v of values) v.el.textContent = v.template !== undefined ? render(v.template, scope()) : (st.outputs[v.id] ?? "");
  };
  const addItem = (pickerId: string, item: unknown): void => {
    const p = pickers.find((x) => x.id === pickerId);
    if (!p || !item || typeof item !== "object") return;
    const key = String(lookup(item, p.value));
    const list = (st.items[p.id] ??= []);
    if (!list.some((i) => String(lookup(i, p.value)) === key)) list.push(item);
    drawPicker(p);
    st.selects[p.id]!.value = key;
    for (const r of p.resets ?? []) delete st.vars[r];
  };
  const loadPickers = async (): Promise<void> => {
    for (const p of pickers) {
      if (!p.load || hasEmptyRef(p.load.path, scope())) continue;
      const fresh = itemsOf(await request(p.load.method, renderPath(p.load.path, scope())), p.load.items);
      const list = (st.items[p.id] ??= []);
      for (const i of fresh) if (!list.some((x) => String(lookup(x, p.value)) === String(lookup(i, p.value)))) list.push(i);
      drawPicker(p);
    }
  };
  const loadLists = async (): Promise<void> => {
    for (const { spec, el } of lists) {
      const sc = scope();
      if (hasEmptyRef(spec.request.path, sc)) {
        replace(el);
        continue;
      }
      const items = itemsOf(await request(spec.request.method, renderPath(spec.request.path, sc)), spec.request.items).filter((i) => passes(i, spec.where));
      replace(el, ...items.map((i) => listItem(spec, i)));
      if (items.length === 0 && spec.empty) el.appendChild(h("li", { class: "empty" }, spec.empty));
    }
  };
  const reload = async (): Promise<void> => {
    await loadPickers();
    await loadLists();
    drawValues();
  };

  /** Runs steps then `done`; `extra` is the item of an item button. */
  const run = async (steps: readonly PanelStep[], done: PanelDone, extra: Partial<PanelScope> = {}): Promise<void> => {
    let answer: unknown;
    for (const step of steps) {
      if (step.unlessSaved && st.vars[step.unlessSaved] !== undefined) continue;
      let sc = scope({ ...extra, answer });
      const wantsQr = needsQr(JSON.stringify(step.body ?? {})) || needsQr(step.path);
      if (wantsQr && s.selected) sc = { ...sc, instance: { ...sc.instance, qr: (await s.sb.instance(s.selected).qr()).qr } };
      if (hasEmptyRef(step.path, sc)) throw new Error("Not ready.");
      answer = await request(step.method, renderPath(step.path, sc), step.body ? renderBody(step.body, sc) : undefined);
      if (step.saveAs) st.vars[step.saveAs] = answer;
    }
    const sc = scope({ ...extra, answer });
    if (done.addTo) addItem(done.addTo, answer);
    if (done.set) st.outputs[done.set.value] = render(done.set.text, sc);
    if (done.fillLogin) s.emit({ kind: "fill-login", name: done.fillLogin.name, value: render(done.fillLogin.text, sc) });
    for (const id of done.clear ?? []) if (st.inputs[id]) st.inputs[id]!.value = "";
    if (done.result) showResult(out, render(done.result, scope({ ...extra, answer })));
    drawValues();
    if (done.reload !== false) await reload();
  };
  const button = (spec: PanelButton): HTMLButtonElement => {
    const b = h("button", { type: "button", class: spec.style ?? "" }, spec.label);
    b.addEventListener("click", () =>
      void busy(b, out, async () => {
        for (const r of spec.requires ?? []) if (render(r.value, scope()) === "") throw new Error(r.message);
        await run(spec.steps, spec.done);
      }),
    );
    return b;
  };
  const listItem = (spec: PanelList, item: unknown): HTMLElement => {
    const li = h("li", { class: spec.itemClass ? render(spec.itemClass, scope({ item })) : "" }, render(spec.text, scope({ item })));
    const ib = spec.itemButton;
    if (ib) {
      const b = h("button", { type: "button", class: `small ${ib.style ?? ""}`.trim() }, render(ib.label, scope({ item })));
      b.addEventListener("click", () => void busy(b, out, () => run(ib.steps, ib.done, { item })));
      li.append(" ", b);
    }
    return li;
  };
  const part = (p: PanelPart): HTMLElement => {
    switch (p.kind) {
      case "row":
        return h("div", { class: "row" }, ...p.parts.map(part));
      case "heading":
        return h("h4", {}, p.text);
      case "button":
        return button(p);
      case "input": {
        const input = h("input", { type: "text", autocomplete: "off", spellcheck: "false" });
        st.inputs[p.id] = input;
        return field(view.name, p.label, input);
      }
      case "picker": {
        pickers.push(p);
        const sel = h("select", {});
        st.selects[p.id] = sel;
        sel.addEventListener("change", () => {
          for (const r of p.resets ?? []) delete st.vars[r];
          drawValues();
          void busy(null, out, loadLists);
        });
        return field(view.name, p.label, sel);
      }
      case "value": {
        const el = h("output", { "aria-label": p.label, ...(p.secret ? { class: "secret" } : {}) });
        values.push({ id: p.id, template: p.text, el });
        return h("p", {}, p.prefix ?? "", el, " ");
      }
      case "list": {
        const el = p.ordered ? h("ol", { "aria-label": p.label, class: "chat" }) : h("ul", { "aria-label": p.label });
        lists.push({ spec: p, el });
        return h("div", {}, ...(p.heading ? [h("h4", {}, p.heading)] : []), el);
      }
    }
  };

  const body = panel.parts.map(part);
  drawValues();
  void busy(null, out, reload);
  if (panel.reloadOn) {
    const on = panel.reloadOn;
    s.subscribe((c) => {
      if (c.kind !== "event" || !on.types.includes(c.event.type)) return;
      if (on.samePlatform && c.event.platform !== view.platform) return;
      void busy(null, out, reload);
    });
  }
  return h("div", { class: "phone", role: "group", "aria-labelledby": titleId }, h("h3", { id: titleId }, panel.title), ...body, h("p", {}, out));
}

/** A labelled field of a sandbox panel (the dashboard's one field layout). */
function field(name: string, label: string, input: FieldControl): HTMLElement {
  return labelledField(label, input, { idPrefix: `sb-${name}` });
}
