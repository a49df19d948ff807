import { busy, h, replace, showResult } from "../dom.js";
import { type FieldControl, labelledField } from "../form.js";
import { botSentTexts, conversationOf, devicesOf, type PhoneLike, phonesOf, sandboxPath, telegramResult } from "../lib/sandbox.js";
import { clock } from "../lib/time.js";
import type { Store } from "../state.js";

/** The region "Sandbox phones" (only under `serve --sandbox`): a WhatsApp phone and a Telegram user. */
export function renderSandbox(s: Store): HTMLElement {
  return h(
    "section",
    { class: "card", "aria-labelledby": "sandbox-title" },
    h("h2", { id: "sandbox-title" }, "Sandbox phones"),
    h("p", {}, "Simulated platforms running with the gateway: act as the other side."),
    s.sandbox.whatsapp ? whatsappPanel(s) : null,
    s.sandbox.telegram ? telegramPanel(s) : null,
  );
}

type Req = (method: string, path: string, body?: unknown) => Promise<unknown>;

function requester(s: Store, platform: "whatsapp-web" | "telegram"): Req {
  return async (method, path, body) => {
    const answer = await s.sb.http.request<unknown>(method, sandboxPath(platform, path), body === undefined ? {} : { body });
    return platform === "telegram" ? telegramResult(answer) : answer;
  };
}

/** A labelled field of a sandbox panel (the dashboard's one field layout). */
function field(label: string, input: FieldControl): HTMLElement {
  return labelledField(label, input, { idPrefix: "sb" });
}

/**
 * "WhatsApp phone": "Create phone", "Phone" (select), "Scan QR of the selected instance", "Pairing
 * code" + "Enter pairing code", "Send as contact" ("Contact message"), the conversation ("Chat with
 * the contact"), the linked devices ("Linked devices", each with "Remove device N").
 */
