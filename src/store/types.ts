import type { DesiredState, InstanceStatus, RemoteLogoutOutcome } from "../core/status.js";
import type { EventEnvelope } from "../events/types.js";

/**
 * The storage contract. Two implementations (SQLite via better-sqlite3, Postgres via pg), both over
 * Kysely with one migration set, both checked by one contract suite (`test/store/contract.ts`).
 *
 * Conventions: timestamps are epoch milliseconds (numbers); JSON columns round-trip plain objects;
 * every method either resolves with its effect durable or rejects with `SwitchboardError`
 * (`INSTANCE_EXISTS`, `INSTANCE_NOT_FOUND`, `STORAGE_FAILED`).
 *
 * Rows that belong to an instance (secrets, instance tokens, history, idempotency records with an
 * `instanceId`) reference it: writing one for an instance id that does not exist (or no longer
 * does) fails with `STORAGE_FAILED`, so nothing of a purged instance can linger.
 */
export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly instances: InstanceStore;
  readonly secrets: SecretStore;
  readonly tokens: TokenStore;
  readonly history: HistoryStore;
  readonly idempotency: IdempotencyStore;
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  /**
   * Installs the sealer of login secrets in events (the `qr` of `instance.qr`, the `code` of
   * `instance.pairing_code`): from then on they are written sealed, never in plaintext, and opened
   * when read. Until a sealer is installed they are not stored at all (read back as `null`).
   */
  useSealer(sealer: SecretSealer): void;
  /** Applies pending migrations. Idempotent. */
  migrate(): Promise<void>;
  /** Cheap liveness probe used by `GET /ready`. Resolves when the database answers. */
  ping(): Promise<void>;
  /** Closes connections and releases locks. Idempotent. */
  close(): Promise<void>;
}

/**
 * Authenticated encryption for secrets at rest (implemented over the vault). `aad` binds a sealed
 * value to where it belongs. Sealed values are text (base64).
 */
export interface SecretSealer {
  seal(plain: string, aad: string): string;
  /** @throws when `sealed` was not sealed for `aad` with this key. */
  open(sealed: string, aad: string): string;
}

/** A durable logout in progress (DESIGN §2 rule 3). Stored before any remote call is made. */
export interface LogoutIntent {
  /** Wipe even when the platform cannot confirm. */
  force: boolean;
  /** Epoch ms when the logout was asked for. */
  requestedAt: number;
  /** `requested`: nothing done yet; `remote_done`: the platform answered (`remote` holds what). */
  step: "requested" | "remote_done";
  remote?: RemoteLogoutOutcome;
  /** When set, the instance is purged after the logout (the `delete` verb). */
  purge?: boolean;
}

/** One instance row. `credentials` live apart, in {@link SecretStore}. */
export interface InstanceRecord {
  /** Immutable random id (used as the key for secrets, tokens, history). */
  id: string;
  /** Unique, URL-safe: `^[a-z0-9][a-z0-9_-]{0,62}$`. */
  name: string;
  platform: string;
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  desired: DesiredState;
  status: InstanceStatus;
  logoutIntent: LogoutIntent | null;
  createdAt: number;
  updatedAt: number;
}

/** Fields a caller may change on an instance. */
export type InstancePatch = Partial<Pick<InstanceRecord, "config" | "metadata" | "desired" | "status" | "logoutIntent">>;

