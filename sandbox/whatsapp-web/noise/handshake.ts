/**
 * The responder (server) side of Noise_XX_25519_AESGCM_SHA256 as WhatsApp Web runs it.
 * Source: Baileys rc14 lib/Utils/noise-handler.js (`makeNoiseHandler`, `processHandshake`,
 * `finishInit`) and lib/Socket/socket.js `validateConnection`; the mirror image of the client.
 *
 * Symmetric state: h = ck = k = the 32-byte protocol name "Noise_XX_25519_AESGCM_SHA256\0\0\0\0";
 * MixHash(x): h = SHA-256(h ‖ x); MixKey(ikm): (ck, k) = HKDF-SHA256(salt ck, ikm, info "", 64 bytes),
 * n = 0. Encrypt/Decrypt during the handshake: AES-256-GCM(k, nonce n++, aad h), then MixHash(ciphertext).
 *
 *   prologue:  MixHash("WA" 6 3), MixHash(client e)
 *   <- e                                           (ClientHello.ephemeral, 32 bytes)
 *   -> e, ee, s, es, payload                       (ServerHello {ephemeral, static, payload=CertChain})
 *   <- s, se, payload                              (ClientFinish {static=client noise key, payload=ClientPayload})
 *   split: HKDF(salt ck, ikm empty, 64) = (client→server key, server→client key)
 *
 * Note the counter: after `es` the server encrypts the payload with n = 0 and decrypts the client's
 * static key with n = 1 (one key for both directions during the handshake).
 */
import { type KeyPair, aesGcmDecrypt, aesGcmEncrypt, counterIv, generateKeyPair, hkdf, sha256, sharedKey } from "./crypto.js";
import { WA_INTRO_HEADER } from "./framing.js";
import { TransportCipher } from "./transport.js";

/** "Noise_XX_25519_AESGCM_SHA256" padded with NULs to 32 bytes (Baileys NOISE_MODE). */
export const NOISE_PROTOCOL_NAME = new TextEncoder().encode("Noise_XX_25519_AESGCM_SHA256\0\0\0\0");

export class HandshakeError extends Error {
  override readonly name = "HandshakeError";
}

/** What the server sends in its ServerHello (fields of proto HandshakeMessage.ServerHello). */
export interface ServerHelloFields {
  ephemeral: Uint8Array;
  /** The server's static public key, encrypted. */
  static: Uint8Array;
  /** The encoded CertChain, encrypted. */
  payload: Uint8Array;
}

/** The result of a completed handshake. */
export interface HandshakeResult {
  /** The client's static public key (Baileys `creds.noiseKey.public`, 32 bytes). */
  clientStatic: Uint8Array;
  /** The decrypted ClientPayload bytes. */
  payload: Uint8Array;
  transport: TransportCipher;
}

class SymmetricState {
  h: Uint8Array = NOISE_PROTOCOL_NAME;
  ck: Uint8Array = NOISE_PROTOCOL_NAME;
  k: Uint8Array = NOISE_PROTOCOL_NAME;
  n = 0;

  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  mixKey(ikm: Uint8Array): void {
    const out = hkdf(ikm, this.ck, 64);
    this.ck = out.slice(0, 32);
    this.k = out.slice(32);
    this.n = 0;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    const c = aesGcmEncrypt(this.k, counterIv(this.n++), plaintext, this.h);
    this.mixHash(c);
    return c;
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    let p: Uint8Array;
    try {
      p = aesGcmDecrypt(this.k, counterIv(this.n++), ciphertext, this.h);
    } catch (cause) {
      throw new HandshakeError("handshake message does not authenticate", { cause });
    }
    this.mixHash(ciphertext);
    return p;
  }

  split(): [Uint8Array, Uint8Array] {
    const out = hkdf(new Uint8Array(0), this.ck, 64);
    return [out.slice(0, 32), out.slice(32)];
  }
}

/**
 * One server-side handshake. Call {@link respond} with the client's ephemeral key, send the
 * returned ServerHello, then call {@link finish} with the ClientFinish. Each step once, in order;
 * anything else throws {@link HandshakeError}.
 */
export class NoiseResponder {
  private readonly state = new SymmetricState();
  private readonly ephemeral: KeyPair;
  private step: "hello" | "finish" | "done" = "hello";

  /**
   * @param staticKey the server's static key pair (its public half is the leaf certificate's key)
   * @param certChain the encoded proto CertChain sent as the ServerHello payload
   * @param ephemeral for tests only: a fixed ephemeral key pair
   */
  constructor(
    private readonly staticKey: KeyPair,
    private readonly certChain: Uint8Array,
    ephemeral?: KeyPair,
  ) {
    this.ephemeral = ephemeral ?? generateKeyPair();
    this.state.mixHash(WA_INTRO_HEADER);
  }

  respond(clientEphemeral: Uint8Array): ServerHelloFields {
    if (this.step !== "hello") throw new HandshakeError("ServerHello already sent");
    if (clientEphemeral.length !== 32) throw new HandshakeError(`client ephemeral key has ${clientEphemeral.length} bytes, not 32`);
    const s = this.state;
    s.mixHash(clientEphemeral);
    s.mixHash(this.ephemeral.public);
    s.mixKey(sharedKey(this.ephemeral.private, clientEphemeral)); // ee
    const encStatic = s.encrypt(this.staticKey.public);
    s.mixKey(sharedKey(this.staticKey.private, clientEphemeral)); // es
    const payload = s.encrypt(this.certChain);
    this.step = "finish";
    return { ephemeral: this.ephemeral.public, static: encStatic, payload };
  }

  finish(clientFinish: { static?: Uint8Array; payload?: Uint8Array }): HandshakeResult {
    if (this.step !== "finish") throw new HandshakeError(this.step === "hello" ? "ClientFinish before ClientHello" : "handshake already finished");
    if (!clientFinish.static || !clientFinish.payload) throw new HandshakeError("ClientFinish without static or payload");
    const s = this.state;
    const clientStatic = s.decrypt(clientFinish.static);
    if (clientStatic.length !== 32) throw new HandshakeError(`client static key has ${clientStatic.length} bytes, not 32`);
    s.mixKey(sharedKey(this.ephemeral.private, clientStatic)); // se
    const payload = s.decrypt(clientFinish.payload);
    const [clientToServer, serverToClient] = s.split();
    this.step = "done";
    return { clientStatic, payload, transport: new TransportCipher(serverToClient, clientToServer) };
  }
}
