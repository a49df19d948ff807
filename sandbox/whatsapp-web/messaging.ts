/**
 * The messaging side of one sandbox: contacts, the Signal devices the sandbox simulates (each
 * phone's device 0 and each contact's phone), the keys each linked client device uploaded, and the
 * record of messages both ways with their receipts.
 *
 * It hangs off a {@link SandboxState} ({@link messagingOf}), so that the stanza handlers
 * (handlers/keys.ts, handlers/usync.ts, handlers/messages.ts) and the control routes
 * (control/messages.ts) share it without growing state.ts.
 */
import { randomBytes } from "node:crypto";
import { jidDecode } from "./binary/index.js";
import { ContactBook, type SandboxContact } from "./contacts.js";
import type { LinkedDevice, SandboxPhone } from "./phone.js";
import type { Connection } from "./server.js";
import { type ClientDeviceKeys, type PreKeyBundle, SignalDevice } from "./signal/index.js";
import type { Message } from "./proto/index.js";
import type { SentContent } from "./sent-content.js";
import type { SandboxState } from "./state.js";

/** A contact's message kept for an offline device. */
export interface OfflineItem {
  record: InboundMessage;
  contact: SandboxContact;
}

/** Whom a JID names in the sandbox. */
export type Account =
  | { kind: "phone"; phone: SandboxPhone }
  | { kind: "contact"; contact: SandboxContact };

/** What a user JID resolves to, with the device it names (0 when absent). */
export interface ResolvedJid {
  account: Account;
  device: number;
  /** True when the JID is in the LID domain ("…@lid"). */
  lid: boolean;
}

/** A receipt a client sent for an inbound message (`<receipt>`; type absent = "delivery"). */
export interface ClientReceipt {
  /** The client device that sent it. */
  device: string;
  /** "delivery", "inactive" (delivered while the client is not online), "read", "read-self", "retry", … */
  type: string;
  /** Clock ms when the sandbox received it. */
  at: number;
}

/** An inbound message: a contact wrote to the phone's account. */
export interface InboundMessage {
  id: string;
  phoneId: string;
  contactId: string;
  from: string;
  text: string;
  /** Unix seconds (the stanza's `t`). */
  t: number;
  /** Per client device: what happened to its copy. */
  /** Per client device: what happened to its copy (`queued`: the device is offline; it gets the copy at its next login). */
  deliveries: { device: string; status: "queued" | "delivered" | "read" | "retry" | "nack" | "timeout" | "no_keys" | "error"; detail?: string }[];
  receipts: ClientReceipt[];
  /** What the contact sent (text, location, contact, reaction, edit, revoke; ../sent-content.ts). */
  content: SentContent;
  /** The latest reaction a client of the phone put on it ("" removed it). */
  reaction?: string;
}

export type DeliveryOutcome = { status: InboundMessage["deliveries"][number]["status"]; detail?: string };

/** A message a client sent to a contact, as the sandbox decrypted it. */
export interface SentMessage {
  id: string;
  phoneId: string;
  contactId: string;
  /** The sending client device. */
  from: string;
  /** The contact's JID (the stanza's `to`). */
  to: string;
  /** `conversation` or `extendedTextMessage.text`; undefined for other message kinds. */
  text: string | undefined;
  /** What it is, as the contact's phone shows it (../sent-content.ts); absent when no copy decrypted. */
  content?: SentContent;
  /** The text after the client's last edit of this message (a later `protocolMessage` MESSAGE_EDIT). */
  editedText?: string;
  /** True once the client revoked it (deleted for everyone). */
  revoked?: boolean;
  /** The latest reaction the client put on this message ("" removed it). */
  reaction?: string;
  /** Clock ms when the sandbox received it. */
  at: number;
  /** Every `<enc>` addressed to a device the sandbox simulates, and whether it decrypted. */
  copies: { device: string; type: string; ok: boolean; error?: string; deviceSent?: boolean }[];
  /** Receipts the contact sent back (server-side delivery; read and retry on request). */
  receipts: { type: "delivery" | "read" | "retry"; at: number }[];
}

export class Messaging {
  readonly contacts = new ContactBook();
  /** Inbound messages, oldest first: the last {@link MAX_RECORDED_MESSAGES} ({@link record}). */
  readonly inbound: InboundMessage[] = [];
  /** Messages clients sent, oldest first: the last {@link MAX_RECORDED_MESSAGES} ({@link record}). */
  readonly sent: SentMessage[] = [];
  /** The Message each inbound record carries (kept out of the record's JSON). */
  readonly protoOf = new WeakMap<InboundMessage, Message>();
  private readonly phoneDevices = new WeakMap<SandboxPhone, SignalDevice>();
  private readonly clientKeys = new WeakMap<LinkedDevice, ClientDeviceKeys>();
  /** Waiters for a client's receipt/ack of an inbound message, per connection and message id. */
  private readonly waits = new WeakMap<Connection, Map<string, (outcome: DeliveryOutcome) => void>>();

  constructor(readonly state: SandboxState) {}

  /** The Signal device of phone `phone`'s device 0 (created on first use). */
  phoneDevice(phone: SandboxPhone): SignalDevice {
    let d = this.phoneDevices.get(phone);
    if (!d) {
      d = new SignalDevice({ preKeyCount: 20 });
      this.phoneDevices.set(phone, d);
    }
    return d;
  }

  /** The keys linked device `device` uploaded (undefined before its first upload). */
  keysOf(device: LinkedDevice): ClientDeviceKeys | undefined {
    return this.clientKeys.get(device);
  }

