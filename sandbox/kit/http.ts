/**
 * The HTTP(S) server every sandbox runs on: listen on `host:port` (0: a free port), the base URL
 * clients use, a bounded close. A sandbox brings its request handler (its platform's API and its
 * control API under `/sandbox`) and, for WebSocket platforms, its upgrade handler. With `faults`,
 * every request and upgrade passes the sandbox's fault rules first (see faults.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Faults } from "./faults.js";

/** A PEM key and certificate. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

/** Options of {@link startSandboxServer}. */
export interface SandboxServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  onRequest: RequestListener;
  /** WebSocket (or other) upgrades; absent: every upgrade is refused with 404. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Serve HTTPS with this key and certificate. */
  tls?: TlsMaterial;
  /** Keep-alive timeout of idle connections, ms (default 65 000: longer than clients' 60 s long polls). */
  keepAliveTimeoutMs?: number;
  /** Fault rules checked before each request and upgrade. */
  faults?: Faults;
}

/** A listening sandbox server. */
export interface SandboxServer {
  server: Server;
  /** `http(s)://<host>:<port>` (an unspecified host is given as 127.0.0.1; IPv6 in brackets). */
  url: string;
  /** Stops accepting, cuts every open connection (long polls included) and resolves once closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox's server; resolves once it listens.
 * @throws the listen error (`EADDRINUSE`, `EACCES`).
 */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const faults = options.faults;
  // A fault plan that throws (e.g. on an unparsable request URL) answers 400 rather than leaving a rejection unhandled.
  const onRequest: RequestListener = faults
    ? (req, res) =>
        void faults.request(req, res, () => options.onRequest(req, res)).catch(() => {
          if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" }).end("Bad request");
          else res.destroy();
        })
    : options.onRequest;
  const server: Server = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const go = (): void => (options.onUpgrade ? options.onUpgrade(req, socket, head) : refuseUpgrade(socket, "404 Not Found"));
    if (faults) void faults.upgrade(req, socket, go).catch(() => socket.destroy());
    else go();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const unspecified = address.address === "0.0.0.0" || address.address === "::";
  const host = unspecified ? "127.0.0.1" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/**
 * Answers an upgrade that is refused with a plain HTTP error and closes the socket. Node's HTTP
 * server hands upgrade sockets over without its own `error` listener, so one is added here: a client
 * that resets the connection (ECONNRESET, EPIPE) must not become an uncaught exception.
 */
export function refuseUpgrade(socket: Duplex, status = "404 Not Found"): void {
  socket.on("error", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
