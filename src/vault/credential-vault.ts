import { err } from "../core/errors.js";
import type { SecretStore } from "../store/types.js";
import { decodeJson, encodeJson } from "./json-codec.js";
import type { Vault } from "./vault.js";

/**
 * Credentials of instances as JSON values, sealed with the {@link Vault} and kept in a
 * {@link SecretStore}. Each blob is bound (AAD) to `<instanceId>/<key>`.
 *
 * Values are anything JSON can hold plus Buffers/Uint8Arrays at any depth (see `json-codec.ts`).
 * `null` and `undefined` mean "no value": writing them deletes the key.
 */
export class CredentialVault {
  constructor(
    private readonly secrets: SecretStore,
    private readonly vault: Vault,
  ) {}

  /**
   * The value stored under (instanceId, key), or undefined.
   * @throws `STORAGE_FAILED` when the store fails or the blob cannot be decrypted/parsed (wrong
   *   master key, tampering, blob moved from another instance or key).
   */
  async getJson<T = unknown>(instanceId: string, key: string): Promise<T | undefined> {
    const sealed = await this.secrets.get(instanceId, key);
    if (sealed === undefined) return undefined;
    const plain = this.vault.open(sealed, aadFor(instanceId, key));
    try {
      return decodeJson(plain) as T;
    } catch (e) {
      throw err("STORAGE_FAILED", { message: "credential could not be decoded", cause: e });
    } finally {
      plain.fill(0);
    }
  }

  /** Seals and stores `value` (null/undefined deletes). @throws `STORAGE_FAILED`. */
  async putJson(instanceId: string, key: string, value: unknown): Promise<void> {
    if (value === null || value === undefined) return this.secrets.delete(instanceId, key);
    await this.secrets.put(instanceId, key, this.sealJson(instanceId, key, value));
  }

  /**
   * Seals and writes several keys in one store transaction; null/undefined values delete their key.
   * @throws `STORAGE_FAILED` (nothing is written then).
   */
  async putManyJson(instanceId: string, entries: ReadonlyArray<readonly [key: string, value: unknown]>): Promise<void> {
    const sealed = entries.map(
      ([key, value]) =>
        [key, value === null || value === undefined ? null : this.sealJson(instanceId, key, value)] as const,
    );
    await this.secrets.putMany(instanceId, sealed);
  }

  /** Deletes one key. @throws `STORAGE_FAILED`. */
  async delete(instanceId: string, key: string): Promise<void> {
    await this.secrets.delete(instanceId, key);
  }

  /** True when the instance has at least one stored credential key. @throws `STORAGE_FAILED`. */
  async has(instanceId: string): Promise<boolean> {
    return (await this.secrets.count(instanceId)) > 0;
  }

  /**
   * Deletes every credential of the instance (physically where the store allows, see
   * `SecretStore.wipe`), then verifies that none is left. Returns how many keys were deleted.
   * @throws `STORAGE_FAILED` when the store fails or keys remain after the wipe.
   */
  async wipe(instanceId: string): Promise<number> {
    const deleted = await this.secrets.wipe(instanceId);
    const left = await this.secrets.count(instanceId);
    if (left !== 0) {
      throw err("STORAGE_FAILED", {
        message: "Credentials were not fully wiped.",
        details: { instanceId, remaining: left },
      });
    }
    return deleted;
  }

  private sealJson(instanceId: string, key: string, value: unknown): Buffer {
    const plain = encodeJson(value);
    try {
      return this.vault.seal(plain, aadFor(instanceId, key));
    } finally {
      plain.fill(0);
    }
  }
}

/**
 * The AAD binding a blob to its place. Instance ids never contain `/`, so the first `/` separates
 * the two parts unambiguously (keys may contain `/`).
 * @throws `INTERNAL` for an instance id containing `/`.
 */
export function aadFor(instanceId: string, key: string): string {
  if (instanceId.includes("/")) throw err("INTERNAL", { message: "An instance id must not contain '/'." });
  return `${instanceId}/${key}`;
}
