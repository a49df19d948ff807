import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every byte of every file under `dir` (database, WAL, shared memory, key file), as latin1 text: to search for secrets at rest. */
export function rawFiles(dir: string): string {
  let all = "";
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else all += readFileSync(p).toString("latin1");
    }
  };
  walk(dir);
  return all;
}