export interface InstanceStore {
  /** `updatedAt` starts equal to `createdAt`. @throws `INSTANCE_EXISTS` when the name is taken. */
  create(rec: Omit<InstanceRecord, "updatedAt">): Promise<InstanceRecord>;
  get(name: string): Promise<InstanceRecord | undefined>;
  getById(id: string): Promise<InstanceRecord | undefined>;
  /**
   * Names in ascending bytewise order (the same on every engine), after `after` (exclusive cursor),
   * at most `limit` (clamped to 1–500).
   */
  list(opts: { limit: number; after?: string; platform?: string }): Promise<InstanceRecord[]>;
  /** Every instance (boot, metrics), by ascending name. */
  all(): Promise<InstanceRecord[]>;
  /** @throws `INSTANCE_NOT_FOUND`. Sets `updatedAt`. */
  update(id: string, patch: InstancePatch): Promise<InstanceRecord>;
  /**
   * Applies `patch` and appends `events` (the outbox entries describing this change, e.g.
   * `instance.status`) in one transaction: both are stored or neither. Sets `updatedAt`.
   * @returns the record and the events actually stored (ids already stored are skipped), in order.
   * @throws `INSTANCE_NOT_FOUND` (nothing is stored).
   */
  updateWithEvents(id: string, patch: InstancePatch, events: readonly EventEnvelope[]): Promise<{ record: InstanceRecord; stored: StoredEvent[] }>;
  /**
   * Removes the instance and everything of it — secrets, tokens, history, idempotency keys, events,
   * connector state, webhook subscriptions — in one transaction, and appends `farewell` (the
   * `instance.deleted` event, which outlives the instance) in the same transaction. Touches no other
   * instance.
   * @returns whether there was such an instance, and the stored farewell event (null when none given
   *   or when there was no instance).
   */
  purge(id: string, farewell?: EventEnvelope): Promise<{ deleted: boolean; stored: StoredEvent | null }>;
}

/**
 * Encrypted secrets of an instance, as opaque sealed blobs keyed by (instanceId, key). The vault
 * seals and opens them; the store never sees plaintext. Connectors with many keys (Signal key
 * stores) use many keys under one instance.
 */
export interface SecretStore {
  get(instanceId: string, key: string): Promise<Buffer | undefined>;
  /** Inserts or replaces. */
  put(instanceId: string, key: string, sealed: Buffer): Promise<void>;
  /** Writes and deletes several keys in one transaction (`null` deletes). */
  putMany(instanceId: string, entries: ReadonlyArray<readonly [key: string, sealed: Buffer | null]>): Promise<void>;
  delete(instanceId: string, key: string): Promise<void>;
  /** Number of keys stored for the instance. */
  count(instanceId: string): Promise<number>;
  /**
   * Deletes every secret of the instance and makes the deletion physical where the engine allows it
   * (SQLite: secure_delete and a WAL checkpoint), so no ciphertext stays in the database files.
   * Postgres deletes logically only (dead tuples stay until VACUUM reuses them; they hold sealed
   * ciphertext only). Returns the number of rows deleted.
   */
  wipe(instanceId: string): Promise<number>;
}

/** A stored API token. Only the SHA-256 hash of the token is kept. */
export interface TokenRecord {
  id: string;
  /** hex SHA-256 of the token string. */
  hash: string;
  scope: "account" | "instance";
  /** Set when `scope` is `instance`. */
  instanceId: string | null;
  label: string;
  createdAt: number;
}

export interface TokenStore {
  /** @throws `STORAGE_FAILED` for a duplicate id or hash, or an unknown `instanceId`. */
  create(rec: TokenRecord): Promise<void>;
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  /** Every token, or those of one instance; oldest first. */
  list(opts?: { instanceId?: string }): Promise<TokenRecord[]>;
  /** Returns false when there was no such token. */
  delete(id: string): Promise<boolean>;
  /** Number of account-scoped tokens (0 on a fresh database). */
  countAccount(): Promise<number>;
}

/** One status transition, kept for `GET /v1/instances/:name` (the last N). */
export interface HistoryEntry {
  ts: number;
  from: string;
  to: string;
  /** Short secret-free reason, e.g. `"connect"`, `"transient: ECONNRESET"`, `"remote logout"`. */
  reason: string;
}

export interface HistoryStore {
  /**
   * Appends and keeps only the newest `keep` entries of the instance ("newest" = most recently
   * appended, whatever `ts` says).
   */
  append(instanceId: string, entry: HistoryEntry, keep: number): Promise<void>;
  /** Newest first, at most `limit`. */
  list(instanceId: string, limit: number): Promise<HistoryEntry[]>;
}

