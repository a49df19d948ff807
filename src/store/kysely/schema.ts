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
}

/** One stored event. `seq` orders events by arrival; `id` is unique (dedupe). */
export interface EventsTable {
  seq: Generated<number>;
  id: string;
  instance_id: string;
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
