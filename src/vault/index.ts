/** Credential encryption at rest: master key, AES-256-GCM vault, JSON credential vault. */
export { CREDENTIALS_KEY, vaultCredentialStore } from "./credential-store.js";
export { CredentialVault, aadFor } from "./credential-vault.js";
export { decodeJson, encodeJson } from "./json-codec.js";
export { deriveMasterKey, loadMasterKey, MASTER_KEY_FILE, type LoadMasterKeyOptions } from "./master-key.js";
export { SEALED_VERSION, Vault } from "./vault.js";