/** A remembered POST response for `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header). */
export interface IdempotencyRecord {
  /** The token id that made the request: keys are scoped per token. */
  tokenId: string;
  key: string;
  /** SHA-256 of method + path + body. */
  fingerprint: string;
  state: "in_flight" | "done";
  statusCode: number | null;
  /** The JSON response body, when done. */
  body: string | null;
  createdAt: number;
  /** The instance the request was about, for purge; null for account-level routes. */
  instanceId: string | null;
}

export interface IdempotencyStore {
  /**
   * Inserts an `in_flight` record; returns the existing record instead when the (tokenId, key) exists.
   * Atomic: of concurrent callers with the same (tokenId, key), exactly one gets `created: true`.
   */
  begin(rec: IdempotencyRecord): Promise<{ created: true } | { created: false; existing: IdempotencyRecord }>;
  complete(tokenId: string, key: string, statusCode: number, body: string): Promise<void>;
  /**
   * Forgets an in-flight key (the request failed before producing a response worth replaying). A
   * `done` record is kept.
   */
  abandon(tokenId: string, key: string): Promise<void>;
  /** Deletes records older than `before` (epoch ms). Returns how many. */
  prune(before: number): Promise<number>;
}

/** An event as stored: the envelope and its arrival order. */
export interface StoredEvent {
  /** Arrival order across the deployment; grows with every insert (never reused). */
  seq: number;
  envelope: EventEnvelope;
}

/** The largest page of stored events one read returns (replay, stream catch-up, fan-out). */
export const MAX_EVENT_PAGE = 1000;

/** A page query over the stored events (replay, stream catch-up, webhook fan-out). */
export interface EventQuery {
  /** Only events after this seq (exclusive). Default 0. */
  afterSeq?: number;
  /** Only events of this instance id. */
  instanceId?: string;
  /** Only events of these types (exact names). Empty or absent: every type. */
  types?: readonly string[];
  /** At most this many, clamped to 1–1000. */
  limit: number;
  /**
   * Take the newest `limit` matching events (after `afterSeq`) instead of the oldest. They are still
   * returned oldest first. Default false.
   */
  newest?: boolean;
}

/**
 * The outbox: every event of every instance, in arrival order, and the connector state (cursors)
 * that goes with them. The one place where "acknowledge to the platform only after the event is
 * stored" is made true: `append` stores the events and the new cursor in one transaction, and
 * lifecycle events are written by {@link InstanceStore.update} / {@link InstanceStore.purge} in the
 * transaction of the change they describe. Delivery (webhooks, stream, replay) reads from here.
 *
 * Events are not tied to the instance row: an `instance.deleted` event outlives its instance. They
 * leave with {@link InstanceStore.purge} (all but that event) or with {@link prune} (retention).
 */
