/**
 * At most one run of an async task at a time, for reloads started by a timer and by the user: a call
 * while a run is pending starts nothing and resolves `undefined` at once (that tick is skipped). Pure:
 * no DOM, no timers.
 */
export function skipWhileRunning<T>(task: () => Promise<T>): () => Promise<T | undefined> {
  let running = false;
  return async () => {
    if (running) return undefined;
    running = true;
    try {
      return await task();
    } finally {
      running = false;
    }
  };
}
