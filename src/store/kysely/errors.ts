import { err, isSwitchboardError, type SwitchboardError } from "../../core/errors.js";

/** The engine's error code (`SQLITE_BUSY`, Postgres SQLSTATE `23505`…) when it looks like one. */
export function engineCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,48}$/.test(code) ? code : undefined;
}

/**
 * Turns anything thrown by a database call into a `SwitchboardError`. `SwitchboardError`s pass
 * through; anything else becomes `STORAGE_FAILED` whose message names only the operation and the
 * engine's error code (never values, which could be secrets); the original error is kept as `cause`.
 */
export function toStorageError(op: string, e: unknown): SwitchboardError {
  if (isSwitchboardError(e)) return e;
  const code = engineCode(e);
  return err("STORAGE_FAILED", {
    message: `The store failed during ${op}${code ? ` (${code})` : ""}.`,
    details: code ? { op, code } : { op },
    cause: e,
  });
}

/** Runs `fn`, rethrowing failures through {@link toStorageError}. */
export async function guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStorageError(op, e);
  }
}