export interface EventStore {
  /**
   * Stores `events` of one instance (`null`: gateway-level events) and sets the `state` entries
   * (connector cursors, JSON values) in one transaction. Events whose `id` is already stored are
   * skipped (a redelivered update).
   * @returns the events actually stored, in order.
   * @throws `STORAGE_FAILED` (also when the instance does not exist and `state` is not empty);
   *   `VALIDATION_FAILED` for `state` without an instance.
   */
  append(instanceId: string | null, events: readonly EventEnvelope[], state?: Readonly<Record<string, unknown>>): Promise<StoredEvent[]>;
  /** Events of the instance after `afterSeq` (exclusive), oldest first, at most `limit` (1–1000). */
  list(instanceId: string, opts: { afterSeq?: number; limit: number }): Promise<StoredEvent[]>;
  /** Events matching `q`, oldest first (the oldest `limit` of them, or with `newest` the newest). */
  query(q: EventQuery): Promise<StoredEvent[]>;
  /**
   * The newest stored event of `type` of the instance whose `data.messageId` is `messageId` (e.g. a
   * sent message WhatsApp asks to send again), or undefined (never stored, pruned, or another
   * instance's). Reads the instance's events newest first until one matches: fast for recent
   * messages, a scan of the instance's retained events for an unknown id.
   * @throws `STORAGE_FAILED`.
   */
  findMessage(instanceId: string, type: "message.sent" | "message.received", messageId: string): Promise<StoredEvent | undefined>;
  /** Where the event with this id sits (resume and replay cursors); undefined when unknown or pruned. */
  locate(eventId: string): Promise<{ seq: number; instanceId: string | null } | undefined>;
  /** The highest seq stored so far (0 when empty). */
  lastSeq(): Promise<number>;
  /**
   * Drops the sealed login secrets (QR, pairing code) of stored events, and any such secret stored in
   * plaintext by a release that did not seal them, so they read as `null` from then on; the events themselves stay (replay, resume points and webhook deliveries keep working).
   * Filters: `instanceId` (absent: every instance), `type` (one secret event type), `beforeSeq`
   * (events stored before this seq), `expiredBefore` (events whose `data.expiresAt` is at or before
   * this epoch ms). Idempotent.
   * @returns how many events had a secret dropped.
   */
  dropSecrets(q?: { instanceId?: string; type?: string; beforeSeq?: number; expiredBefore?: number }): Promise<number>;
  /**
   * Retention: deletes the oldest events, in `seq` order, up to (not including) the first one whose
   * `ts` is at or after `before` (epoch ms); at most `limit` (default 5000) per call. Returns how many.
   */
  prune(before: number, limit?: number): Promise<number>;
  /** The connector state of the instance (every key). */
  state(instanceId: string): Promise<Record<string, unknown>>;
  /** Forgets the connector state of the instance (logout). */
  clearState(instanceId: string): Promise<void>;
}

/**
 * One outbound webhook subscription (issue 4 §3). Per instance (`instanceId` set: only that
 * instance's events) or global (`instanceId` null: every event). Secrets — the signing secrets and
 * the custom header values — are kept sealed by the vault; the store never sees them in plain.
 */
export interface WebhookRecord {
  /** `wh_<uuid>`. */
  id: string;
  instanceId: string | null;
  url: string;
  description: string;
  /** Exact types and `prefix.*` patterns; empty = every type. */
  eventTypes: string[];
  /** Sealed JSON `Record<string, string>` of custom headers, or null when there are none. */
  headersSealed: Buffer | null;
  /** Sealed current signing secret (`whsec_…`). */
  secretSealed: Buffer;
  /** Sealed previous signing secret, still used (signed with too) until `previousSecretExpiresAt`. */
  previousSecretSealed: Buffer | null;
  /** Epoch ms. */
  previousSecretExpiresAt: number | null;
  /** Strict per-instance order: a failing event holds back later events of the same instance. */
  ordered: boolean;
  /** Concurrent requests to this endpoint, at most. */
  maxConcurrency: number;
  enabled: boolean;
  /** Epoch ms when it was disabled (automatically or by the user); null while enabled. */
  disabledAt: number | null;
  /** Secret-free reason, e.g. `"failing"`, `"user"`; null while enabled. */
  disabledReason: string | null;
  /** The highest event seq already fanned out to this subscription (it starts at the last seq at creation). */
  cursor: number;
  /** Epoch ms of the first failed attempt since the last success; null when the last attempt succeeded. */
  failingSince: number | null;
  /** Failed attempts since the last success. */
  failureCount: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
}

/** Fields of a subscription a caller may change. */
export type WebhookPatch = Partial<
  Pick<
    WebhookRecord,
    | "url"
    | "description"
    | "eventTypes"
    | "headersSealed"
    | "secretSealed"
    | "previousSecretSealed"
    | "previousSecretExpiresAt"
    | "ordered"
    | "maxConcurrency"
    | "enabled"
    | "disabledAt"
    | "disabledReason"
    | "failingSince"
    | "failureCount"
  >
