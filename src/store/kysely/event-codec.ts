import type { EventEnvelope } from "../../events/types.js";
import type { SecretSealer } from "../types.js";

/**
 * The event types that carry a login secret, and the `data` field that holds it: a QR (its ref
 * carries login key material) and a pairing code. Shown to a person, never kept past its use.
 */
export const SECRET_EVENT_FIELDS: Readonly<Record<string, string>> = { "instance.qr": "qr", "instance.pairing_code": "code" };

/** The secret event types, for SQL filters. */
export const SECRET_EVENT_TYPES: readonly string[] = Object.keys(SECRET_EVENT_FIELDS);

/** The member of a stored secret event's `data` that holds the sealed secret (removed when dropped). */
const SEALED = "sealed";

/**
 * How an event envelope is written to and read from the `envelope` column. Every event is plain
 * JSON, except the secret field of {@link SECRET_EVENT_FIELDS}: it is stored as `null`, with the
 * secret sealed by the store's {@link SecretSealer} beside it (`data.sealed`, authenticated data
 * `event:<id>`), and opened when read. A secret whose sealed copy was dropped
 * (`EventStore.dropSecrets`), or that cannot be opened, reads as `null`. Without a sealer installed
 * the secret is not stored at all. One codec per store; never throws for a readable row.
 */
export class EventCodec {
  private sealer: SecretSealer | null = null;

  /** Installs the sealer (see `Store.useSealer`). */
  use(sealer: SecretSealer): void {
    this.sealer = sealer;
  }

  /** The column text of `e`. */
  encode(e: EventEnvelope): string {
    const field = SECRET_EVENT_FIELDS[e.type];
    if (field === undefined) return JSON.stringify(e);
    const data = { ...(e.data as unknown as Record<string, unknown>) };
    const secret = data[field];
    data[field] = null;
    if (typeof secret === "string" && this.sealer) data[SEALED] = this.sealer.seal(secret, aad(e.id));
    return JSON.stringify({ ...e, data });
  }

  /** The envelope of a column text written by {@link encode}. */
  decode(text: string): EventEnvelope {
    const e = JSON.parse(text) as EventEnvelope;
    const field = SECRET_EVENT_FIELDS[e.type];
    if (field === undefined) return e;
    const data = e.data as unknown as Record<string, unknown>;
    const sealed = data[SEALED];
    delete data[SEALED];
    data[field] = null;
    if (typeof sealed === "string" && this.sealer) {
      try {
        data[field] = this.sealer.open(sealed, aad(e.id));
      } catch {
        // A blob sealed under another master key: the secret is gone, the event stays.
      }
    }
    return e;
  }

  /** The JSON body to send for a stored row: the column text itself, or for a secret event its decoded form. */
  body(type: string, text: string): string {
    return SECRET_EVENT_FIELDS[type] === undefined ? text : JSON.stringify(this.decode(text));
  }

  /**
   * `text` without its secret: the sealed copy removed and a plaintext secret field (a row written
   * before secrets were sealed) set to null. Null when it holds neither (already dropped, or not a
   * secret event).
   */
  static withoutSecret(text: string): string | null {
    const e = JSON.parse(text) as { type: string; data: Record<string, unknown> };
    const field = SECRET_EVENT_FIELDS[e.type];
    if (field === undefined) return null;
    const plain = typeof e.data[field] === "string";
    if (!(SEALED in e.data) && !plain) return null;
    delete e.data[SEALED];
    e.data[field] = null;
    return JSON.stringify(e);
  }

  /** SQL LIKE patterns that match every stored row still holding a secret, sealed or plaintext. */
  static readonly SECRET_PATTERNS: readonly string[] = [
    `%"${SEALED}":"%`,
    ...[...new Set(Object.values(SECRET_EVENT_FIELDS))].map((f) => `%"${f}":"%`),
  ];

  /** The `expiresAt` (epoch ms) of a stored secret event, or null. */
  static expiresAt(text: string): number | null {
    const v = (JSON.parse(text) as { data?: { expiresAt?: unknown } }).data?.expiresAt;
    return typeof v === "number" ? v : null;
  }
}

function aad(eventId: string): string {
  return `event:${eventId}`;
}
