/**
 * A local server speaking the WhatsApp Web multi-device protocol far enough for the pinned Baileys
 * client (see docs/sandbox-whatsapp-web.md).
 *
 * ```ts
 * import { WA_CERT_DETAILS, makeWASocket } from "baileys";
 * const sandbox = await startWhatsAppWebSandbox({ port: 0 });
 * WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(sandbox.rootPublicKey); // trust the sandbox's root
 * const sock = makeWASocket({ waWebSocketUrl: sandbox.wsUrl, auth, … });
 * ```
 */
import { type Clock, createSystemClock } from "../kit/clock.js";
import { type SandboxCertificates, createCertificates } from "./certs.js";
import type { KeyPair } from "./noise/crypto.js";
import type { QrSchedule } from "./pairing.js";
import { CHAT_PATH, type Connection, type TlsMaterial, startServer } from "./server.js";
import { createSelfSignedTls } from "./tls.js";
import { faultsOf } from "./faults.js";
import { controlHandler } from "./control.js";
import type { PhoneInfo } from "./phone.js";
import { type CreatePhoneInput, SandboxState } from "./state.js";

export { createManualClock, createSystemClock, type Clock } from "../kit/clock.js";
export { QR_FIRST_TTL_MS, QR_NEXT_TTL_MS, QR_REF_COUNT, QR_SCAN_GRACE_MS, QR_TIMEOUT_PARAM, parseQr, type QrData, type QrSchedule } from "./pairing.js";
export type { Connection, TlsMaterial } from "./server.js";
export { createSelfSignedTls } from "./tls.js";
export { SandboxError, type CreatePhoneInput } from "./state.js";
export type { PhoneInfo } from "./phone.js";

export interface WhatsAppWebSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /**
   * `true`: speak wss:// with a self-signed certificate generated at start (see tls.ts; clients
   * trust {@link WhatsAppWebSandbox.tlsCert}); a PEM key and certificate: use those. Default: plain ws://.
   */
  tls?: true | TlsMaterial;
  /** The clock of every time rule (QR ref lifetimes). Default: wall time. */
  clock?: Clock;
  /**
   * QR ref count, lifetimes and scan grace (default: 6 refs, 60 s then 20 s each, a ref still scans
   * 1 s after its expiry). A connection to `/ws/chat?qrTimeoutMs=<n>` shows every ref for n ms
   * instead (a client with Baileys' `qrTimeout: n`).
   */
  qr?: QrSchedule;
  /** A fixed root key pair of the certificate chain (default: a fresh one per start). */
  rootKey?: KeyPair;
  /** Where protocol errors are reported (default: nothing). */
  log?: (line: string) => void;
}

export interface WhatsAppWebSandbox {
  /** Base URL, e.g. "http://127.0.0.1:40123" (https with `tls`). */
  url: string;
  /** The value for Baileys' `waWebSocketUrl`, e.g. "ws://127.0.0.1:40123/ws/chat". */
  wsUrl: string;
  /** The PEM certificate of the wss:// endpoint (with `tls`), e.g. for `new https.Agent({ ca: tlsCert })`. */
  tlsCert?: string;
  /** 32 bytes: the root public key to put into Baileys' `WA_CERT_DETAILS.PUBLIC_KEY`. */
  rootPublicKey: Uint8Array;
  /** The certificate chain and server static key in use. */
  certs: SandboxCertificates;
  clock: Clock;
  /** The client connections open now. */
  connections(): Connection[];
  /** Creates a phone (an account); see control.ts for the HTTP form. */
  createPhone(input?: CreatePhoneInput): PhoneInfo;
  /** The phone `id` and its linked devices. */
  phone(id: string): PhoneInfo;
  /** The phone scans a QR string; resolves once the client is linked (see SandboxState.scan). */
  scan(phoneId: string, qr: string): Promise<{ jid: string; lid: string }>;
  /** The sandbox's world (phones, connections; messaging.ts and faults.ts hang off it), for in-process tests. */
  state: SandboxState;
  /** Closes every connection and the server; timers of writes held back by a `delay` fault are cleared. */
  close(): Promise<void>;
}

/** Starts the sandbox; resolves once it listens. */
export async function startWhatsAppWebSandbox(options: WhatsAppWebSandboxOptions = {}): Promise<WhatsAppWebSandbox> {
  const clock = options.clock ?? createSystemClock();
  const certs = createCertificates({ ...(options.rootKey ? { root: options.rootKey } : {}), notBefore: Math.floor(clock.now() / 1000) });
  const host = options.host ?? "127.0.0.1";
  // The TLS certificate is dated by wall time: TLS clients check validity against their own clock.
  const tls = options.tls === true ? createSelfSignedTls([host]) : options.tls;
  const state = new SandboxState(clock);
  const server = await startServer(
    { certs, clock, qr: options.qr ?? {}, state, log: options.log ?? (() => {}) },
    { host, port: options.port ?? 0, tls, onRequest: controlHandler(state) },
  );
  const address = server.http.address();
  const port = typeof address === "object" && address ? address.port : options.port ?? 0;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const url = `${tls ? "https" : "http"}://${hostPart}:${port}`;
  const wsUrl = `${tls ? "wss" : "ws"}://${hostPart}:${port}${CHAT_PATH}`;
  return {
    url,
    wsUrl,
    ...(tls ? { tlsCert: tls.cert } : {}),
    rootPublicKey: certs.rootPublicKey,
    certs,
    clock,
    connections: () => [...server.connections],
    createPhone: (input) => state.createPhone(input),
    phone: (id) => state.phone(id).info(),
    scan: (phoneId, qr) => state.scan(phoneId, qr),
    state,
    close: async () => {
      faultsOf(state).close();
      await server.close();
    },
  };
}
