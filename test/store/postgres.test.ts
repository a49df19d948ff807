import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import { openStore } from "../../src/store/open.js";
import { createInstanceRecord } from "../support/records.js";
import { storeContract } from "./contract.js";

const url = process.env.SWITCHBOARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schemas: string[] = [];

/** A fresh, randomly named schema; dropped with {@link dropSchema}. */
function newSchema(): string {
  const s = `sb_test_${randomBytes(6).toString("hex")}`;
  schemas.push(s);
  return s;
}

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await withClient((c) => c.query(`drop schema if exists "${schema}" cascade`));
}

const contractSchema = newSchema();
storeContract(
  "postgres",
  () => openPostgresStore({ url, schema: contractSchema }),
  () => dropSchema(contractSchema),
);

describe("Postgres store specifics", () => {
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it("keeps its tables in the given schema only", async () => {
    const schema = newSchema();
    const store = await openStore({ dataDir: "/nonexistent-unused", databaseUrl: url, databaseSchema: schema });
    try {
      expect(store.kind).toBe("postgres");
      const tables = await withClient(async (c) => {
        const r = await c.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = $1 order by table_name",
          [schema],
        );
        return r.rows.map((x) => x.table_name);
      });
      expect(tables).toEqual([
        "connector_state",
        "events",
        "idempotency_keys",
        "instances",
        "secrets",
        "status_history",
        "switchboard_migrations",
        "switchboard_migrations_lock",
        "tokens",
        "webhook_attempts",
        "webhook_deliveries",
        "webhooks",
      ]);
    } finally {
      await store.close();
    }
  });

  it("returns bigint columns as numbers without touching pg's global type parsers", async () => {
    const schema = newSchema();
    const store = await openStore({ dataDir: "/unused", databaseUrl: url, databaseSchema: schema });
    try {
      const createdAt = 1_700_000_000_123;
      const rec = await createInstanceRecord(store, { name: "big", createdAt });
      const back = await store.instances.getById(rec.id);
      expect(back?.createdAt).toBe(createdAt);
      expect(typeof back?.updatedAt).toBe("number");
      expect(pg.types.getTypeParser(pg.types.builtins.INT8, "text")("12")).toBe("12");
    } finally {
      await store.close();
    }
  });

  it("rejects an unsafe schema name", async () => {
    await expect(openPostgresStore({ url, schema: 'x"; drop table y; --' })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });

  it("refuses a URL whose options override the schema's search_path", async () => {
    const overriding = new URL(url);
    overriding.searchParams.set("options", "-c search_path=public");
    const e = await openPostgresStore({ url: overriding.toString(), schema: newSchema() }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("fails with STORAGE_FAILED and no credentials in the message when the server is unreachable", async () => {
    const e = await openPostgresStore({ url: "postgres://user:hunter2secret@127.0.0.1:1/db" }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "STORAGE_FAILED" });
    expect((e as Error).message).not.toContain("hunter2secret");
  });

  it("lets one gateway at a time use a database schema, and frees it when that gateway's connection ends", async () => {
    const schema = newSchema();
    const first = await openPostgresStore({ url, schema });
    const e = await openPostgresStore({ url, schema }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "INVALID_STATE" });
    expect((e as Error).message).toMatch(/already using this database/);
    const other = await openPostgresStore({ url, schema: newSchema() }); // another schema is another owner
    await other.close();
    await first.close();
    const again = await openPostgresStore({ url, schema });
    await again.close();
  });
});

describe("Postgres single-owner lock", () => {
  it("reports a lost lock (its connection terminated by the server) once", async () => {
    const schema = `sb_test_${randomBytes(6).toString("hex")}`;
    let lost = 0;
    const store = await openPostgresStore({ url, schema, onLockLost: () => lost++ });
    try {
      await withClient((c) =>
        c.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = (hashtext($1)::bigint & 4294967295)", [`switchboard:${schema}`]),
      );
      for (let i = 0; i < 100 && lost === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lost).toBe(1);
      const next = await openPostgresStore({ url, schema }); // the schema is free for another gateway now
      await next.close();
    } finally {
      await store.close();
      expect(lost).toBe(1); // a normal close is not a loss
      await dropSchema(schema);
    }
  });
});
