import type { Generated } from "kysely";

/**
 * Row shapes of the tables created by `src/store/migrations`, as Kysely sees them. Column names are
 * snake_case as stored; the sub-stores map them to the camelCase records of `src/store/types.ts`.
 *
 * Both engines return these TypeScript types: integers (including `bigint` columns, thanks to the
 * int8 type parser on the Postgres pool) come back as `number`, blobs/bytea as `Buffer`.
 */
export interface Database {
  instances: InstancesTable;
  secrets: SecretsTable;
  tokens: TokensTable;
  status_history: StatusHistoryTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
  connector_state: ConnectorStateTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** One stored event. `seq` orders events by arrival; `id` is unique (dedupe). */
export interface EventsTable {
  seq: Generated<number>;
  id: string;
  /** Null for gateway-level events. */
  instance_id: string | null;
  type: string;
  /** Epoch ms. */
  ts: number;
  /** JSON `EventEnvelope`. */
  envelope: string;
}

/** One connector cursor. Primary key (instance_id, key). Never secret. */
export interface ConnectorStateTable {
  instance_id: string;
  key: string;
  /** JSON value. */
  value: string;
}

/** One instance. JSON columns hold `JSON.stringify` output. */
export interface InstancesTable {
  id: string;
  name: string;
  platform: string;
  /** JSON object. */
  config: string;
  /** JSON object. */
  metadata: string;
  /** `"running" | "stopped"`. */
  desired: string;
  /** JSON `InstanceStatus`. */
  status: string;
  /** JSON `LogoutIntent`, or null. */
  logout_intent: string | null;
  /** Epoch ms. */
  created_at: number;
  /** Epoch ms. */
  updated_at: number;
}

/** One sealed secret. Primary key (instance_id, key). */
export interface SecretsTable {
  instance_id: string;
  key: string;
  /** Vault-sealed bytes; never plaintext. */
  sealed: Buffer;
  /** Epoch ms. */
  updated_at: number;
}

/** One API token (hash only). */
export interface TokensTable {
  id: string;
  /** Hex SHA-256 of the token; unique. */
  hash: string;
  /** `"account" | "instance"`. */
  scope: string;
  instance_id: string | null;
  label: string;
  /** Epoch ms. */
  created_at: number;
}

/** One status transition. `id` grows with insertion order and defines "newest". */
export interface StatusHistoryTable {
  id: Generated<number>;
  instance_id: string;
  /** Epoch ms. */
  ts: number;
  from_state: string;
  to_state: string;
  reason: string;
}

/** One remembered `Idempotency-Key`. Primary key (token_id, key). */
export interface IdempotencyKeysTable {
  token_id: string;
  key: string;
  fingerprint: string;
  /** `"in_flight" | "done"`. */
  state: string;
  status_code: number | null;
  body: string | null;
  /** Epoch ms. */
  created_at: number;
  instance_id: string | null;
}

/** One webhook subscription (see `WebhookRecord`). Booleans are 0/1 integers on both engines. */
export interface WebhooksTable {
  id: string;
  instance_id: string | null;
  url: string;
  description: string;
  /** JSON array of strings. */
  event_types: string;
  headers_sealed: Buffer | null;
  secret_sealed: Buffer;
  previous_secret_sealed: Buffer | null;
  previous_secret_expires_at: number | null;
  ordered: number;
  max_concurrency: number;
  enabled: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  cursor: number;
  failing_since: number | null;
  failure_count: number;
  created_at: number;
  updated_at: number;
}

/** One (subscription, event) delivery. Primary key (webhook_id, event_seq). */
export interface WebhookDeliveriesTable {
  webhook_id: string;
  event_seq: number;
  event_id: string;
  instance_id: string | null;
  /** `"pending" | "delivered" | "failed"`. */
  state: string;
  attempts: number;
  /** Epoch ms. */
  next_attempt_at: number;
  /** Epoch ms. */
  updated_at: number;
}

/** One HTTP attempt of a delivery. `id` grows with insertion order. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  webhook_id: string;
  event_seq: number;
  event_id: string;
  instance_id: string | null;
  attempt: number;
  /** Epoch ms. */
  ts: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  ok: number;
}
