import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InstanceStatus } from "../../src/core/status.js";
import type { EventEnvelope } from "../../src/events/types.js";
import type { EventQuery, IdempotencyRecord, InstanceRecord, LogoutIntent, Store, TokenRecord } from "../../src/store/types.js";
import { vaultSecretSealer } from "../../src/vault/secret-sealer.js";
import { Vault } from "../../src/vault/vault.js";

/**
 * The one storage contract suite, run against every `Store` implementation.
 *
 * @param name label of the implementation under test.
 * @param open opens a store on the suite's database (the same database on every call; data written
 *   through one handle must be visible to the next). Called once at the start and again after the
 *   suite closed its handle (reopen test); never while another handle is open. It need not migrate:
 *   the suite calls `migrate()` itself.
 * @param cleanup removes the suite's database after the last test (temp dir, Postgres schema).
 *
 * Tests share one database, so each test works on its own instances (random names/ids) and checks
 * global counts as deltas.
 */
export function storeContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let fresh: { accountTokens: number; instances: number };

    beforeAll(async () => {
      store = await open();
      await store.migrate();
      fresh = { accountTokens: await store.tokens.countAccount(), instances: (await store.instances.all()).length };
    });

    afterAll(async () => {
      await store?.close();
      await cleanup();
    });

    const short = (): string => randomBytes(5).toString("hex");

    function record(over: Partial<Omit<InstanceRecord, "updatedAt">> = {}): Omit<InstanceRecord, "updatedAt"> {
      return {
        id: randomUUID(),
        name: `inst-${short()}`,
        platform: "telegram",
        config: { token: "cfg", nested: { list: [1, "two", null, true] } },
        metadata: { team: "ops" },
        desired: "stopped",
        status: { state: "stopped", reason: "user" },
        logoutIntent: null,
        createdAt: 1_700_000_000_123,
        ...over,
      };
    }

    async function newInstance(over: Partial<Omit<InstanceRecord, "updatedAt">> = {}): Promise<InstanceRecord> {
      return store.instances.create(record(over));
    }

    function token(over: Partial<TokenRecord> = {}): TokenRecord {
      return {
        id: randomUUID(),
        hash: randomBytes(32).toString("hex"),
        scope: "account",
        instanceId: null,
        label: "ci",
        createdAt: Date.now(),
        ...over,
      };
    }

    function idem(over: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
      return {
        tokenId: randomUUID(),
        key: `k-${short()}`,
        fingerprint: randomBytes(32).toString("hex"),
        state: "in_flight",
        statusCode: null,
        body: null,
        createdAt: Date.now(),
        instanceId: null,
        ...over,
      };
    }

    it("reports its kind and answers ping", async () => {
      expect(["sqlite", "postgres"]).toContain(store.kind);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("starts empty: no instances, no account token", () => {
      expect(fresh).toEqual({ accountTokens: 0, instances: 0 });
    });

    describe("instances", () => {
      it("creates and reads back by name and by id, with updatedAt = createdAt", async () => {
        const input = record();
        const created = await store.instances.create(input);
        expect(created).toEqual({ ...input, updatedAt: input.createdAt });
        expect(await store.instances.get(input.name)).toEqual(created);
        expect(await store.instances.getById(input.id)).toEqual(created);
        expect(typeof created.createdAt).toBe("number");
      });

      it("answers undefined for unknown names and ids", async () => {
        expect(await store.instances.get(`nope-${short()}`)).toBeUndefined();
        expect(await store.instances.getById(randomUUID())).toBeUndefined();
      });

      it("round-trips JSON status, config, metadata and logoutIntent exactly", async () => {
        const status: InstanceStatus = {
          state: "awaiting_login",
          method: "qr",
          qr: "2@abc,def==",
          expiresAt: 1_700_000_060_000,
          attempt: 2,
        };
        const intent: LogoutIntent = { force: true, requestedAt: 1_700_000_001_000, step: "remote_done", remote: "revoked", purge: true };
        const config = { deep: { a: [1, 2.5, { b: "ünïcødé ✓ \"quoted\" \n newline" }] }, empty: {}, flag: false };
        const created = await newInstance({ status, config, metadata: { tags: ["x", "y"] }, logoutIntent: intent });
        const back = await store.instances.getById(created.id);
        expect(back?.status).toEqual(status);
        expect(back?.config).toEqual(config);
        expect(back?.metadata).toEqual({ tags: ["x", "y"] });
        expect(back?.logoutIntent).toEqual(intent);

        const connected: InstanceStatus = { state: "connected", since: 1_700_000_002_000, self: { id: "123@s.whatsapp.net", name: "Bot" } };
        await store.instances.update(created.id, { status: connected, logoutIntent: null });
        const again = await store.instances.getById(created.id);
        expect(again?.status).toEqual(connected);
        expect(again?.logoutIntent).toBeNull();
      });

      it("refuses a duplicate name with INSTANCE_EXISTS and keeps the first row", async () => {
        const first = await newInstance();
        await expect(store.instances.create(record({ name: first.name, platform: "other" }))).rejects.toMatchObject({
          name: "SwitchboardError",
          code: "INSTANCE_EXISTS",
          status: 409,
        });
        expect(await store.instances.get(first.name)).toEqual(first);
      });

      it("updates only the patched fields and bumps updatedAt", async () => {
        const created = await newInstance({ createdAt: 1_000 });
        const before = Date.now();
        const updated = await store.instances.update(created.id, { desired: "running", status: { state: "starting" } });
        expect(updated.desired).toBe("running");
        expect(updated.status).toEqual({ state: "starting" });
        expect(updated.config).toEqual(created.config);
        expect(updated.metadata).toEqual(created.metadata);
        expect(updated.name).toBe(created.name);
        expect(updated.createdAt).toBe(1_000);
        expect(updated.updatedAt).toBeGreaterThanOrEqual(before);
        expect(await store.instances.getById(created.id)).toEqual(updated);

        const meta = await store.instances.update(created.id, { metadata: { a: 1 }, config: { b: 2 } });
        expect(meta.metadata).toEqual({ a: 1 });
        expect(meta.config).toEqual({ b: 2 });
        expect(meta.status).toEqual({ state: "starting" });
      });

      it("fails update of an unknown id with INSTANCE_NOT_FOUND", async () => {
        await expect(store.instances.update(randomUUID(), { desired: "running" })).rejects.toMatchObject({
          code: "INSTANCE_NOT_FOUND",
        });
      });

      it("lists by ascending (bytewise) name with an exclusive after cursor, a limit and a platform filter", async () => {
        const platform = `plat-${short()}`;
        const suffix = short();
        // Bytewise order: "-" (45) < "0" (48) < "_" (95) < "b" (98). Locale collations disagree.
        const names = [`a-b-${suffix}`, `a0-${suffix}`, `a_b-${suffix}`, `ab-${suffix}`, `b-${suffix}`];
        for (const n of [...names].reverse()) await newInstance({ name: n, platform });
        await newInstance({ platform: `other-${short()}` });

        const sorted = [...names].sort();
        const page1 = await store.instances.list({ limit: 2, platform });
        expect(page1.map((r) => r.name)).toEqual(sorted.slice(0, 2));
        const page2 = await store.instances.list({ limit: 2, platform, after: page1[1]!.name });
        expect(page2.map((r) => r.name)).toEqual(sorted.slice(2, 4));
        const page3 = await store.instances.list({ limit: 2, platform, after: page2[1]!.name });
        expect(page3.map((r) => r.name)).toEqual(sorted.slice(4));
        expect(await store.instances.list({ limit: 2, platform, after: page3[0]!.name })).toEqual([]);
        expect((await store.instances.list({ limit: 500, platform })).every((r) => r.platform === platform)).toBe(true);
        expect(await store.instances.list({ limit: 10, platform: `none-${short()}` })).toEqual([]);
      });

      it("pages through every instance exactly once, in the order of all()", async () => {
        for (let i = 0; i < 3; i++) await newInstance();
        const all = (await store.instances.all()).map((r) => r.name);
        expect(all).toEqual([...all].sort());
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.instances.list({ limit: 3, after });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(3);
          seen.push(...page.map((r) => r.name));
          after = page[page.length - 1]!.name;
        }
        expect(seen).toEqual(all);
      });

      it("clamps list limits to 1–500", async () => {
        await newInstance();
        expect((await store.instances.list({ limit: 0 })).length).toBe(1);
        expect((await store.instances.list({ limit: 10_000 })).length).toBeLessThanOrEqual(500);
      });

      it("purges one instance with its secrets, tokens, history and idempotency records, and nothing else", async () => {
        const a = await newInstance();
        const b = await newInstance();
        const account = token();
        await store.tokens.create(account);
        for (const inst of [a, b]) {
          await store.secrets.put(inst.id, "creds", Buffer.from(`sealed-${inst.id}`));
          await store.secrets.put(inst.id, "keys/1", Buffer.from([1, 2, 3]));
          await store.tokens.create(token({ scope: "instance", instanceId: inst.id }));
          await store.history.append(inst.id, { ts: 1, from: "stopped", to: "starting", reason: "connect" }, 10);
          await store.idempotency.begin(idem({ tokenId: account.id, key: `send-${inst.id}`, instanceId: inst.id }));
        }

        expect(await store.instances.purge(a.id)).toEqual({ deleted: true, stored: null });

        expect(await store.instances.getById(a.id)).toBeUndefined();
        expect(await store.instances.get(a.name)).toBeUndefined();
        expect(await store.secrets.count(a.id)).toBe(0);
        expect(await store.tokens.list({ instanceId: a.id })).toEqual([]);
        expect(await store.history.list(a.id, 10)).toEqual([]);
        expect(await store.idempotency.begin(idem({ tokenId: account.id, key: `send-${a.id}` }))).toEqual({ created: true });

        expect(await store.instances.getById(b.id)).toEqual(b);
        expect(await store.secrets.count(b.id)).toBe(2);
        expect(await store.secrets.get(b.id, "creds")).toEqual(Buffer.from(`sealed-${b.id}`));
        expect(await store.tokens.list({ instanceId: b.id })).toHaveLength(1);
        expect(await store.history.list(b.id, 10)).toHaveLength(1);
        const bIdem = await store.idempotency.begin(idem({ tokenId: account.id, key: `send-${b.id}` }));
        expect(bIdem.created).toBe(false);
        expect(await store.tokens.findByHash(account.hash)).toEqual(account);

        expect(await store.instances.purge(a.id)).toEqual({ deleted: false, stored: null });
        expect(await store.instances.purge(randomUUID())).toEqual({ deleted: false, stored: null });
      });

      it("lets a purged name be created again", async () => {
        const a = await newInstance();
        await store.instances.purge(a.id);
        const again = await newInstance({ name: a.name });
        expect(again.id).not.toBe(a.id);
      });
    });

    describe("secrets", () => {
      it("puts, gets, replaces and deletes opaque bytes", async () => {
        const inst = await newInstance();
        const blob = Buffer.concat([Buffer.from([0, 255, 0, 1]), randomBytes(4096)]);
        await store.secrets.put(inst.id, "creds", blob);
        const back = await store.secrets.get(inst.id, "creds");
        expect(Buffer.isBuffer(back)).toBe(true);
        expect(back).toEqual(blob);

        await store.secrets.put(inst.id, "creds", Buffer.from("v2"));
        expect(await store.secrets.get(inst.id, "creds")).toEqual(Buffer.from("v2"));
        expect(await store.secrets.count(inst.id)).toBe(1);

        await store.secrets.delete(inst.id, "creds");
        expect(await store.secrets.get(inst.id, "creds")).toBeUndefined();
        expect(await store.secrets.count(inst.id)).toBe(0);
        await expect(store.secrets.delete(inst.id, "creds")).resolves.toBeUndefined();
      });

      it("answers undefined for a missing key and 0 for an instance without secrets", async () => {
        const inst = await newInstance();
        expect(await store.secrets.get(inst.id, "missing")).toBeUndefined();
        expect(await store.secrets.count(inst.id)).toBe(0);
        expect(await store.secrets.count(randomUUID())).toBe(0);
      });

      it("scopes keys per instance", async () => {
        const a = await newInstance();
        const b = await newInstance();
        await store.secrets.put(a.id, "creds", Buffer.from("a"));
        await store.secrets.put(b.id, "creds", Buffer.from("b"));
        expect(await store.secrets.get(a.id, "creds")).toEqual(Buffer.from("a"));
        expect(await store.secrets.get(b.id, "creds")).toEqual(Buffer.from("b"));
      });

      it("putMany writes and deletes several keys (null deletes)", async () => {
        const inst = await newInstance();
        await store.secrets.put(inst.id, "old", Buffer.from("old"));
        await store.secrets.put(inst.id, "keep", Buffer.from("keep"));
        await store.secrets.putMany(inst.id, [
          ["old", null],
          ["k1", Buffer.from("one")],
          ["k2", Buffer.from("two")],
          ["k1", Buffer.from("one-v2")],
          ["never", null],
        ]);
        expect(await store.secrets.get(inst.id, "old")).toBeUndefined();
        expect(await store.secrets.get(inst.id, "k1")).toEqual(Buffer.from("one-v2"));
        expect(await store.secrets.get(inst.id, "k2")).toEqual(Buffer.from("two"));
        expect(await store.secrets.get(inst.id, "keep")).toEqual(Buffer.from("keep"));
        expect(await store.secrets.count(inst.id)).toBe(3);
        await expect(store.secrets.putMany(inst.id, [])).resolves.toBeUndefined();
      });

      it("putMany is all or nothing", async () => {
        const inst = await newInstance();
        await store.secrets.put(inst.id, "a", Buffer.from("a"));
        // The last entry has no bytes (NOT NULL fails) after two valid ones: the whole batch rolls back.
        const bad = [
          ["a", null],
          ["b", Buffer.from("b")],
          ["c", undefined as unknown as Buffer],
        ] as const;
        await expect(store.secrets.putMany(inst.id, bad)).rejects.toMatchObject({ code: "STORAGE_FAILED" });
        expect(await store.secrets.get(inst.id, "a")).toEqual(Buffer.from("a"));
        expect(await store.secrets.get(inst.id, "b")).toBeUndefined();
      });

      it("wipes every secret of one instance and returns how many", async () => {
        const a = await newInstance();
        const b = await newInstance();
        await store.secrets.putMany(a.id, [
          ["x", Buffer.from("1")],
          ["y", Buffer.from("2")],
          ["z", Buffer.from("3")],
        ]);
        await store.secrets.put(b.id, "x", Buffer.from("b"));
        expect(await store.secrets.wipe(a.id)).toBe(3);
        expect(await store.secrets.count(a.id)).toBe(0);
        expect(await store.secrets.get(a.id, "x")).toBeUndefined();
        expect(await store.secrets.get(b.id, "x")).toEqual(Buffer.from("b"));
        expect(await store.secrets.wipe(a.id)).toBe(0);
        expect(await store.instances.getById(a.id)).toBeDefined();
      });

      it("refuses secrets of an unknown instance with STORAGE_FAILED", async () => {
        const e = await store.secrets.put(randomUUID(), "creds", Buffer.from("TOP-SECRET-VALUE")).catch((x: unknown) => x);
        expect(e).toMatchObject({ name: "SwitchboardError", code: "STORAGE_FAILED" });
        expect((e as Error).message).not.toContain("TOP-SECRET-VALUE");
        expect(JSON.stringify(e)).not.toContain("TOP-SECRET-VALUE");
      });
    });

    describe("tokens", () => {
      it("creates, finds by hash, lists and deletes", async () => {
        const inst = await newInstance();
        const acc = token({ label: "admin", createdAt: 1_700_000_000_000 });
        const t1 = token({ scope: "instance", instanceId: inst.id, createdAt: 1_700_000_000_001 });
        const t2 = token({ scope: "instance", instanceId: inst.id, createdAt: 1_700_000_000_002 });
        await store.tokens.create(acc);
        await store.tokens.create(t2);
        await store.tokens.create(t1);

        expect(await store.tokens.findByHash(acc.hash)).toEqual(acc);
        expect(await store.tokens.findByHash(t1.hash)).toEqual(t1);
        expect(await store.tokens.findByHash("0".repeat(64))).toBeUndefined();

        expect(await store.tokens.list({ instanceId: inst.id })).toEqual([t1, t2]);
        const all = await store.tokens.list();
        expect(all).toEqual(expect.arrayContaining([acc, t1, t2]));
        expect(await store.tokens.list({})).toEqual(all);

        expect(await store.tokens.delete(t1.id)).toBe(true);
        expect(await store.tokens.delete(t1.id)).toBe(false);
        expect(await store.tokens.findByHash(t1.hash)).toBeUndefined();
        expect(await store.tokens.list({ instanceId: inst.id })).toEqual([t2]);
      });

      it("counts account-scoped tokens only", async () => {
        const inst = await newInstance();
        const before = await store.tokens.countAccount();
        const a1 = token();
        await store.tokens.create(a1);
        await store.tokens.create(token());
        await store.tokens.create(token({ scope: "instance", instanceId: inst.id }));
        expect(await store.tokens.countAccount()).toBe(before + 2);
        await store.tokens.delete(a1.id);
        expect(await store.tokens.countAccount()).toBe(before + 1);
      });

      it("refuses a duplicate hash with STORAGE_FAILED", async () => {
        const t = token();
        await store.tokens.create(t);
        await expect(store.tokens.create(token({ hash: t.hash }))).rejects.toMatchObject({ code: "STORAGE_FAILED" });
      });
    });

    describe("history", () => {
      it("lists newest first and keeps only the newest `keep` entries", async () => {
        const inst = await newInstance();
        const states = ["stopped", "starting", "awaiting_login", "connected", "reconnecting", "connected"];
        for (let i = 1; i < states.length; i++) {
          await store.history.append(inst.id, { ts: 1000 + i, from: states[i - 1]!, to: states[i]!, reason: `step ${i}` }, 3);
        }
        const list = await store.history.list(inst.id, 10);
        expect(list).toEqual([
          { ts: 1005, from: "reconnecting", to: "connected", reason: "step 5" },
          { ts: 1004, from: "connected", to: "reconnecting", reason: "step 4" },
          { ts: 1003, from: "awaiting_login", to: "connected", reason: "step 3" },
        ]);
        expect(await store.history.list(inst.id, 2)).toEqual(list.slice(0, 2));
      });

      it("orders by append order, not by ts", async () => {
        const inst = await newInstance();
        await store.history.append(inst.id, { ts: 5000, from: "a", to: "b", reason: "first" }, 10);
        await store.history.append(inst.id, { ts: 4000, from: "b", to: "c", reason: "clock went back" }, 10);
        expect((await store.history.list(inst.id, 10)).map((e) => e.reason)).toEqual(["clock went back", "first"]);
      });

      it("prunes per instance only", async () => {
        const a = await newInstance();
        const b = await newInstance();
        for (let i = 0; i < 4; i++) await store.history.append(b.id, { ts: i, from: "x", to: "y", reason: "b" }, 10);
        for (let i = 0; i < 4; i++) await store.history.append(a.id, { ts: i, from: "x", to: "y", reason: "a" }, 1);
        expect(await store.history.list(a.id, 10)).toHaveLength(1);
        expect(await store.history.list(b.id, 10)).toHaveLength(4);
        expect(await store.history.list(randomUUID(), 10)).toEqual([]);
      });

      it("keeps timestamps as numbers", async () => {
        const inst = await newInstance();
        const ts = Date.now();
        await store.history.append(inst.id, { ts, from: "stopped", to: "starting", reason: "connect" }, 5);
        const [entry] = await store.history.list(inst.id, 1);
        expect(entry?.ts).toBe(ts);
        expect(typeof entry?.ts).toBe("number");
      });
    });

    describe("idempotency", () => {
      it("begins once, then returns the existing record", async () => {
        const inst = await newInstance();
        const rec = idem({ instanceId: inst.id });
        expect(await store.idempotency.begin(rec)).toEqual({ created: true });
        const again = await store.idempotency.begin({ ...rec, fingerprint: "different", createdAt: rec.createdAt + 5 });
        expect(again).toEqual({ created: false, existing: rec });
      });

      it("completes with status and body; a completed record survives abandon", async () => {
        const rec = idem();
        await store.idempotency.begin(rec);
        await store.idempotency.complete(rec.tokenId, rec.key, 201, '{"ok":true}');
        await store.idempotency.abandon(rec.tokenId, rec.key);
        expect(await store.idempotency.begin(rec)).toEqual({
          created: false,
          existing: { ...rec, state: "done", statusCode: 201, body: '{"ok":true}' },
        });
      });

      it("abandons an in-flight record so the key can be used again", async () => {
        const rec = idem();
        await store.idempotency.begin(rec);
        await store.idempotency.abandon(rec.tokenId, rec.key);
        expect(await store.idempotency.begin(rec)).toEqual({ created: true });
        await expect(store.idempotency.abandon(randomUUID(), "nothing")).resolves.toBeUndefined();
      });

      it("scopes keys per token", async () => {
        const key = `shared-${short()}`;
        expect(await store.idempotency.begin(idem({ key }))).toEqual({ created: true });
        expect(await store.idempotency.begin(idem({ key }))).toEqual({ created: true });
      });

      it("prunes records older than `before` and returns how many", async () => {
        // Only this test uses createdAt values this old, so the count is exact.
        const old1 = idem({ createdAt: 1_000 });
        const old2 = idem({ createdAt: 1_999 });
        const edge = idem({ createdAt: 2_000 });
        for (const r of [old1, old2, edge]) await store.idempotency.begin(r);
        await store.idempotency.complete(old2.tokenId, old2.key, 200, "{}");
        expect(await store.idempotency.prune(2_000)).toBe(2);
        expect(await store.idempotency.begin(old1)).toEqual({ created: true });
        expect((await store.idempotency.begin(edge)).created).toBe(false);
        expect(await store.idempotency.prune(2_000)).toBe(1);
      });
    });

    describe("concurrency", () => {
      it("lands 50 parallel secret puts on one instance", async () => {
        const inst = await newInstance();
        const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`value-${i}-${short()}`));
        await Promise.all(values.map((v, i) => store.secrets.put(inst.id, `key-${i}`, v)));
        expect(await store.secrets.count(inst.id)).toBe(50);
        const back = await Promise.all(values.map((_, i) => store.secrets.get(inst.id, `key-${i}`)));
        expect(back).toEqual(values);
      });

      it("lands parallel putMany batches and same-key puts", async () => {
        const inst = await newInstance();
        await Promise.all(
          Array.from({ length: 10 }, (_, b) =>
            store.secrets.putMany(
              inst.id,
              Array.from({ length: 5 }, (_, i) => [`b${b}-${i}`, Buffer.from(`${b}:${i}`)] as const),
            ),
          ),
        );
        expect(await store.secrets.count(inst.id)).toBe(50);
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.secrets.put(inst.id, "same", Buffer.from(`v${i}`))));
        expect((await store.secrets.get(inst.id, "same"))?.toString()).toMatch(/^v\d+$/);
      });

      it("gives exactly one of 20 parallel begins the key", async () => {
        const rec = idem();
        const results = await Promise.all(Array.from({ length: 20 }, () => store.idempotency.begin(rec)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
      });

      it("keeps at most `keep` entries under parallel appends", async () => {
        const inst = await newInstance();
        await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.history.append(inst.id, { ts: i, from: "a", to: "b", reason: `r${i}` }, 10)),
        );
        expect(await store.history.list(inst.id, 100)).toHaveLength(10);
      });
    });

    describe("events", () => {
      const envelope = (id: string, instance: string, n: number): EventEnvelope => ({
        id,
        type: "message.received",
        instance,
        platform: "telegram",
        ts: 1_700_000_000_000 + n,
        metadata: { team: "ops" },
        data: { threadId: "t", senderId: "s", body: `m${n}`, messageId: String(n), timestamp: n },
      });

      it("appends in order, skips ids already stored, and writes the state in the same call", async () => {
        const inst = await newInstance();
        const a = envelope(`e-${short()}`, inst.name, 1);
        const b = envelope(`e-${short()}`, inst.name, 2);
        const first = await store.events.append(inst.id, [a, b], { offset: 11 });
        expect(first.map((e) => e.envelope)).toEqual([a, b]);
        expect(first[1]!.seq).toBeGreaterThan(first[0]!.seq);
        const c = envelope(`e-${short()}`, inst.name, 3);
        const second = await store.events.append(inst.id, [b, c], { offset: 13, other: { x: [1] } });
        expect(second.map((e) => e.envelope.id)).toEqual([c.id]); // b was stored before
        expect(await store.events.state(inst.id)).toEqual({ offset: 13, other: { x: [1] } });
        const all = await store.events.list(inst.id, { limit: 10 });
        expect(all.map((e) => e.envelope)).toEqual([a, b, c]);
        expect((await store.events.list(inst.id, { afterSeq: all[0]!.seq, limit: 1 })).map((e) => e.envelope.id)).toEqual([b.id]);
        await store.events.clearState(inst.id);
        expect(await store.events.state(inst.id)).toEqual({});
        expect(await store.events.list(inst.id, { limit: 10 })).toHaveLength(3); // events stay
      });

      it("stores nothing when the transaction fails, and events go with a purged instance only", async () => {
        const inst = await newInstance();
        const other = await newInstance();
        await store.events.append(other.id, [envelope(`e-${short()}`, other.name, 1)], { offset: 1 });
        await expect(store.events.append("no-such-instance", [envelope(`e-${short()}`, "x", 1)], { offset: 2 })).rejects.toMatchObject({
          code: "STORAGE_FAILED",
        });
        await store.events.append(inst.id, [envelope(`e-${short()}`, inst.name, 1)], { offset: 5 });
        const farewell = { ...envelope(`e-${short()}`, inst.name, 9), type: "instance.deleted" as const, data: { remote: "revoked" as const } };
        const { deleted, stored } = await store.instances.purge(inst.id, farewell);
        expect(deleted).toBe(true);
        expect(stored?.envelope).toEqual(farewell);
        // Everything of the instance is gone but its farewell, which outlives it.
        expect((await store.events.list(inst.id, { limit: 10 })).map((e) => e.envelope)).toEqual([farewell]);
        expect(await store.events.state(inst.id)).toEqual({});
        expect(await store.events.list(other.id, { limit: 10 })).toHaveLength(1);
        expect(await store.events.state(other.id)).toEqual({ offset: 1 });
        // No farewell for an instance that was not there.
        expect(await store.instances.purge(inst.id, { ...farewell, id: `e-${short()}` })).toEqual({ deleted: false, stored: null });
      });

      it("queries across instances by seq, instance and type; locates ids; knows the last seq", async () => {
        const a = await newInstance();
        const b = await newInstance();
        const before = await store.events.lastSeq();
        const status = (id: string, inst: string): EventEnvelope => ({
          ...envelope(id, inst, 0),
          type: "instance.qr",
          data: { qr: "q", expiresAt: null, attempt: 1 },
        });
        const [a1, b1, a2, b2] = [envelope(`e-${short()}`, a.name, 1), envelope(`e-${short()}`, b.name, 2), status(`e-${short()}`, a.name), envelope(`e-${short()}`, b.name, 3)];
        await store.events.append(a.id, [a1]);
        await store.events.append(b.id, [b1]);
        await store.events.append(a.id, [a2]);
        await store.events.append(b.id, [b2]);
        const ids = async (q: Omit<EventQuery, "afterSeq" | "limit"> & { limit?: number }): Promise<string[]> =>
          (await store.events.query({ afterSeq: before, limit: 10, ...q })).map((e) => e.envelope.id);
        expect(await ids({})).toEqual([a1.id, b1.id, a2.id, b2.id]);
        expect(await ids({ instanceId: a.id })).toEqual([a1.id, a2.id]);
        expect(await ids({ types: ["message.received"] })).toEqual([a1.id, b1.id, b2.id]);
        expect(await ids({ types: ["instance.qr", "instance.status"], instanceId: a.id })).toEqual([a2.id]);
        expect(await ids({ limit: 2 })).toEqual([a1.id, b1.id]);
        // The newest ones instead of the oldest, still oldest first; with the other filters.
        expect(await ids({ limit: 2, newest: true })).toEqual([a2.id, b2.id]);
        expect(await ids({ limit: 10, newest: true })).toEqual([a1.id, b1.id, a2.id, b2.id]);
        expect(await ids({ limit: 1, newest: true, instanceId: a.id })).toEqual([a2.id]);
        expect(await ids({ limit: 2, newest: true, types: ["message.received"] })).toEqual([b1.id, b2.id]);
        const located = await store.events.locate(b1.id);
        expect(located?.instanceId).toBe(b.id);
        expect((await store.events.query({ afterSeq: located!.seq, limit: 10 })).map((e) => e.envelope.id)).toEqual([a2.id, b2.id]);
        expect((await store.events.query({ afterSeq: located!.seq, limit: 10, newest: true, instanceId: b.id })).map((e) => e.envelope.id)).toEqual([b2.id]);
        expect(await store.events.locate("evt_unknown")).toBeUndefined();
        expect(await store.events.lastSeq()).toBe((await store.events.locate(b2.id))!.seq);
      });

      it("findMessage: the newest message event of that type and id of that instance only; wildcards are literal", async () => {
        const inst = await newInstance();
        const other = await newInstance();
        const sent = (n: number, messageId: string, body: string): EventEnvelope => ({
          ...envelope(`e-${short()}`, inst.name, n),
          type: "message.sent",
          data: { threadId: "t", senderId: "me", body, messageId, timestamp: n },
        });
        await store.events.append(inst.id, [sent(1, "3EB0AA_1", "first"), sent(2, "3EB0AA%1", "second"), sent(3, "3EB0AA_1", "again")]);
        await store.events.append(other.id, [{ ...sent(4, "OTHER-1", "not mine"), instance: other.name }]);
        // A newer message quoting 3EB0AA_1 mentions its id too: it is not the message.
        await store.events.append(inst.id, [{ ...sent(5, "3EB0BB", "a reply"), data: { threadId: "t", senderId: "me", body: "a reply", messageId: "3EB0BB", timestamp: 5, replyTo: { messageId: "3EB0AA_1" } } }]);
        const found = await store.events.findMessage(inst.id, "message.sent", "3EB0AA_1");
        expect((found?.envelope.data as { body: string } | undefined)?.body).toBe("again");
        expect((await store.events.findMessage(inst.id, "message.sent", "3EB0AA%1"))?.envelope.data).toMatchObject({ body: "second" });
        expect(await store.events.findMessage(inst.id, "message.sent", "3EB0AAx1")).toBeUndefined(); // `_` is not a wildcard
        expect(await store.events.findMessage(inst.id, "message.sent", "3EB0AA")).toBeUndefined();
        expect(await store.events.findMessage(inst.id, "message.received", "3EB0AA_1")).toBeUndefined();
        expect(await store.events.findMessage(inst.id, "message.sent", "OTHER-1")).toBeUndefined();
      });

      it("login secrets (QR, pairing code): not stored without a sealer, sealed with one and opened on read, dropped by dropSecrets", async () => {
        const inst = await newInstance();
        const qrEvent = (n: number, qr: string, expiresAt: number): EventEnvelope => ({
          ...envelope(`e-${short()}`, inst.name, n),
          type: "instance.qr",
          data: { qr, expiresAt, attempt: n },
        });
        const codeEvent = (n: number, code: string): EventEnvelope => ({
          ...envelope(`e-${short()}`, inst.name, n),
          type: "instance.pairing_code",
          data: { code, expiresAt: 5_000 },
        });
        const read = async (): Promise<Array<Record<string, unknown>>> =>
          (await store.events.list(inst.id, { limit: 100 })).map((e) => e.envelope.data as unknown as Record<string, unknown>);

        const unsealed = qrEvent(1, "ref-without-sealer", 1_000);
        await store.events.append(inst.id, [unsealed]);
        expect(await read()).toEqual([{ qr: null, expiresAt: 1_000, attempt: 1 }]);

        const vault = new Vault(randomBytes(32));
        store.useSealer(vaultSecretSealer(vault));
        const q2 = qrEvent(2, "ref-two", 2_000);
        const q3 = qrEvent(3, "ref-three", 3_000);
        const c4 = codeEvent(4, "ABCD1234");
        await store.events.append(inst.id, [q2, q3, c4]);
        expect(await read()).toEqual([
          { qr: null, expiresAt: 1_000, attempt: 1 },
          { qr: "ref-two", expiresAt: 2_000, attempt: 2 },
          { qr: "ref-three", expiresAt: 3_000, attempt: 3 },
          { code: "ABCD1234", expiresAt: 5_000 },
        ]);
        // What webhooks send is the opened event too.
        const seqs = (await store.events.list(inst.id, { limit: 100 })).map((e) => e.seq);
        const bodies = await store.webhooks.readEvents(seqs[0]! - 1, 4);
        expect(bodies.map((b) => (JSON.parse(b.body) as EventEnvelope).data)).toEqual((await read()).slice(0, bodies.length));

        // By expiry, then by type and seq, then all of the instance.
        expect(await store.events.dropSecrets({ instanceId: inst.id, expiredBefore: 2_000 })).toBe(1);
        expect((await read()).map((d) => ("qr" in d ? d.qr : d.code))).toEqual([null, null, "ref-three", "ABCD1234"]);
        expect(await store.events.dropSecrets({ instanceId: inst.id, type: "instance.qr", beforeSeq: seqs[3]! })).toBe(1);
        expect((await read()).map((d) => ("qr" in d ? d.qr : d.code))).toEqual([null, null, null, "ABCD1234"]);
        expect(await store.events.dropSecrets({ instanceId: inst.id })).toBe(1);
        expect(await store.events.dropSecrets({ instanceId: inst.id })).toBe(0);
        expect(await read()).toEqual([
          { qr: null, expiresAt: 1_000, attempt: 1 },
          { qr: null, expiresAt: 2_000, attempt: 2 },
          { qr: null, expiresAt: 3_000, attempt: 3 },
          { code: null, expiresAt: 5_000 },
        ]);
        // The events themselves stay: resume points still resolve.
        expect(await store.events.locate(q2.id)).toMatchObject({ seq: seqs[1] });
      });

      it("appends events in the transaction of an instance update: both or neither", async () => {
        const inst = await newInstance();
        const e1 = { ...envelope(`e-${short()}`, inst.name, 1), type: "instance.status" as const, data: { status: { state: "starting" as const }, previous: "stopped" as const, desired: "running" as const } };
        const { record, stored } = await store.instances.updateWithEvents(inst.id, { desired: "running", status: { state: "starting" } }, [e1]);
        expect(record.status).toEqual({ state: "starting" });
        expect(stored.map((s) => s.envelope)).toEqual([e1]);
        // A failing update stores no event.
        const e2 = { ...e1, id: `e-${short()}` };
        await expect(store.instances.updateWithEvents(randomUUID(), { desired: "stopped" }, [e2])).rejects.toMatchObject({ code: "INSTANCE_NOT_FOUND" });
        expect(await store.events.locate(e2.id)).toBeUndefined();
        expect((await store.instances.getById(inst.id))?.desired).toBe("running");
      });

      it("prunes the oldest events dated before a timestamp, in batches, stopping at the first young one", async () => {
        // Runs against a store other tests wrote to: everything before `now` is older.
        await store.events.prune(Date.now(), 1_000_000);
        const inst = await newInstance();
        const now = Date.now();
        const old = [1, 2, 3].map((n) => ({ ...envelope(`e-${short()}`, inst.name, n), ts: now - 10_000 + n }));
        const young = { ...envelope(`e-${short()}`, inst.name, 4), ts: now + 60_000 };
        const lateOld = { ...envelope(`e-${short()}`, inst.name, 5), ts: now - 10_000 };
        await store.events.append(inst.id, [...old, young, lateOld]);
        const before = now - 10_000 + 3;
        expect(await store.events.prune(before, 1)).toBe(1);
        expect(await store.events.prune(before)).toBe(1);
        expect(await store.events.prune(before)).toBe(0);
        expect((await store.events.list(inst.id, { limit: 10 })).map((e) => e.envelope.id)).toEqual([old[2]!.id, young.id, lateOld.id]);
        // Stored after a young event, an old one waits until that one expires too.
        expect(await store.events.prune(now + 60_001)).toBe(3);
        expect(await store.events.list(inst.id, { limit: 10 })).toEqual([]);
      });

      it("never lets a lower seq appear after a higher one under concurrent appends", async () => {
        const insts = await Promise.all([1, 2, 3, 4].map(() => newInstance()));
        const start = await store.events.lastSeq();
        let cursor = start;
        const seen: number[] = [];
        let done = false;
        const reader = (async () => {
          while (!done) {
            const page = await store.events.query({ afterSeq: cursor, limit: 1000 });
            for (const e of page) seen.push(e.seq);
            if (page.length > 0) cursor = page[page.length - 1]!.seq;
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
        await Promise.all(
          insts.map(async (inst) => {
            for (let i = 0; i < 25; i++) await store.events.append(inst.id, [envelope(`e-${short()}`, inst.name, i)]);
          }),
        );
        done = true;
        await reader;
        for (const e of await store.events.query({ afterSeq: cursor, limit: 1000 })) seen.push(e.seq);
        // A reader paging by seq saw every event exactly once: nothing committed behind its cursor.
        expect(seen).toHaveLength(100);
        expect(new Set(seen).size).toBe(100);
        expect([...seen].sort((x, y) => x - y)).toEqual(seen);
      });
    });

    describe("lifecycle", () => {
      it("migrate() is idempotent", async () => {
        const inst = await newInstance();
        await store.migrate();
        await Promise.all([store.migrate(), store.migrate()]);
        expect(await store.instances.getById(inst.id)).toEqual(inst);
      });

      it("close() is idempotent; a reopened store sees the data and migrates again harmlessly", async () => {
        const inst = await newInstance();
        await store.secrets.put(inst.id, "creds", Buffer.from("persisted"));
        const old = store;
        await old.close();
        await old.close();
        await expect(old.ping()).rejects.toMatchObject({ code: "STORAGE_FAILED" });

        store = await open();
        await store.migrate();
        expect(await store.instances.getById(inst.id)).toEqual(inst);
        expect(await store.secrets.get(inst.id, "creds")).toEqual(Buffer.from("persisted"));
      });
    });
  });
}
