import { pino, type Logger, type LoggerOptions } from "pino";

/**
 * Paths pino redacts in every log line: tokens, credentials, QR strings, pairing codes and cookies.
 * Contract: no secret reaches a log line through these keys, at the top level or one or two levels deep.
 */
export const REDACT_PATHS: readonly string[] = [
  "token",
  "*.token",
  "req.headers.authorization",
  "req.headers.token",
  "req.headers.apikey",
  'req.headers["x-api-key"]',
  "req.headers.cookie",
  // Browser WebSocket clients may carry the token as a subprotocol (`switchboard.token.<token>`).
  'req.headers["sec-websocket-protocol"]',
  'headers["sec-websocket-protocol"]',
  "headers.authorization",
  "headers.token",
  "headers.apikey",
  'headers["x-api-key"]',
  "credentials",
  "*.credentials",
  "*.*.credentials",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "qr",
  "*.qr",
  "status.qr",
  "*.status.qr",
  "status.code",
  "*.status.code",
  "pairingCode",
  "*.pairingCode",
  "cookies",
  "*.cookies",
  "login.input",
  "*.login.input",
];

/** Options for {@link createLogger}. `level` defaults to `info` (`LOG_LEVEL` overrides in `serve`). */
export interface LoggerConfig {
  level?: LoggerOptions["level"];
  /** Where to write; default stdout. Tests pass a stream to inspect lines. */
  destination?: NodeJS.WritableStream;
}

/** Creates the gateway's pino JSON logger with {@link REDACT_PATHS} applied (censor `"[redacted]"`). */
export function createLogger(cfg: LoggerConfig = {}): Logger {
  const opts: LoggerOptions = {
    level: cfg.level ?? "info",
    base: { service: "switchboard" },
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  };
  return cfg.destination ? pino(opts, cfg.destination) : pino(opts);
}

export type { Logger };
