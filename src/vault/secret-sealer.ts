import type { SecretSealer } from "../store/types.js";
import type { Vault } from "./vault.js";

/**
 * The store's {@link SecretSealer} over the vault: AES-256-GCM under the master key, base64 text,
 * `aad` bound. Used for the login secrets of events (QR refs, pairing codes).
 * `open` throws `STORAGE_FAILED` for a blob not sealed for `aad` with this key.
 */
export function vaultSecretSealer(vault: Vault): SecretSealer {
  return {
    seal: (plain, aad) => vault.seal(Buffer.from(plain, "utf8"), aad).toString("base64"),
    open: (sealed, aad) => vault.open(Buffer.from(sealed, "base64"), aad).toString("utf8"),
  };
}