function whatsappPanel(s: Store): HTMLElement {
  const req = requester(s, "whatsapp-web");
  const phones: PhoneLike[] = [];
  let contactId: string | null = null;
  const phoneSel = h("select", {});
  const number = h("output", { "aria-label": "Phone number" });
  const out = h("output", { "aria-label": "Phone result" });
  const devices = h("ul", { "aria-label": "Linked devices" });
  const chat = h("ol", { "aria-label": "Chat with the contact", class: "chat" });
  const code = h("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  const text = h("input", { type: "text", autocomplete: "off" });

  const phone = () => phones.find((p) => p.id === phoneSel.value);
  const drawPhones = () => {
    const keep = phoneSel.value;
    replace(phoneSel, ...phones.map((p) => h("option", { value: p.id, selected: p.id === keep }, `${p.id} (+${p.number})`)));
    number.textContent = phone()?.number ?? "none yet";
  };
  // Every phone of the sandbox (also those created before a reload or in another tab).
  const loadPhones = async () => {
    for (const p of phonesOf(await req("GET", "/phones"))) if (!phones.some((x) => x.id === p.id)) phones.push(p);
    drawPhones();
  };
  const need = () => {
    const p = phone();
    if (!p) throw new Error("Create a phone first.");
    return p;
  };
  const loadDevices = async () => {
    const p = phone();
    if (!p) return replace(devices);
    const list = devicesOf(await req("GET", `/phones/${encodeURIComponent(p.id)}/devices`));
    replace(
      devices,
      ...list.map((d) => {
        const remove = h("button", { type: "button", class: "small danger" }, `Remove device ${d.device}`);
        remove.addEventListener("click", () =>
          void busy(remove, out, async () => {
            await req("DELETE", `/phones/${encodeURIComponent(p.id)}/devices/${d.device}`);
            showResult(out, `Removed device ${d.device}.`);
            await loadDevices();
          }),
        );
        return h("li", {}, `${d.device}: ${d.name ?? "device"} ${d.connected ? "(online)" : "(offline)"} `, remove);
      }),
    );
    if (list.length === 0) devices.appendChild(h("li", { class: "empty" }, "No linked devices."));
  };
  const loadChat = async () => {
    const p = phone();
    if (!p || !contactId) return;
    const lines = conversationOf(await req("GET", `/phones/${encodeURIComponent(p.id)}/contacts/${encodeURIComponent(contactId)}/messages`));
    replace(chat, ...lines.map((l) => h("li", { class: l.from }, `${l.from === "contact" ? "Contact" : "Linked device"}: ${l.text}`)));
  };
  const button = (label: string, run: () => Promise<void>, cls = "") => {
    const b = h("button", { type: "button", class: cls }, label);
    b.addEventListener("click", () => void busy(b, out, run));
    return b;
  };

  phoneSel.addEventListener("change", () => {
    contactId = null;
    drawPhones();
    void busy(null, out, loadDevices);
  });
  drawPhones();
  void busy(null, out, async () => {
    await loadPhones();
    await loadDevices();
  });
  s.subscribe((c) => {
    const t = c.kind === "event" ? c.event.type : "";
    if (t === "message.sent" || t === "instance.status" || t === "instance.logged_out" || t === "instance.deleted") {
      void busy(null, out, async () => {
        await loadChat();
        await loadDevices();
      });
    }
  });

  return h(
    "div",
    { class: "phone", role: "group", "aria-labelledby": "wa-phone-title" },
    h("h3", { id: "wa-phone-title" }, "WhatsApp phone"),
    h(
      "div",
      { class: "row" },
      button("Create phone", async () => {
        const p = phonesOf([await req("POST", "/phones", {})])[0];
        if (!p) throw new Error("The sandbox answered no phone.");
        if (!phones.some((x) => x.id === p.id)) phones.push(p);
        phoneSel.value = p.id;
        contactId = null;
        drawPhones();
        phoneSel.value = p.id;
        drawPhones();
        showResult(out, `Created ${p.id} (+${p.number}).`);
        await loadDevices();
      }),
    ),
    field("Phone", phoneSel),
    h("p", {}, "Number: +", number),
    h(
      "div",
      { class: "row" },
      button("Scan QR of the selected instance", async () => {
        const p = need();
        if (!s.selected) throw new Error("Select the instance showing the QR first.");
        const { qr } = await s.sb.instance(s.selected).qr();
        await req("POST", `/phones/${encodeURIComponent(p.id)}/scan`, { qr });
        showResult(out, `Scanned the QR of ${s.selected}.`);
        await loadDevices();
      }, "primary"),
    ),
    field("Pairing code", code),
    button("Enter pairing code", async () => {
      const p = need();
      await req("POST", `/phones/${encodeURIComponent(p.id)}/pairing-code`, { code: code.value });
      showResult(out, "Pairing code accepted.");
      code.value = "";
      await loadDevices();
    }),
    field("Contact message", text),
    button("Send as contact", async () => {
      const p = need();
      if (!text.value) throw new Error("Type a message first.");
      if (!contactId) {
        const c = (await req("POST", `/phones/${encodeURIComponent(p.id)}/contacts`, { name: "Sandbox contact" })) as { id?: string };
        contactId = c.id ?? null;
        if (!contactId) throw new Error("The sandbox answered no contact.");
      }
      await req("POST", `/phones/${encodeURIComponent(p.id)}/contacts/${encodeURIComponent(contactId)}/messages`, { text: text.value });
      text.value = "";
      showResult(out, "The contact sent the message.");
      await loadChat();
    }),
    button("Refresh devices and chat", async () => {
      await loadPhones();
      await loadDevices();
      await loadChat();
    }, "small"),
    h("h4", {}, "Chat with the contact"),
    chat,
    h("h4", {}, "Linked devices"),
    devices,
    h("p", {}, out),
  );
}

/**
 * "Telegram": "Create bot" (its token in output "Bot token", button "Use token in connect"),
 * "Create user", "Message to the bot" + "Send as user", and what the bot sent ("Sent by the bot").
 */
function telegramPanel(s: Store): HTMLElement {
  const req = requester(s, "telegram");
  const bots: Array<{ id: number; username: string; token: string }> = [];
  const users: Array<{ id: number; first_name: string }> = [];
  const botSel = h("select", {});
  const userSel = h("select", {});
  const token = h("output", { "aria-label": "Bot token", class: "secret" });
  const text = h("input", { type: "text", autocomplete: "off" });
  const sent = h("ol", { "aria-label": "Sent by the bot", class: "chat" });
  const out = h("output", { "aria-label": "Telegram result" });
  const draw = () => {
    const b = botSel.value;
    const u = userSel.value;
    replace(botSel, ...bots.map((x) => h("option", { value: String(x.id), selected: String(x.id) === b }, `@${x.username}`)));
    replace(userSel, ...users.map((x) => h("option", { value: String(x.id), selected: String(x.id) === u }, `${x.first_name} (${x.id})`)));
  };
  const loadSent = async () => {
    if (!botSel.value) return;
    const list = botSentTexts(await req("GET", `/bots/${encodeURIComponent(botSel.value)}/sent`));
    replace(sent, ...list.map((m) => h("li", {}, `to ${m.chatId}: ${m.text}`)));
    if (list.length === 0) sent.appendChild(h("li", { class: "empty" }, "Nothing sent yet."));
  };
  const button = (label: string, run: () => Promise<void>, cls = "") => {
    const b = h("button", { type: "button", class: cls }, label);
    b.addEventListener("click", () => void busy(b, out, run));
    return b;
  };
  s.subscribe((c) => {
    if (c.kind === "event" && c.event.type === "message.sent" && c.event.platform === "telegram") void busy(null, out, loadSent);
  });
  botSel.addEventListener("change", () => void busy(null, out, loadSent));

  return h(
    "div",
    { class: "phone", role: "group", "aria-labelledby": "tg-title" },
    h("h3", { id: "tg-title" }, "Telegram"),
    button("Create bot", async () => {
      const b = (await req("POST", "/bots", {})) as { id: number; username: string; token: string };
      bots.push({ id: b.id, username: b.username, token: b.token });
      draw();
      botSel.value = String(b.id);
      token.textContent = b.token;
      showResult(out, `Created @${b.username}. Paste its token into connect (login method token).`);
    }),
    h("p", {}, "Bot token: ", token, " "),
    button("Use token in connect", async () => {
      if (!token.textContent) throw new Error("Create a bot first.");
      s.emit({ kind: "fill-login", name: "token", value: token.textContent });
      showResult(out, "The token is in the connect form of the selected instance.");
    }, "small"),
    field("Bot", botSel),
    button("Create user", async () => {
      const u = (await req("POST", "/users", {})) as { id: number; first_name: string };
      users.push({ id: u.id, first_name: u.first_name });
      draw();
      userSel.value = String(u.id);
      showResult(out, `Created user ${u.first_name} (${u.id}).`);
    }),
    field("User", userSel),
    field("Message to the bot", text),
    button("Send as user", async () => {
      if (!botSel.value || !userSel.value) throw new Error("Create a bot and a user first.");
      if (!text.value) throw new Error("Type a message first.");
      await req("POST", "/messages", { bot: Number(botSel.value), from: Number(userSel.value), text: text.value });
      text.value = "";
      showResult(out, `Sent at ${clock(Date.now())}.`);
    }),
    button("Refresh sent messages", loadSent, "small"),
    h("h4", {}, "Sent by the bot"),
    sent,
    h("p", {}, out),
  );
}
