import Sqlite from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { openStore } from "../../src/store/open.js";
import { storeContract } from "./contract.js";
import { createInstanceRecord } from "../support/records.js";

const suiteDir = mkdtempSync(join(tmpdir(), "sb-sqlite-contract-"));
storeContract(
  "sqlite",
  () => openSqliteStore({ dataDir: suiteDir }),
  async () => rmSync(suiteDir, { recursive: true, force: true }),
);

/** Every file of `dir` (db, -wal, -shm, lock) as bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

describe("SQLite store specifics", () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = join(mkdtempSync(join(tmpdir(), "sb-sqlite-")), "data", "nested");
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(join(d, "..", ".."), { recursive: true, force: true });
  });

  it("creates the data dir (0700) and the database (0600) in WAL mode", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    try {
      expect(store.kind).toBe("sqlite");
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, "switchboard.db")).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, "gateway.lock")).mode & 0o777).toBe(0o600);
      const peek = new Sqlite(join(dir, "switchboard.db"), { readonly: true });
      try {
        expect(peek.pragma("journal_mode", { simple: true })).toBe("wal");
        const tables = peek.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
        expect(tables).toEqual(
          expect.arrayContaining(["instances", "secrets", "tokens", "status_history", "idempotency_keys", "switchboard_migrations"]),
        );
      } finally {
        peek.close();
      }
    } finally {
      await store.close();
    }
  });

  it("refuses a second store on the same data dir in the same process, and allows it after close", async () => {
    const dir = tempDir();
    const first = await openSqliteStore({ dataDir: dir });
    await expect(openSqliteStore({ dataDir: dir })).rejects.toMatchObject({
      code: "INVALID_STATE",
      message: expect.stringContaining("Another Switchboard gateway is already using the data directory"),
    });
    await first.close();
    const second = await openSqliteStore({ dataDir: dir });
    await second.close();
  });

  it("wipe leaves no byte of the deleted secrets in any database file", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    try {
      const inst = await createInstanceRecord(store, { name: "wipe-me", platform: "telegram" });
      const markers = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from(`MARKER-${i}-`), randomBytes(600)]));
      for (const [i, m] of markers.entries()) await store.secrets.put(inst.id, `k${i}`, m);
      await store.secrets.put(inst.id, "k0", markers[0]!); // a replaced version, too
      const seen = [...filesOf(dir).values()].some((bytes) => bytes.includes(markers[3]!));
      expect(seen).toBe(true); // the check below can see data at all

      expect(await store.secrets.wipe(inst.id)).toBe(20);
      for (const [file, bytes] of filesOf(dir)) {
        for (const m of markers) expect(bytes.includes(m.subarray(0, 64)), `${file} still holds a secret`).toBe(false);
      }
      expect(statSync(join(dir, "switchboard.db-wal")).size).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("dropSecrets also clears a QR or pairing code stored in plaintext by an older release", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir });
    const inst = await createInstanceRecord(store, { name: "old-rows", platform: "whatsapp-web" });
    await store.close();
    const raw = new Sqlite(join(dir, "switchboard.db"));
    const insert = raw.prepare("insert into events (id, instance_id, type, ts, envelope) values (?, ?, ?, ?, ?)");
    const row = (id: string, type: string, data: Record<string, unknown>): string =>
      JSON.stringify({ id, type, ts: 1, instance: "old-rows", data });
    insert.run("e-old-qr", inst.id, "instance.qr", 1, row("e-old-qr", "instance.qr", { qr: "2@PLAINREF,key", expiresAt: 9, attempt: 1 }));
    insert.run("e-old-code", inst.id, "instance.pairing_code", 2, row("e-old-code", "instance.pairing_code", { code: "PLAIN123", expiresAt: 9 }));
    insert.run("e-msg", inst.id, "message.received", 3, row("e-msg", "message.received", { text: "qr", code: "not a secret" }));
    raw.close();

    store = await openStore({ dataDir: dir });
    try {
      expect(await store.events.dropSecrets()).toBe(2);
      const peek = new Sqlite(join(dir, "switchboard.db"), { readonly: true });
      try {
        const rows = peek.prepare("select id, envelope from events order by seq").all() as Array<{ id: string; envelope: string }>;
        const data = rows.map((r) => (JSON.parse(r.envelope) as { data: unknown }).data);
        expect(data).toEqual([
          { qr: null, expiresAt: 9, attempt: 1 },
          { code: null, expiresAt: 9 },
          { text: "qr", code: "not a secret" },
        ]);
      } finally {
        peek.close();
      }
      expect(await store.events.dropSecrets()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("purge also leaves no byte of the instance's secrets in any database file", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    try {
      const inst = await createInstanceRecord(store, { name: "purge-me", platform: "telegram" });
      const marker = Buffer.concat([Buffer.from("PURGE-MARKER-"), randomBytes(300)]);
      await store.secrets.put(inst.id, "creds", marker);
      expect((await store.instances.purge(inst.id)).deleted).toBe(true);
      for (const bytes of filesOf(dir).values()) expect(bytes.includes(marker)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
