/**
 * The WebSocket server of the WhatsApp Web sandbox: accepts clients on `/ws/chat` (the path of
 * `wss://web.whatsapp.com/ws/chat`, Baileys' default `waWebSocketUrl`) over plain HTTP or TLS, runs a
 * {@link NoiseSession} per connection and answers the stanzas the sandbox implements so far:
 *
 * - registration login (ClientPayload without `username`) → one pair-device IQ with every QR ref
 *   (see pairing.ts); the client's `<iq type="result">` to it is accepted silently;
 * - a phone's scan (state.ts) → pair-success; the client's pair-device-sign → stream error 515;
 * - login with saved credentials (ClientPayload with `username` and `device`) → `<success>` and
 *   `<ib><offline count="0"/></ib>` if the phone has that device linked with that Noise key, else
 *   `<failure reason="401">`;
 * - keepalive `<iq type="get" xmlns="w:p"><ping/></iq>` → `<iq type="result" id=… from="s.whatsapp.net"/>`
 *   (Baileys rc14 lib/Socket/socket.js `startKeepAliveRequest`); before login only pairing stanzas and
 *   pings are admitted, other IQs get 401; after login a few IQs get built-in answers and the rest 501
 *   (handlers/session.ts).
 *
 * Every node the client sends is recorded (`Connection.received`).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, RequestListener, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import { type TlsMaterial, refuseUpgrade, startSandboxServer } from "../kit/http.js";
import { type WebSocket, WebSocketServer } from "ws";
import type { Clock } from "../kit/clock.js";
import { type BinaryNode, S_WHATSAPP_NET, decodeNode, encodeNode } from "./binary/index.js";
import type { SandboxCertificates } from "./certs.js";
import { type LoginInfo, NoiseSession } from "./noise/session.js";
import { QrRefs, type QrSchedule, scheduleForQuery } from "./pairing.js";
import type { LinkedDevice, PairSuccess, SandboxPhone } from "./phone.js";
import { SandboxError, type SandboxState } from "./state.js";
import { type ClientPayload, proto } from "./proto/index.js";
import { deliverOffline, handleEncryptIq, handleMessageStanzas, handleUsyncIq } from "./handlers/index-messages.js";
import { seedDeviceKeys } from "./handlers/keys.js";
import { handlePairingCode } from "./handlers/pairing-code.js";
import { faultsOf } from "./faults.js";
import { deviceSessionHooks, handleRemoveCompanionDevice } from "./handlers/devices.js";
import { admitBeforeLogin, answerIq } from "./handlers/session.js";

/** The WebSocket path clients connect to. */
export const CHAT_PATH = "/ws/chat";

export interface ServerEnv {
  certs: SandboxCertificates;
  clock: Clock;
  qr: QrSchedule;
  state: SandboxState;
  /** Where the server reports protocol errors of a connection (default: nothing). */
  log: (line: string) => void;
}

/**
 * A stanza handler of one area (`handlers/<area>.ts`): called with every node the client sends after
 * the handshake, before the built-in answers of {@link Connection}; returns true when it took the
 * node (then nothing else sees it). Nodes of one connection are dispatched one at a time, in order.
 */
export type StanzaHandler = (conn: Connection, node: BinaryNode) => boolean | Promise<boolean>;

/** The registered stanza handlers, checked in order. Registration: one line per area. */
const STANZA_HANDLERS: StanzaHandler[] = [
  handleEncryptIq, handleUsyncIq, handleMessageStanzas,
  handlePairingCode,
  handleRemoveCompanionDevice,
];

/**
 * Session hooks of one area: `login` runs right after `<success>` was sent to a connection (its
 * `loggedIn` is set), `close` when a connection that had logged in closes (either side). Both are
 * synchronous and must not throw.
 */
export interface SessionHooks {
  login?(conn: Connection): void;
  close?(conn: Connection): void;
}

/** The registered session hooks, called in order. Registration: one line per area. */
const SESSION_HOOKS: SessionHooks[] = [
  deviceSessionHooks,
];

/**
 * The largest WebSocket message the server reads (bytes): one Noise frame of the largest size its
 * 3-byte length allows, plus its header and the intro (our bound). A larger message closes the
 * connection (ws: close code 1009).
 */
export const MAX_WS_PAYLOAD = (1 << 24) + 16;
/** Nodes kept in {@link Connection.received} (the oldest are dropped beyond this). */
export const MAX_RECEIVED_NODES = 1000;

/** How long the sandbox waits for the client's pair-device-sign after pair-success (ms, real time). */
const PAIR_SIGN_TIMEOUT_MS = 10_000;

