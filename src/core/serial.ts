/**
 * A FIFO mutex: `run(fn)` calls run one at a time, in call order. A rejected call does not block
 * the ones after it. Used per instance so verbs and connector reports never interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier call has settled; resolves or rejects with `fn`'s outcome. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
