import Sqlite from "better-sqlite3";
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

/** Rows of the `secrets` table of instance `name`, read from the SQLite file of data directory `dir` itself. */
export function storedSecretRows(dir: string, name: string): number {
  const db = new Sqlite(join(dir, "switchboard.db"), { readonly: true });
  try {
    return (db.prepare("select count(*) as n from secrets s join instances i on i.id = s.instance_id where i.name = ?").get(name) as { n: number }).n;
  } finally {
    db.close();
  }
}
