/**
 * The server end of one WhatsApp Web connection below the stanza level: intro header and framing,
 * the Noise XX handshake, then encrypted transport frames. Independent of the WebSocket library:
 * bytes come in through {@link NoiseSession.receive}, go out through the `write` callback.
 *
 * Sequence (Baileys rc14 lib/Socket/socket.js `validateConnection`):
 *   client: intro header + frame(HandshakeMessage{clientHello{ephemeral}})
 *   server: frame(HandshakeMessage{serverHello{ephemeral, static, payload}})
 *   client: frame(HandshakeMessage{clientFinish{static, payload}})   → `onLogin(ClientPayload bytes)`
 *   then both: frame(AES-GCM(binary node)) → `onFrame(plaintext)`; `send(plaintext)` for the server's.
 * A malformed or unauthenticated handshake or frame calls `onError` once and the session stops
 * reading (the caller closes the socket).
 */
import { proto } from "../proto/index.js";
import type { KeyPair } from "./crypto.js";
import { FrameReader, type Intro, encodeFrame } from "./framing.js";
import { NoiseResponder } from "./handshake.js";
import type { TransportCipher } from "./transport.js";

export interface LoginInfo {
  /** The client's Noise static public key (32 bytes; Baileys `creds.noiseKey.public`). */
  clientStatic: Uint8Array;
  /** The encoded ClientPayload (registration or login). */
  payload: Uint8Array;
  /** What the intro header said (routing info of an "ED" header). */
  intro: Intro;
}

export interface NoiseSessionHandlers {
  /** Raw bytes to put on the wire (one WebSocket binary message). */
  write(bytes: Uint8Array): void;
  /** The handshake is complete; transport frames may be sent from now on. */
  onLogin(info: LoginInfo): void;
  /** One decrypted transport frame (an encoded binary node with its flags byte). */
  onFrame(plaintext: Uint8Array): void;
  /** The stream cannot continue (called once). */
  onError(error: Error): void;
}

export class NoiseSession {
  private readonly reader = new FrameReader();
  private readonly responder: NoiseResponder;
  private transport: TransportCipher | undefined;
  private state: "hello" | "finish" | "transport" | "failed" = "hello";

  constructor(
    serverStatic: KeyPair,
    certChain: Uint8Array,
    private readonly handlers: NoiseSessionHandlers,
  ) {
    this.responder = new NoiseResponder(serverStatic, certChain);
  }

  /** Whether the handshake has completed. */
  get established(): boolean {
    return this.state === "transport";
  }

  /** Feeds bytes received from the client (any split). */
  receive(chunk: Uint8Array): void {
    if (this.state === "failed") return;
    try {
      for (const frame of this.reader.push(chunk)) {
        if (this.failed()) return; // a handler may have failed the session meanwhile
        this.handleFrame(frame);
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Encrypts and sends one transport frame. Throws if the handshake is not complete. */
  send(plaintext: Uint8Array): void {
    if (!this.transport || this.state !== "transport") throw new Error("Noise transport not established");
    this.handlers.write(encodeFrame(this.transport.encrypt(plaintext)));
  }

  private handleFrame(frame: Uint8Array): void {
    switch (this.state) {
      case "hello": {
        const ephemeral = proto.HandshakeMessage.decode(frame).clientHello?.ephemeral;
        if (!ephemeral) throw new Error("first frame is not a ClientHello with an ephemeral key");
        const serverHello = this.responder.respond(ephemeral);
        this.state = "finish";
        this.handlers.write(encodeFrame(proto.HandshakeMessage.encode({ serverHello })));
        return;
      }
      case "finish": {
        const clientFinish = proto.HandshakeMessage.decode(frame).clientFinish;
        if (!clientFinish) throw new Error("second frame is not a ClientFinish");
        const result = this.responder.finish(clientFinish);
        this.transport = result.transport;
        this.state = "transport";
        this.handlers.onLogin({ clientStatic: result.clientStatic, payload: result.payload, intro: this.reader.intro ?? {} });
        return;
      }
      case "transport":
        this.handlers.onFrame(this.transport!.decrypt(frame));
        return;
      case "failed":
        return;
    }
  }

  private failed(): boolean {
    return this.state === "failed";
  }

  private fail(error: Error): void {
    if (this.state === "failed") return;
    this.state = "failed";
    this.handlers.onError(error);
  }
}
