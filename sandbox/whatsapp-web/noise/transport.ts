/**
 * The Noise transport phase: AES-256-GCM with one key and one message counter per direction, no
 * associated data. Nonce = 8 zero bytes ‖ counter (uint32 big-endian), counter from 0.
 * Source: Baileys rc14 lib/Utils/noise-handler.js `TransportState` and `finishInit` (the client's
 * write key is the first half of HKDF(salt = chaining key, ikm = empty), so the server's read key).
 */
import { aesGcmDecrypt, aesGcmEncrypt, counterIv } from "./crypto.js";

const NO_AAD = new Uint8Array(0);

export class TransportCipher {
  private writeCounter = 0;
  private readCounter = 0;

  /** `encryptKey` encrypts what this side sends; `decryptKey` decrypts what it receives (32 bytes each). */
  constructor(
    private readonly encryptKey: Uint8Array,
    private readonly decryptKey: Uint8Array,
  ) {}

  /** Ciphertext‖tag of the next outbound message. */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return aesGcmEncrypt(this.encryptKey, counterIv(this.writeCounter++), plaintext, NO_AAD);
  }

  /** Plaintext of the next inbound message; throws if it does not authenticate (the stream is then unusable). */
  decrypt(ciphertext: Uint8Array): Uint8Array {
    return aesGcmDecrypt(this.decryptKey, counterIv(this.readCounter++), ciphertext, NO_AAD);
  }
}
