import type { Credentials } from "./connector.js";

/**
 * Where the core keeps an instance's credentials: encrypted at rest by the vault
 * (`src/vault`), deleted by a verified wipe. The core depends on this interface only.
 */
export interface CredentialStore {
  /** The instance's credentials, or null when it has none. @throws `STORAGE_FAILED` (store or decryption). */
  get(instanceId: string): Promise<Credentials | null>;
  /** Replaces the instance's credentials; resolves once durable. @throws `STORAGE_FAILED`. */
  put(instanceId: string, credentials: Credentials): Promise<void>;
  /**
   * Values of session keys (see `SessionKeyStore`), by name; absent names are missing from the map.
   * @throws `STORAGE_FAILED` (store or decryption).
   */
  getKeys(instanceId: string, names: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Writes session keys (JSON values, Buffers allowed) and deletes those given `null`, in one
   * transaction; resolves once durable. @throws `STORAGE_FAILED` (nothing is written then).
   */
  putKeys(instanceId: string, entries: ReadonlyArray<readonly [name: string, value: unknown]>): Promise<void>;
  /** Whether the instance holds any credential material (credentials or session keys). */
  has(instanceId: string): Promise<boolean>;
  /**
   * Deletes every copy of the instance's credential material and verifies nothing is left.
   * Idempotent. @throws `STORAGE_FAILED` when something remains.
   */
  wipe(instanceId: string): Promise<void>;
}
