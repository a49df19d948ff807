import type { RuntimeHooks } from "../../src/core/runtime.js";

/**
 * Runtime hooks for crash-recovery child processes: the logout stops forever at step `pauseAt` (after
 * printing `PAUSED <step>` on stdout), so the parent can SIGKILL the process there. No pause when
 * `pauseAt` is undefined.
 */
export function pauseLogoutAt(pauseAt: string | undefined): RuntimeHooks {
  return {
    logoutStep: (_name, step) => {
      if (step !== pauseAt) return;
      process.stdout.write(`PAUSED ${step}\n`);
      return new Promise<void>(() => {});
    },
  };
}
