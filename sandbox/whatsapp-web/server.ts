/**
 * The WebSocket server of the WhatsApp Web sandbox: accepts clients on `/ws/chat` (the path of
 * `wss://web.whatsapp.com/ws/chat`, Baileys' default `waWebSocketUrl`) over plain HTTP or TLS, runs a
 * {@link NoiseSession} per connection and answers the stanzas the sandbox implements so far:
 *
 * - registration login (ClientPayload without `username`) → one pair-device IQ with every QR ref
 *   (see pairing.ts); the client's `<iq type="result">` to it is accepted silently;
 * - keepalive `<iq type="get" xmlns="w:p"><ping/></iq>` → `<iq type="result" id=… from="s.whatsapp.net"/>`
 *   (Baileys rc14 lib/Socket/socket.js `startKeepAliveRequest`).
 *
 * Anything else the client sends is recorded (`Connection.received`) and not answered.
 */
import { randomBytes } from "node:crypto";
import { type IncomingMessage, type RequestListener, type Server as HttpServer, createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Clock } from "../telegram/clock.js";
import { type BinaryNode, S_WHATSAPP_NET, decodeNode, encodeNode } from "./binary/index.js";
import type { SandboxCertificates } from "./certs.js";
import { type LoginInfo, NoiseSession } from "./noise/session.js";
import { QrRefs, type QrSchedule } from "./pairing.js";
import { type ClientPayload, proto } from "./proto/index.js";

/** The WebSocket path clients connect to. */
export const CHAT_PATH = "/ws/chat";

export interface ServerEnv {
  certs: SandboxCertificates;
  clock: Clock;
  qr: QrSchedule;
  /** Where the server reports protocol errors of a connection (default: nothing). */
  log: (line: string) => void;
}

/** One client connection as the sandbox sees it. */
export class Connection {
  /** Every node the client sent after the handshake, in order. */
  readonly received: BinaryNode[] = [];
  /** The ClientPayload of the handshake, once it completed. */
  payload: ClientPayload | undefined;
  /** The client's Noise static public key, once the handshake completed. */
  clientStatic: Uint8Array | undefined;
  /** The QR refs sent to this connection (registration logins only). */
  qrRefs: QrRefs | undefined;
  private readonly session: NoiseSession;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly env: ServerEnv,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.session = new NoiseSession(env.certs.serverStatic, env.certs.chain, {
      write: (bytes) => this.ws.send(bytes),
      onLogin: (info) => this.login(info),
      onFrame: (plaintext) => this.frame(plaintext),
      onError: (error) => {
        this.env.log(`whatsapp-web sandbox: closing a connection: ${error.message}`);
        this.close();
      },
    });
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => this.session.receive(toBytes(data)));
    ws.on("close", () => this.closed || this.finish());
    ws.on("error", () => this.close());
  }

  /** Encodes and sends one node. Throws if the handshake has not completed. */
  sendNode(node: BinaryNode): void {
    this.session.send(encodeNode(node));
  }

  /** Closes the WebSocket (no stream error). */
  close(): void {
    if (this.closed) return;
    this.ws.close();
    this.finish();
  }

  private finish(): void {
    this.closed = true;
    this.onClose(this);
  }

  private login(info: LoginInfo): void {
    this.clientStatic = info.clientStatic;
    this.payload = proto.ClientPayload.decode(info.payload);
    if (this.payload.username === undefined) {
      this.qrRefs = new QrRefs(this.env.clock.now(), this.env.qr);
      this.sendNode({
        tag: "iq",
        attrs: { from: S_WHATSAPP_NET, type: "set", id: newStanzaId(), xmlns: "md" },
        content: [{ tag: "pair-device", attrs: {}, content: this.qrRefs.refs.map((ref) => refNode(ref)) }],
      });
    } else {
      // Login with saved credentials: not implemented yet (issue 5, step 3).
      this.env.log(`whatsapp-web sandbox: login of ${this.payload.username}:${this.payload.device ?? 0} not implemented; closing`);
      this.close();
    }
  }

  private frame(plaintext: Uint8Array): void {
    const node = decodeNode(plaintext);
    this.received.push(node);
    if (node.tag === "iq" && node.attrs.type === "get" && node.attrs.xmlns === "w:p") {
      this.sendNode({ tag: "iq", attrs: { id: node.attrs.id ?? "", type: "result", from: S_WHATSAPP_NET } });
    }
  }
}

function refNode(ref: string): BinaryNode {
  return { tag: "ref", attrs: {}, content: new TextEncoder().encode(ref) };
}

/** A fresh stanza id for server-initiated IQs (our format: 16 hex digits). */
export function newStanzaId(): string {
  return randomBytes(8).toString("hex");
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** TLS material for `wss://`: PEM strings. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

export interface RunningServer {
  http: HttpServer;
  /** The connections open now. */
  connections: Set<Connection>;
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0: any free one). With `tls`, the server speaks HTTPS/WSS.
 * `onRequest` serves plain HTTP requests (the control API); WebSocket upgrades on other paths than
 * {@link CHAT_PATH} are refused with 404.
 */
export async function startServer(
  env: ServerEnv,
  options: { host: string; port: number; tls?: TlsMaterial | undefined; onRequest?: RequestListener | undefined },
): Promise<RunningServer> {
  const onRequest: RequestListener = options.onRequest ?? ((_req, res) => res.writeHead(404).end());
  const http: HttpServer = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest);
  const wss = new WebSocketServer({ noServer: true });
  const connections = new Set<Connection>();
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://sandbox").pathname;
    if (path !== CHAT_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.add(new Connection(ws, env, (c) => connections.delete(c)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  return {
    http,
    connections,
    async close() {
      for (const c of connections) c.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