>;

/** An outbox event as the webhook dispatcher reads it: the envelope as stored JSON text. */
export interface OutboxEvent {
  seq: number;
  /** The envelope's `id` (the `webhook-id` header). */
  id: string;
  /** The event's instance id; null for gateway-level events. */
  instanceId: string | null;
  type: string;
  /** Epoch ms. */
  ts: number;
  /** The envelope JSON, exactly as stored (the request body). */
  body: string;
}

/**
 * Where a delivery stands: waiting to be (re)sent, delivered (2xx), or given up after the last retry.
 * Only `pending` and `failed` deliveries are stored: a delivered one leaves the table (its attempts
 * stay).
 */
export type DeliveryState = "pending" | "delivered" | "failed";

/** One (subscription, event) pair to deliver. Primary key (webhookId, eventSeq). */
export interface DeliveryKey {
  webhookId: string;
  eventSeq: number;
  eventId: string;
  /** The event's instance id (purge removes deliveries by it). */
  instanceId: string | null;
}

/** A new state of a delivery after an attempt. */
export interface DeliveryUpdate {
  webhookId: string;
  eventSeq: number;
  state: DeliveryState;
  /** Attempts made so far. */
  attempts: number;
  /** Epoch ms of the next attempt (meaningful while `pending`). */
  nextAttemptAt: number;
}

/** One recorded HTTP attempt. */
export interface AttemptRecord {
  /** Grows with insertion order (the listing cursor). */
  id: number;
  webhookId: string;
  eventSeq: number;
  eventId: string;
  instanceId: string | null;
  /** 1 for the first attempt of the delivery (counting again from 1 after a manual redelivery). */
  attempt: number;
  /** Epoch ms when the attempt started. */
  ts: number;
  /** The receiver's HTTP status; null when no response came (network error, timeout, refused address). */
  statusCode: number | null;
  latencyMs: number;
  /** Secret-free error text (`"HTTP 500"`, `"timeout after 10000 ms"`, `"ECONNREFUSED"`); null on success. */
  error: string | null;
  /** True for a 2xx answer. */
  ok: boolean;
}

/**
 * What the dispatcher writes in one transaction (it batches: many deliveries per write):
 * - `fanOut`: new deliveries and the subscription's new cursor. A row is pending with 0 attempts, due
 *   at `now`, unless it carries the outcome of its first attempts already (`result`: the writer
 *   merged the attempt's result into the row still waiting to be written). A pair already stored is
 *   left as is — unless the row carries a result, which is then applied;
 * - `updates`: delivery states after attempts (a pair not stored, e.g. purged meanwhile, is skipped);
 * - `attempts`: attempt rows;
 * - `streaks`: the subscriptions' failure streaks.
 * Entries of subscriptions that no longer exist are dropped.
 */
export interface DeliveryBatch {
  /** Epoch ms. */
  now: number;
  fanOut: ReadonlyArray<{ webhookId: string; cursor: number; rows: ReadonlyArray<DeliveryKey & { result?: Omit<DeliveryUpdate, "webhookId" | "eventSeq"> }> }>;
  updates: readonly DeliveryUpdate[];
  attempts: ReadonlyArray<Omit<AttemptRecord, "id">>;
  streaks: ReadonlyArray<{ webhookId: string; failingSince: number | null; failureCount: number }>;
}

/** A pending delivery with the event body, as the dispatcher loads it. */
export interface PendingDelivery extends DeliveryKey {
  type: string;
  attempts: number;
  /** Epoch ms. */
  nextAttemptAt: number;
  body: string;
}

/**
 * Webhook subscriptions, their deliveries and attempts. Subscriptions of an instance go with its
 * purge (`purgeInstanceWebhooks` in the Kysely store, inside the purge transaction), together with
 * every delivery and attempt of that instance's events.
 */
