/**
 * Sandbox contacts: other WhatsApp accounts that a phone's linked clients can write to and receive
 * messages from. A contact is an account with one device, its phone (device 0), simulated as a
 * {@link SignalDevice} (identity, prekeys, sessions), with a phone-number JID and a LID.
 *
 * Contacts are created on a phone (its address book) but their numbers are unique in the whole
 * sandbox (no phone or other contact has the same number), so a JID names at most one account.
 */
import { randomInt } from "node:crypto";
import { SignalDevice } from "./signal/index.js";
import { SandboxError } from "./state.js";

export interface ContactInfo {
  /** "contact-N". */
  id: string;
  /** The phone whose address book holds the contact. */
  phoneId: string;
  /** Digits only. */
  number: string;
  /** LID user part (digits). */
  lid: string;
  /** "<number>@s.whatsapp.net". */
  jid: string;
  /** "<lid>@lid". */
  lidJid: string;
  /** Push name sent as `notify` with its messages (may be empty). */
  name: string;
}

export class SandboxContact {
  /** The contact's devices by device number; only device 0 (its phone) exists. */
  readonly devices = new Map<number, SignalDevice>([[0, new SignalDevice({ preKeyCount: 20 })]]);

  constructor(
    readonly id: string,
    readonly phoneId: string,
    readonly number: string,
    readonly lid: string,
    readonly name: string,
  ) {}

  get jid(): string {
    return `${this.number}@s.whatsapp.net`;
  }

  get lidJid(): string {
    return `${this.lid}@lid`;
  }

  /** The contact's phone (device 0). */
  get phoneDevice(): SignalDevice {
    return this.devices.get(0)!;
  }

  info(): ContactInfo {
    return { id: this.id, phoneId: this.phoneId, number: this.number, lid: this.lid, jid: this.jid, lidJid: this.lidJid, name: this.name };
  }
}

/** Every contact of the sandbox, by id. */
export class ContactBook {
  private readonly byId = new Map<string, SandboxContact>();
  private next = 1;

  /**
   * Creates a contact on phone `phoneId`. `numberTaken(n)` tells whether a phone has number n.
   * SandboxError 400 `bad_number` (not 8–15 digits), 400 `bad_request` (name not a string of
   * ≤ 64 chars), 409 `number_taken`.
   */
  create(phoneId: string, input: { number?: unknown; name?: unknown }, numberTaken: (n: string) => boolean): ContactInfo {
    if (input.number !== undefined && typeof input.number !== "string") throw new SandboxError(400, "bad_number", "number must be a string of digits");
    if (input.name !== undefined && (typeof input.name !== "string" || input.name.length > 64)) {
      throw new SandboxError(400, "bad_request", "name must be a string of at most 64 characters");
    }
    const n = this.next;
    const number = input.number ?? `1666${String(n).padStart(7, "0")}`;
    if (!/^[1-9]\d{7,14}$/.test(number)) throw new SandboxError(400, "bad_number", "number must be 8–15 digits, not starting with 0");
    if (numberTaken(number) || this.byNumber(number)) throw new SandboxError(409, "number_taken", `an account with number ${number} exists`);
    this.next++;
    const lid = String(randomInt(10_000_000, 2 ** 47)) + String(randomInt(10, 99));
    const contact = new SandboxContact(`contact-${n}`, phoneId, number, lid, input.name ?? "");
    this.byId.set(contact.id, contact);
    return contact.info();
  }

  /** The contacts of phone `phoneId`, oldest first. */
  ofPhone(phoneId: string): SandboxContact[] {
    return [...this.byId.values()].filter((c) => c.phoneId === phoneId);
  }

  /** Contact `ref` (its id or number) of phone `phoneId`. SandboxError 404 `contact_not_found`. */
  get(phoneId: string, ref: string): SandboxContact {
    const c = this.byId.get(ref) ?? this.byNumber(ref);
    if (!c || c.phoneId !== phoneId) throw new SandboxError(404, "contact_not_found", `phone ${phoneId} has no contact ${ref}`);
    return c;
  }

  byNumber(number: string): SandboxContact | undefined {
    for (const c of this.byId.values()) if (c.number === number) return c;
    return undefined;
  }

  byLid(lid: string): SandboxContact | undefined {
    for (const c of this.byId.values()) if (c.lid === lid) return c;
    return undefined;
  }
}