/** One client connection as the sandbox sees it. */
export class Connection {
  /** The nodes the client sent after the handshake, in order: the last {@link MAX_RECEIVED_NODES}. */
  readonly received: BinaryNode[] = [];
  /** The ClientPayload of the handshake, once it completed. */
  payload: ClientPayload | undefined;
  /** The client's Noise static public key, once the handshake completed. */
  clientStatic: Uint8Array | undefined;
  /** The QR refs sent to this connection (registration logins only). */
  qrRefs: QrRefs | undefined;
  /** The keys of a registration login: what a scanned QR must show. */
  registration: { noiseKey: Uint8Array; identityKey: Uint8Array } | undefined;
  /** The phone and device this connection is logged in as (after `<success>`). */
  loggedIn: { phone: SandboxPhone; device: LinkedDevice } | undefined;
  private pendingPair: { id: string; phone: SandboxPhone; device: number; done: (ok: boolean) => void } | undefined;
  private readonly session: NoiseSession;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  /** The dispatch of the nodes received so far (keeps them in order across async handlers). */
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    private readonly ws: WebSocket,
    /** The server's environment (state, clock, certificates), for the stanza handlers. */
    readonly env: ServerEnv,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.session = new NoiseSession(env.certs.serverStatic, env.certs.chain, {
      write: (bytes) => faultsOf(env.state).deliver(this, () => this.closed || this.ws.send(bytes)),
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

  /** Sends `<stream:error code=…>` (Baileys maps the code to its DisconnectReason) and closes. */
  streamError(code: number, child?: BinaryNode): void {
    if (this.closed) return;
    this.sendNode({ tag: "stream:error", attrs: { code: String(code) }, ...(child ? { content: [child] } : {}) });
    this.close();
  }

  /** Destroys the socket at once: no stream error, no WebSocket close frame (faults.ts `drop`). */
  drop(): void {
    if (this.closed) return;
    this.ws.terminate();
    this.finish();
  }

  /** Closes the WebSocket (no stream error). */
  close(): void {
    if (this.closed) return;
    this.ws.close();
    this.finish();
  }

  /**
   * Sends pair-success for `pair` (see phone.ts) and resolves true once the client's
   * pair-device-sign verifies (then the server sends stream error 515, "restart required", as the
   * real server does), false if it does not verify, the socket closes, or 10 s pass. Throws
   * SandboxError 409 `pairing_in_progress` while another pair-success awaits its answer
   * (callers check {@link pairPending} before linking, so this is a last guard).
   */
  pairSuccess(phone: SandboxPhone, pair: PairSuccess): Promise<boolean> {
    if (this.pendingPair) {
      phone.devices.delete(pair.device.device);
      throw new SandboxError(409, "pairing_in_progress", "this client is being linked already");
    }
    const id = newStanzaId();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settlePair(false, id), PAIR_SIGN_TIMEOUT_MS);
      this.pendingPair = {
        id,
        phone,
        device: pair.device.device,
        done: (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      this.sendNode({
        tag: "iq",
        attrs: { from: S_WHATSAPP_NET, type: "set", id, xmlns: "md", t: String(Math.floor(this.env.clock.now() / 1000)) },
        content: [
          {
            tag: "pair-success",
            attrs: {},
            content: [
              { tag: "device-identity", attrs: { "key-index": String(pair.device.keyIndex) }, content: pair.deviceIdentity },
              { tag: "platform", attrs: { name: phone.platform } },
              { tag: "device", attrs: { jid: pair.device.jid, lid: pair.device.lid } },
            ],
          },
        ],
      });
    });
  }

  /**
   * Whether a pair-success was sent and the client's pair-device-sign is still awaited: a second
   * scan or code entry for this connection is refused meanwhile (409 `pairing_in_progress`, state.ts).
   */
  get pairPending(): boolean {
    return this.pendingPair !== undefined;
  }

  /** Settles the pending pair (only the one with stanza id `id`, when given). */
  private settlePair(ok: boolean, id?: string): void {
    const pending = this.pendingPair;
    if (!pending || (id !== undefined && pending.id !== id)) return;
    this.pendingPair = undefined;
    if (!ok) pending.phone.devices.delete(pending.device);
    pending.done(ok);
  }

  /**
   * Calls `listener` once when this connection closes (either side; at once if it has closed
   * already). For waits that must not outlive the connection (messaging.ts `waitFor`,
   * handlers/pairing-code.ts). Listeners must not throw.
   */
  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private finish(): void {
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
    this.settlePair(false);
    this.onClose(this);
    if (this.loggedIn) for (const hooks of SESSION_HOOKS) hooks.close?.(this);
  }

  private login(info: LoginInfo): void {
    this.clientStatic = info.clientStatic;
    this.payload = proto.ClientPayload.decode(info.payload);
    if (this.payload.username === undefined) {
      const identityKey = this.payload.devicePairingData?.eIdent;
      if (!identityKey) {
        this.env.log("whatsapp-web sandbox: registration without devicePairingData.eIdent; closing");
        this.close();
        return;
      }
      this.registration = { noiseKey: info.clientStatic, identityKey };
      this.qrRefs = new QrRefs(this.env.clock.now(), this.env.qr);
      this.sendNode({
        tag: "iq",
        attrs: { from: S_WHATSAPP_NET, type: "set", id: newStanzaId(), xmlns: "md" },
        content: [{ tag: "pair-device", attrs: {}, content: this.qrRefs.refs.map((ref) => refNode(ref)) }],
      });
      return;
    }
    const phone = this.env.state.phoneByNumber(String(this.payload.username));
    const device = phone?.deviceFor(this.payload.device ?? 0, info.clientStatic);
    if (!phone || !device) {
      // Unknown account or device, or another Noise key: the device is not (or no longer) linked.
      this.sendNode({ tag: "failure", attrs: { reason: "401", location: "sandbox" } });
      this.close();
      return;
    }
    this.loggedIn = { phone, device };
    this.sendNode({ tag: "success", attrs: { t: String(Math.floor(this.env.clock.now() / 1000)), lid: device.lid, location: "sandbox" } });
    for (const hooks of SESSION_HOOKS) hooks.login?.(this);
    // What came while the device was offline, then the end of the offline queue with its count, as
    // the real server sends them after <success>: Baileys rc14 lib/Socket/socket.js `CB:ib,,offline`
    // flushes the events it buffered since connecting and emits connection.update
    // {receivedPendingNotifications: true}.
    const count = deliverOffline(this);
    this.sendNode({ tag: "ib", attrs: { from: S_WHATSAPP_NET }, content: [{ tag: "offline", attrs: { count: String(count) } }] });
  }

  private frame(plaintext: Uint8Array): void {
    const node = decodeNode(plaintext);
    this.received.push(node);
    if (this.received.length > MAX_RECEIVED_NODES) this.received.splice(0, this.received.length - MAX_RECEIVED_NODES);
    this.inbox = this.inbox
      .then(() => this.dispatch(node))
      .catch((error: unknown) => this.env.log(`whatsapp-web sandbox: a stanza handler failed: ${(error as Error).message}`));
  }

  private async dispatch(node: BinaryNode): Promise<void> {
    if (!this.loggedIn && !admitBeforeLogin(this, node)) return;
    for (const handle of STANZA_HANDLERS) if (await handle(this, node)) return;
    if (node.tag !== "iq") return;
    const id = node.attrs.id ?? "";
    if (this.pendingPair && id === this.pendingPair.id) {
      const sign = childOf(childOf(node, "pair-device-sign"), "device-identity");
      const ok = node.attrs.type === "result" && sign?.content instanceof Uint8Array && this.pendingPair.phone.confirm(this.pendingPair.device, sign.content);
      const pending = this.pendingPair;
      this.settlePair(ok);
      const linked = ok ? pending.phone.devices.get(pending.device) : undefined;
      if (linked) seedDeviceKeys(this, linked);
      if (ok) this.streamError(515);
      else pending.phone.devices.delete(pending.device);
      return;
    }
    if (node.attrs.type === "get" || node.attrs.type === "set") answerIq(this, node);
  }
}

function childOf(node: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return Array.isArray(node?.content) ? node.content.find((c) => c.tag === tag) : undefined;
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
export type { TlsMaterial } from "../kit/http.js";

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
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  const connections = env.state.connections;
  // Refused upgrades: another path than CHAT_PATH (404), a malformed `qrTimeoutMs` (400).
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    if (url.pathname !== CHAT_PATH) {
      refuseUpgrade(socket);
      return;
    }
    // A client that shows QR codes for another time than WhatsApp Web's says so in the URL.
    const qr = scheduleForQuery(env.qr, url.searchParams);
    if (!qr) {
      refuseUpgrade(socket, "400 Bad Request");
      return;
    }
    const connEnv = qr === env.qr ? env : { ...env, qr };
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.add(new Connection(ws, connEnv, (c) => connections.delete(c)));
    });
  };
  const server = await startSandboxServer({ host: options.host, port: options.port, onRequest, onUpgrade, ...(options.tls ? { tls: options.tls } : {}) });
  const http = server.server;
  return {
    http,
    connections,
    async close() {
      for (const c of connections) c.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await server.close();
    },
  };
}
