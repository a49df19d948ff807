import type { UserFacingSocketConfig } from "baileys";
import type { ConnectorLogger } from "../../core/connector.js";

/** Baileys' logger interface (`ILogger`, not exported by the package index). */
export type ILogger = NonNullable<UserFacingSocketConfig["logger"]>;

/** Baileys' log levels, most verbose first. */
const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type BaileysLogLevel = (typeof LEVELS)[number] | "silent";

/**
 * Baileys' logger (pino-shaped {@link ILogger}) over the connector logger, quietened to `level`
 * (default `warn`: Baileys logs every frame at trace and its protocol chatter at info/debug).
 *
 * Baileys passes whole objects to its logger — binary nodes, handshake messages, key material at
 * trace level. Only the message string and, for errors, the error's class and message reach
 * `ctx.logger`; every other field is dropped, so no credential or key can be logged through here.
 * Baileys' `error` is logged as `warn`: Baileys reports what it handled itself (a failed pre-key
 * upload, a message it could not decrypt) as errors; what ends the session is logged by the session.
 */
export function baileysLogger(target: ConnectorLogger, level: BaileysLogLevel = "warn"): ILogger {
  const min = level === "silent" ? LEVELS.length : LEVELS.indexOf(level);
  const emit = (at: number, obj: unknown, msg?: string): void => {
    if (at < min) return;
    const fields: Record<string, unknown> = { component: "baileys" };
    const e = errorOf(obj);
    if (e) fields.err = e;
    const text = msg ?? (typeof obj === "string" ? obj : "baileys");
    if (at >= 3) target.warn(fields, text);
    else if (at === 2) target.info(fields, text);
    else target.debug(fields, text);
  };
  const logger: ILogger = {
    level: level === "silent" ? "silent" : level,
    child: () => logger,
    trace: (obj, msg) => emit(0, obj, msg),
    debug: (obj, msg) => emit(1, obj, msg),
    info: (obj, msg) => emit(2, obj, msg),
    warn: (obj, msg) => emit(3, obj, msg),
    error: (obj, msg) => emit(4, obj, msg),
  };
  return logger;
}

/** `{name, message}` of an Error found as the log object or its `err` / `error` field. */
function errorOf(obj: unknown): { name: string; message: string } | undefined {
  const candidates = [obj, (obj as { err?: unknown } | null)?.err, (obj as { error?: unknown } | null)?.error];
  const e = candidates.find((c): c is Error => c instanceof Error);
  return e ? { name: e.name, message: e.message.slice(0, 200) } : undefined;
}
