import type { Credentials } from "../core/connector.js";
import type { CredentialStore } from "../core/credentials.js";
import type { SecretStore } from "../store/types.js";
import { CredentialVault } from "./credential-vault.js";
import type { Vault } from "./vault.js";

/** The secret key under which {@link vaultCredentialStore} keeps an instance's credentials object. */
export const CREDENTIALS_KEY = "credentials";
/** The prefix of session keys (`keys/<name>`), so no name can overwrite the credentials object. */
export const SESSION_KEY_PREFIX = "keys/";

/**
 * The core's {@link CredentialStore} over a {@link SecretStore}, sealed by `vault`. An instance's
 * credentials are one JSON object (Buffers allowed at any depth) stored under the key
 * {@link CREDENTIALS_KEY}, so `put` replaces them atomically. `has` and `wipe` cover every key of the
 * instance (including any a connector stored through a {@link CredentialVault} directly); `wipe`
 * verifies that none remains.
 * @throws (from every method) `STORAGE_FAILED` for store failures and undecryptable blobs.
 */
export function vaultCredentialStore(secrets: SecretStore, vault: Vault): CredentialStore {
  const creds = new CredentialVault(secrets, vault);
  return {
    get: async (instanceId) => (await creds.getJson<Credentials>(instanceId, CREDENTIALS_KEY)) ?? null,
    put: (instanceId, credentials) => creds.putJson(instanceId, CREDENTIALS_KEY, credentials),
    getKeys: async (instanceId, names) => {
      const found = new Map<string, unknown>();
      for (const name of names) {
        const value = await creds.getJson(instanceId, `${SESSION_KEY_PREFIX}${name}`);
        if (value !== undefined) found.set(name, value);
      }
      return found;
    },
    putKeys: (instanceId, entries) => creds.putManyJson(instanceId, entries.map(([name, value]) => [`${SESSION_KEY_PREFIX}${name}`, value] as const)),
    has: (instanceId) => creds.has(instanceId),
    wipe: async (instanceId) => {
      await creds.wipe(instanceId);
    },
  };
}
