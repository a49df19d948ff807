/**
 * libsignal (the Signal implementation Baileys uses) writes session records — chain keys and root
 * keys included — to the global `console` ("Closing session: SessionEntry {…}", session_record.js,
 * session_builder.js, session_cipher.js in libsignal 6.0.0). Secrets must never reach the gateway's
 * output, so every console call whose caller is a libsignal file is dropped.
 *
 * Process-global and idempotent: installed once, the first time a WhatsApp Web connector is built.
 * Console calls from anywhere else pass through unchanged. Costs one stack capture per console call,
 * which are rare in the gateway (it logs through pino).
 */
const LIBSIGNAL_FILE = /[\\/]node_modules[\\/]libsignal[\\/]/;
const LEVELS = ["log", "info", "warn", "error", "debug"] as const;
/** Frames captured per console call (libsignal's call sites are a few frames deep). */
const STACK_DEPTH = 30;
let installed = false;

/** Drops console output written by libsignal. Idempotent; never throws. */
export function quietLibsignalConsole(): void {
  if (installed) return;
  installed = true;
  for (const level of LEVELS) {
    const original = console[level];
    console[level] = function (this: Console, ...args: unknown[]): void {
      // Every frame above this wrapper is checked, with enough depth, so a console wrapper installed
      // later (an APM, a test runner) between libsignal and this one does not hide the caller.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = STACK_DEPTH;
      const stack = new Error().stack ?? "";
      Error.stackTraceLimit = limit;
      if (stack.split("\n").slice(2).some((frame) => LIBSIGNAL_FILE.test(frame))) return;
      original.apply(this, args);
    };
  }
}