  setClientKeys(device: LinkedDevice, keys: ClientDeviceKeys): void {
    this.clientKeys.set(device, keys);
  }

  /** The account a user or device JID names (by phone number or LID), or undefined. */
  resolve(jid: string): ResolvedJid | undefined {
    const d = jidDecode(jid);
    if (!d || (d.server !== "s.whatsapp.net" && d.server !== "lid")) return undefined;
    const lid = d.server === "lid";
    const device = d.device ?? 0;
    for (const phone of this.state.phones.values()) {
      if ((lid ? phone.lid : phone.number) === d.user) return { account: { kind: "phone", phone }, device, lid };
    }
    const contact = lid ? this.contacts.byLid(d.user) : this.contacts.byNumber(d.user);
    return contact ? { account: { kind: "contact", contact }, device, lid } : undefined;
  }

  /**
   * The prekey bundle of the device `jid` names, for a key fetch (uses up one one-time prekey), or
   * undefined when the sandbox knows no keys for it (unknown account or device, or a linked client
   * that has not uploaded keys yet).
   */
  bundleFor(jid: string): PreKeyBundle | undefined {
    const r = this.resolve(jid);
    if (!r) return undefined;
    if (r.account.kind === "contact") return refill(r.account.contact.devices.get(r.device))?.takeBundle();
    if (r.device === 0) return refill(this.phoneDevice(r.account.phone)).takeBundle();
    const linked = r.account.phone.devices.get(r.device);
    return linked?.confirmed ? this.clientKeys.get(linked)?.takeBundle() : undefined;
  }

  /**
   * Resolves with the first {@link settle} for (`conn`, `id`), or `{status: "timeout"}` after
   * `timeoutMs` (real time) or when the connection closes first (then also "timeout").
   */
  waitFor(conn: Connection, id: string, timeoutMs: number): Promise<DeliveryOutcome> {
    let byId = this.waits.get(conn);
    if (!byId) this.waits.set(conn, (byId = new Map()));
    const waits = byId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done({ status: "timeout" }), timeoutMs);
      const done = (o: DeliveryOutcome) => {
        clearTimeout(timer);
        waits.delete(id);
        resolve(o);
      };
      waits.set(id, done);
      conn.onClosed(() => waits.get(id) === done && done({ status: "timeout" }));
    });
  }

  /** Appends `message` to `list` (inbound or sent), dropping the oldest beyond {@link MAX_RECORDED_MESSAGES}. */
  record<T>(list: T[], message: T): void {
    list.push(message);
    if (list.length > MAX_RECORDED_MESSAGES) list.splice(0, list.length - MAX_RECORDED_MESSAGES);
  }

  /** Records a message a client sent ({@link record}) and hands it to the {@link nextSent} waiters for its id. */
  recordSent(message: SentMessage): void {
    this.record(this.sent, message);
    for (const f of this.sentWaits.get(message.id) ?? []) f(message);
  }

  /**
   * Resolves with the next message a client sends with id `id` from device `from` (a resend keeps
   * the id), or undefined after `timeoutMs` (real time).
   */
  nextSent(id: string, from: string, timeoutMs: number): Promise<SentMessage | undefined> {
    const waits = this.sentWaits.get(id) ?? new Set();
    this.sentWaits.set(id, waits);
    return new Promise((resolve) => {
      const done = (m: SentMessage | undefined): void => {
        if (m && m.from !== from) return;
        clearTimeout(timer);
        waits.delete(done);
        if (waits.size === 0) this.sentWaits.delete(id);
        resolve(m);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      waits.add(done);
    });
  }

  private readonly sentWaits = new Map<string, Set<(m: SentMessage | undefined) => void>>();

  /** Settles the wait for (`conn`, `id`), if any. */
  settle(conn: Connection, id: string, outcome: DeliveryOutcome): void {
    this.waits.get(conn)?.get(id)?.(outcome);
  }

  /** Open connections logged in as a device of `phone`. */
  connectionsOf(phone: SandboxPhone): Connection[] {
    return [...this.state.connections].filter((c) => c.loggedIn?.phone === phone);
  }

  /** Keeps a contact's message for a linked device that is offline (WhatsApp's offline queue). */
  queueOffline(device: LinkedDevice, item: OfflineItem): void {
    const list = this.offline.get(device) ?? [];
    list.push(item);
    this.offline.set(device, list);
  }

  /** The messages kept for `device`, oldest first; the queue is emptied. */
  takeOffline(device: LinkedDevice): OfflineItem[] {
    const list = this.offline.get(device) ?? [];
    this.offline.delete(device);
    return list;
  }

  private readonly offline = new WeakMap<LinkedDevice, OfflineItem[]>();
}

/** Messages kept per direction (inbound, sent) per sandbox; the oldest are forgotten first. */
export const MAX_RECORDED_MESSAGES = 10_000;

/** Keeps a simulated device's one-time prekeys from running out (tops up 20 when ≤ 5 are left). */
function refill<T extends SignalDevice | undefined>(device: T): T {
  if (device && device.availablePreKeys <= 5) device.generatePreKeys(20);
  return device;
}

const worlds = new WeakMap<SandboxState, Messaging>();

/** The messaging state of `state` (created on first use). */
export function messagingOf(state: SandboxState): Messaging {
  let m = worlds.get(state);
  if (!m) {
    m = new Messaging(state);
    worlds.set(state, m);
  }
  return m;
}

/** A message id in the format of WhatsApp's clients: "3EB0" + 18 upper-case hex digits (Baileys rc14 generics.js `generateMessageID*`). */
export function newMessageId(): string {
  return "3EB0" + randomBytes(9).toString("hex").toUpperCase();
}
