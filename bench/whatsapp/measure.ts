/**
 * One memory measurement of the current process: a full garbage collection (4 × `gc()`, each
 * followed by a turn of the event loop so that finalizers and weak callbacks run), then
 * `process.memoryUsage()` (bytes) and the number of open TCP sockets.
 */
import { join } from "node:path";
import { setImmediate as turn } from "node:timers/promises";
import { writeHeapSnapshot } from "node:v8";

export interface Usage {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  sockets: number;
}

export async function measure(gc: () => void): Promise<Usage> {
  for (let i = 0; i < 4; i++) {
    gc();
    await turn();
  }
  const m = process.memoryUsage();
  const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, sockets };
}

/** Writes a heap snapshot of this process to `<dir>/<name>.heapsnapshot`; answers the path. */
export function snapshot(dir: string, name: string): string {
  return writeHeapSnapshot(join(dir, `${name}.heapsnapshot`));
}
