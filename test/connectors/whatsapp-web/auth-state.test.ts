/**
 * The WhatsApp Web auth state over Switchboard's real encrypted store (SQLite + vault): Baileys'
 * values round-trip with the types libsignal and Baileys need, Baileys' own transaction layer runs
 * on top under concurrent writes, and every failed write is surfaced.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addTransactionCapability, initAuthCreds, proto } from "baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Credentials, SessionKeyStore } from "../../../src/core/connector.js";
import { err } from "../../../src/core/errors.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { vaultCredentialStore } from "../../../src/vault/credential-store.js";
import { Vault } from "../../../src/vault/vault.js";
import { readCreds, signalKeyStore, storedAuthState, toBuffers } from "../../../src/connectors/whatsapp-web/auth-state.js";
import { baileysLogger } from "../../../src/connectors/whatsapp-web/logger.js";
import { createInstanceRecord } from "../../support/records.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const silent = baileysLogger(quiet, "silent");
let dir: string;
let store: Store;
const vault = new Vault(randomBytes(32));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-wa-auth-"));
  store = await openStore({ dataDir: dir });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The instance's key store as the core hands it to a session (`SessionContext.keys`). */
async function instanceKeys(): Promise<{ id: string; keys: SessionKeyStore; credentials: ReturnType<typeof vaultCredentialStore> }> {
  const id = (await createInstanceRecord(store, { platform: "whatsapp-web" })).id;
  const credentials = vaultCredentialStore(store.secrets, vault);
  return { id, credentials, keys: { get: (names) => credentials.getKeys(id, names), set: (entries) => credentials.putKeys(id, entries) } };
}