export interface WebhookStore {
  /**
   * Stores a subscription whose cursor is the highest event seq stored at that moment (delivery
   * starts with the events stored after it), in one statement. `failingSince`/`failureCount` start
   * empty; `updatedAt` = `createdAt`.
   * @throws `STORAGE_FAILED` (also for an unknown `instanceId`).
   */
  create(rec: Omit<WebhookRecord, "cursor" | "updatedAt" | "failingSince" | "failureCount">): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Oldest first: every subscription, or those of one instance (`instanceId`), or the global ones (`instanceId: null`). */
  list(opts?: { instanceId?: string | null }): Promise<WebhookRecord[]>;
  /** Applies `patch`, sets `updatedAt = now`. Returns undefined when there is no such subscription. */
  update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | undefined>;
  /** Deletes the subscription with its deliveries and attempts. Returns false when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Disables an enabled subscription and stores `event` (the `webhook.disabled` outbox entry, of
   * `eventInstanceId`) in the same transaction.
   * @returns the stored event; undefined when the subscription is gone or already disabled (nothing stored).
   */
  disable(id: string, reason: string, now: number, event: { envelope: EventEnvelope; instanceId: string | null }): Promise<StoredEvent | undefined>;
  /** Outbox events after `afterSeq` (exclusive), ascending, at most `limit` (1–1000). */
  readEvents(afterSeq: number, limit: number): Promise<OutboxEvent[]>;
  /** One outbox event by envelope id, without its body. */
  findEvent(eventId: string): Promise<Omit<OutboxEvent, "body"> | undefined>;
  /**
   * Outbox events (without bodies) with `from <= ts < to` (epoch ms), of `instanceId` when given,
   * ascending by seq, at most `limit`.
   */
  findEventsByTime(q: { from: number; to: number; instanceId?: string; limit: number }): Promise<Array<Omit<OutboxEvent, "body">>>;
  /** Writes a {@link DeliveryBatch} in one transaction. */
  writeBatch(batch: DeliveryBatch): Promise<void>;
  /**
   * Pending deliveries of a subscription, ascending by seq, at most `limit`, with the event body:
   * with `eventSeq > afterSeq` (default 0), due by `dueBy` (epoch ms) when given, of one instance
   * when `instanceId` is given (null: the gateway-level events). Deliveries whose event is gone
   * (retention, purge) are deleted instead of returned.
   */
  pending(webhookId: string, q: { limit: number; afterSeq?: number; dueBy?: number; instanceId?: string | null }): Promise<PendingDelivery[]>;
  /**
   * The first pending delivery of each instance (the gateway-level events count as one more), due
   * or not, with the event body, ascending by seq, at most `limit`. Strictly ordered subscriptions
   * deliver only these.
   */
  heads(webhookId: string, limit: number): Promise<PendingDelivery[]>;
  /** The earliest `nextAttemptAt` after `after` (epoch ms) of the subscription's pending deliveries; undefined when there is none. */
  nextAttemptAt(webhookId: string, after: number): Promise<number | undefined>;
  /**
   * Makes the given deliveries pending again from scratch (attempts 0, due at `now`), creating those
   * not stored yet. Returns how many.
   */
  requeue(rows: readonly DeliveryKey[], now: number): Promise<number>;
  /** Makes every pending delivery of the subscription due at `now` (used when it is re-enabled). */
  expedite(webhookId: string, now: number): Promise<void>;
  /**
   * Attempts of a subscription, newest first, with `id < before` when given, of one event id when
   * given, at most `limit` (1–500).
   */
  attempts(webhookId: string, q: { limit: number; before?: number; eventId?: string }): Promise<AttemptRecord[]>;
  /**
   * Retention: deletes attempts started before `before` (epoch ms), at most `limit` per call, and the
   * deliveries of events no longer stored (event retention removes a seq prefix of the outbox; a
   * delivery lives as long as its event). Returns how many rows.
   */
  prune(before: number, limit?: number): Promise<number>;
}
