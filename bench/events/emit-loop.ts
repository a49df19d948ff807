/**
 * The emission loop both pipelines of bench/events run (`gateway-proc.ts`, `bare-proc.ts`): `count`
 * events at `rate` per second (0: as fast as `emit` resolves), in batches of at most `batchMax`. At
 * a rate, the loop wakes every millisecond and hands in what is due by then (about 1 event per batch
 * at 1 000/s, 10 at 10 000/s), as a connector reading a socket does. `emit(n)` hands in `n` events
 * and resolves once they are stored.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** `performance.timeOrigin + performance.now()`: ms, comparable across the bench's processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export async function emitLoop(rate: number, count: number, batchMax: number, emit: (n: number) => Promise<void>): Promise<{ start: number; end: number; batches: number }> {
  const start = now();
  let emitted = 0;
  let batches = 0;
  while (emitted < count) {
    const due = rate > 0 ? Math.min(count, Math.floor(((now() - start) * rate) / 1000) + 1) - emitted : count - emitted;
    if (due <= 0) {
      await sleep(Math.max(0, start + (emitted * 1000) / rate - now()));
      continue;
    }
    const n = Math.min(due, batchMax);
    await emit(n);
    emitted += n;
    batches++;
    if (rate > 0) await sleep(1);
  }
  return { start, end: now(), batches };
}