describe("whatsapp-web auth state", () => {
  it("toBuffers: a small value read from a large slab gets its own memory; a value that fills its store is not copied", () => {
    const slab = new Uint8Array(64 * 1024);
    slab.set([1, 2, 3], 100);
    const token = toBuffers({ t: slab.subarray(100, 132) }) as { t: Buffer };
    expect(Buffer.isBuffer(token.t)).toBe(true);
    expect(token.t.subarray(0, 3)).toEqual(Buffer.from([1, 2, 3]));
    expect(token.t.buffer.byteLength).toBe(32); // not the 64 KB slab, nor Node's 8 KB pool
    const own = new Uint8Array([9, 9, 9]);
    const same = toBuffers(own) as Buffer;
    expect(same.buffer).toBe(own.buffer);
  });

  it("keeps Signal keys as <type>/<id>, sealed, and reads them back as Buffers (app-state keys as protos)", async () => {
    const { id, keys } = await instanceKeys();
    const errors: unknown[] = [];
    const ks = signalKeyStore(keys, (e) => errors.push(e));
    const pre = { public: randomBytes(32), private: randomBytes(32) };
    const session = new Uint8Array(randomBytes(40)); // a plain Uint8Array, as protobuf encoders give
    const appKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: randomBytes(32), timestamp: 1700000000 });
    await ks.set({ "pre-key": { "7": pre }, session: { "123@lid.0": session }, "app-state-sync-key": { AAAA: appKey }, "lid-mapping": { "15550001111": "99@lid" } });

    const raw = await store.secrets.get(id, "keys/pre-key/7");
    expect(raw).toBeTruthy();
    expect(Buffer.from(raw!).includes(pre.private)).toBe(false); // sealed

    const got = await ks.get("pre-key", ["7", "8"]);
    expect(Object.keys(got)).toEqual(["7"]);
    expect(Buffer.isBuffer(got["7"]!.private)).toBe(true);
    expect(Buffer.from(got["7"]!.private).equals(pre.private)).toBe(true);
    const s = (await ks.get("session", ["123@lid.0"]))["123@lid.0"]!;
    expect(Buffer.isBuffer(s)).toBe(true); // libsignal refuses plain Uint8Arrays
    expect(Buffer.from(s).equals(Buffer.from(session))).toBe(true);
    const k = (await ks.get("app-state-sync-key", ["AAAA"])).AAAA!;
    expect(k).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(k.keyData!).equals(Buffer.from(appKey.keyData!))).toBe(true);
    expect((await ks.get("lid-mapping", ["15550001111"]))["15550001111"]).toBe("99@lid");

    await ks.set({ "pre-key": { "7": null } });
    expect(await ks.get("pre-key", ["7"])).toEqual({});
    expect(errors).toEqual([]);
  });

  it("saves creds as {creds} only when asked, coalesces concurrent saves, and revives them for Baileys", async () => {
    const { id, keys, credentials } = await instanceKeys();
    let saves = 0;
    const auth = storedAuthState({
      credentials: null,
      keys,
      saveCredentials: async (c) => {
        saves += 1;
        await new Promise((r) => setTimeout(r, 20));
        await credentials.put(id, c);
      },
      onWriteError: (e) => {
        throw e;
      },
      logger: silent,
    });
    auth.state.creds.me = { id: "15550001111:3@s.whatsapp.net", name: "Ada" };
    await Promise.all([auth.saveCreds(), auth.saveCreds(), auth.saveCreds(), auth.saveCreds()]);
    expect(saves).toBe(2); // the running one, then one for everything asked meanwhile
    auth.state.creds.nextPreKeyId = 42;
    await auth.saveCreds();
    await auth.settled();

    const stored = (await credentials.get(id)) as Credentials;
    const creds = readCreds(stored)!;
    expect(creds.me?.id).toBe("15550001111:3@s.whatsapp.net");
    expect(creds.nextPreKeyId).toBe(42);
    expect(Buffer.isBuffer(creds.noiseKey.private)).toBe(true);
    expect(Buffer.from(creds.signedIdentityKey.public).equals(Buffer.from(auth.state.creds.signedIdentityKey.public))).toBe(true);
    expect(readCreds(null)).toBeNull();
    expect(readCreds({ token: "x" })).toBeNull();
  });

  it("under Baileys' transaction layer, concurrent transactions and plain writes all land, each transaction in one write", async () => {
    const { keys } = await instanceKeys();
    let writes = 0;
    const counted: SessionKeyStore = { get: keys.get, set: (e) => ((writes += 1), keys.set(e)) };
    const auth = storedAuthState({ credentials: { creds: initAuthCreds() }, keys: counted, saveCredentials: async () => {}, onWriteError: () => {}, logger: silent });
    // As makeSocket does: addTransactionCapability over the (cached) store.
    const tx = addTransactionCapability(auth.state.keys, silent, { maxCommitRetries: 2, delayBetweenTriesMs: 10 });

    const N = 40;
    await Promise.all([
      ...Array.from({ length: N }, (_, i) =>
        tx.transaction(async () => {
          const before = await tx.get("session", [`c${i}.0`]);
          expect(before).toEqual({});
          await tx.set({ session: { [`c${i}.0`]: Buffer.from(`record-${i}`) } });
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          await tx.set({ "sender-key-memory": { [`g${i}@g.us`]: { [`c${i}`]: true } } });
          // Read your own write inside the transaction.
          expect(Buffer.from((await tx.get("session", [`c${i}.0`]))[`c${i}.0`]!).toString()).toBe(`record-${i}`);
        }, `c${i}`),
      ),
      ...Array.from({ length: N }, (_, i) => tx.set({ "lid-mapping": { [`pn${i}`]: `${i}@lid` } })),
    ]);
    expect(writes).toBe(2 * N); // one commit per transaction, one write per plain set

    // Read back through a fresh store (no cache): everything is durable.
    const fresh = signalKeyStore(keys, () => {});
    const sessions = await fresh.get("session", Array.from({ length: N }, (_, i) => `c${i}.0`));
    expect(Object.keys(sessions)).toHaveLength(N);
    expect(Buffer.from(sessions["c7.0"]!).toString()).toBe("record-7");
    expect(Object.keys(await fresh.get("lid-mapping", Array.from({ length: N }, (_, i) => `pn${i}`)))).toHaveLength(N);

    // Concurrent transactions on the same key serialise; the last one's value wins.
    await Promise.all(Array.from({ length: 10 }, (_, i) => tx.transaction(async () => tx.set({ session: { "same.0": Buffer.from(`v${i}`) } }), "same")));
    expect(Buffer.from((await fresh.get("session", ["same.0"]))["same.0"]!).toString()).toBe("v9");
  });

  it("surfaces every failed write: the key write and the creds save reject after reporting to onWriteError", async () => {
    const { keys } = await instanceKeys();
    const failing: SessionKeyStore = {
      get: keys.get,
      set: async () => {
        throw err("STORAGE_FAILED", { message: "disk full" });
      },
    };
    const errors: unknown[] = [];
    const auth = storedAuthState({
      credentials: null,
      keys: failing,
      saveCredentials: async () => {
        throw err("STORAGE_FAILED", { message: "database down" });
      },
      onWriteError: (e) => errors.push(e),
      logger: silent,
    });
    await expect(auth.state.keys.set({ session: { "a.0": Buffer.from("x") } })).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    expect(errors).toHaveLength(1);

    // Inside Baileys' transaction layer the commit is retried, then the transaction rejects; each try is reported.
    const tx = addTransactionCapability(auth.state.keys, silent, { maxCommitRetries: 2, delayBetweenTriesMs: 1 });
    await expect(tx.transaction(async () => tx.set({ session: { "b.0": Buffer.from("y") } }), "b")).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    expect(errors).toHaveLength(3);

    await expect(auth.saveCreds()).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    expect(errors).toHaveLength(4);
    await auth.settled(); // never rejects
  });
});
