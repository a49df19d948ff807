import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { err, type SwitchboardError } from "../core/errors.js";

/** Format version written as the first byte of every sealed blob. */
export const SEALED_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

function undecryptable(cause?: unknown): SwitchboardError {
  return err("STORAGE_FAILED", { message: "credential could not be decrypted", cause });
}

/**
 * Authenticated encryption of credentials at rest: AES-256-GCM with a random 12-byte IV per blob.
 *
 * Sealed format: `[version 1 byte = 1][iv 12][tag 16][ciphertext]`. The authenticated data is the
 * version byte followed by the UTF-8 `aad`, which binds a blob to where it belongs (the credential
 * vault uses `<instanceId>/<key>`), so blobs cannot be swapped between instances or keys.
 */
export class Vault {
  readonly #key: Buffer;

  /**
   * @param key the 32-byte master key (see `loadMasterKey`); copied.
   * @throws `INTERNAL` when the key is not 32 bytes.
   */
  constructor(key: Buffer) {
    if (key.length !== 32) throw err("INTERNAL", { message: "The vault key must be 32 bytes." });
    this.#key = Buffer.from(key);
  }

  /** Encrypts `plain` for `aad`. Returns a new buffer in the sealed format. */
  seal(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(aad));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([SEALED_VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /**
   * Decrypts a blob made by {@link seal} with the same key and `aad`.
   * @throws `STORAGE_FAILED` ("credential could not be decrypted") for a wrong key, a different
   *   `aad`, an unknown version, a truncated or tampered blob.
   */
  open(sealed: Buffer, aad: string): Buffer {
    if (sealed.length < HEADER_BYTES || sealed[0] !== SEALED_VERSION) throw undecryptable();
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch (e) {
      throw undecryptable(e);
    }
  }
}

function additionalData(aad: string): Buffer {
  return Buffer.concat([Buffer.from([SEALED_VERSION]), Buffer.from(aad, "utf8")]);
}
