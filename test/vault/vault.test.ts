import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { SecretStore, Store } from "../../src/store/types.js";
import { CREDENTIALS_KEY, vaultCredentialStore } from "../../src/vault/credential-store.js";
import { aadFor, CredentialVault } from "../../src/vault/credential-vault.js";
import { decodeJson, encodeJson } from "../../src/vault/json-codec.js";
import { deriveMasterKey, loadMasterKey } from "../../src/vault/master-key.js";
import { Vault } from "../../src/vault/vault.js";
import { createInstanceRecord } from "../support/records.js";

const tempRoots: string[] = [];
function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), "sb-vault-"));
  tempRoots.push(root);
  return join(root, "data");
}
afterAll(() => {
  for (const r of tempRoots) rmSync(r, { recursive: true, force: true });
});

const undecryptable = { name: "SwitchboardError", code: "STORAGE_FAILED", message: "credential could not be decrypted" };

async function newInstance(store: Store, name?: string): Promise<string> {
  return (await createInstanceRecord(store, { platform: "whatsapp", ...(name ? { name } : {}) })).id;
}

describe("Vault", () => {
  const vault = new Vault(randomBytes(32));

  it("round-trips plaintext of any length", () => {
    for (const plain of [Buffer.alloc(0), Buffer.from("hello"), randomBytes(100_000)]) {
      expect(vault.open(vault.seal(plain, "inst/creds"), "inst/creds").equals(plain)).toBe(true);
    }
  });

  it("writes [version 1][iv 12][tag 16][ciphertext] with a fresh IV each time", () => {
    const plain = Buffer.from("same plaintext");
    const a = vault.seal(plain, "x/y");
    const b = vault.seal(plain, "x/y");
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + 16 + plain.length);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(plain)).toBe(false);
  });

  it("detects tampering in every part of the blob", () => {
    const sealed = vault.seal(Buffer.from("secret credentials"), "inst/creds");
    for (const at of [0, 1, 12, 13, 28, 29, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = bad[at]! ^ 0x01;
      expect(() => vault.open(bad, "inst/creds"), `byte ${at}`).toThrow(expect.objectContaining(undecryptable));
    }
    expect(() => vault.open(sealed.subarray(0, 28), "inst/creds")).toThrow(expect.objectContaining(undecryptable));
    expect(() => vault.open(sealed.subarray(0, sealed.length - 1), "inst/creds")).toThrow(expect.objectContaining(undecryptable));
    expect(() => vault.open(Buffer.alloc(0), "inst/creds")).toThrow(expect.objectContaining(undecryptable));
  });

  it("refuses a blob opened with another AAD (another instance or key)", () => {
    const sealed = vault.seal(Buffer.from("secret"), aadFor("inst-a", "creds"));
    expect(() => vault.open(sealed, aadFor("inst-b", "creds"))).toThrow(expect.objectContaining(undecryptable));
    expect(() => vault.open(sealed, aadFor("inst-a", "other"))).toThrow(expect.objectContaining(undecryptable));
  });

  it("refuses a blob sealed with another key, without leaking anything in the error", () => {
    const key = randomBytes(32);
    const sealed = new Vault(key).seal(Buffer.from("PLAINTEXT-MARKER"), "a/b");
    let caught: unknown;
    try {
      new Vault(randomBytes(32)).open(sealed, "a/b");
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject(undecryptable);
    const text = `${(caught as Error).message} ${JSON.stringify(caught)}`;
    expect(text).not.toContain("PLAINTEXT-MARKER");
    expect(text).not.toContain(key.toString("base64"));
    expect(text).not.toContain(key.toString("hex"));
  });

  it("requires a 32-byte key and copies it", () => {
    expect(() => new Vault(randomBytes(16))).toThrow(expect.objectContaining({ code: "INTERNAL" }));
    const key = randomBytes(32);
    const v = new Vault(key);
    const sealed = v.seal(Buffer.from("x"), "a/b");
    key.fill(0);
    expect(v.open(sealed, "a/b")).toEqual(Buffer.from("x"));
  });
});

describe("master key", () => {
  it("generates <dataDir>/master.key (0600, base64 of 32 bytes) on first start and reuses it", async () => {
    const dir = tempDir();
    const key = await loadMasterKey({ dataDir: dir });
    expect(key.length).toBe(32);
    const file = join(dir, "master.key");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toEqual(key);
    expect(await loadMasterKey({ dataDir: dir })).toEqual(key);
    expect(await loadMasterKey({ dataDir: tempDir() })).not.toEqual(key);
  });

  it("agrees on one key when several first starts race", async () => {
    const dir = tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir: dir })));
    for (const k of keys) expect(k).toEqual(keys[0]);
  });

  it("restricts a group/world-readable key file to 0600 and warns", async () => {
    const dir = tempDir();
    const key = await loadMasterKey({ dataDir: dir });
    const file = join(dir, "master.key");
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    expect(await loadMasterKey({ dataDir: dir, onWarning: (m) => warnings.push(m) })).toEqual(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("0644");
    expect(warnings[0]).not.toContain(key.toString("base64"));
  });

  it("refuses a malformed key file without echoing its content", async () => {
    const dir = tempDir();
    await loadMasterKey({ dataDir: dir });
    writeFileSync(join(dir, "master.key"), "TOO-SHORT-SECRET\n", { mode: 0o600 });
    const e = await loadMasterKey({ dataDir: dir }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "STORAGE_FAILED" });
    expect((e as Error).message).not.toContain("TOO-SHORT-SECRET");
  });

  it("derives a deterministic key from SWITCHBOARD_SECRET (HKDF-SHA256) without touching the data dir", async () => {
    const dir = tempDir();
    const a = await loadMasterKey({ dataDir: dir, secret: "correct horse battery staple" });
    const b = await loadMasterKey({ dataDir: tempDir(), secret: "correct horse battery staple" });
    const c = await loadMasterKey({ dataDir: dir, secret: "correct horse battery stapler" });
    expect(a.length).toBe(32);
    expect(a).toEqual(b);
    expect(a).toEqual(deriveMasterKey("correct horse battery staple"));
    expect(c).not.toEqual(a);
    expect(existsSync(dir)).toBe(false);
    // Pinned vector: the derivation must never change, or every stored credential becomes unreadable.
    expect(deriveMasterKey("switchboard").toString("hex")).toBe(DERIVED_SWITCHBOARD);
  });

  it("treats an empty secret as unset", async () => {
    const dir = tempDir();
    const key = await loadMasterKey({ dataDir: dir, secret: "" });
    expect(existsSync(join(dir, "master.key"))).toBe(true);
    expect(key).toEqual(await loadMasterKey({ dataDir: dir }));
  });
});

describe("JSON codec", () => {
  it("round-trips Buffers and Uint8Arrays at any depth", () => {
    const value = {
      creds: { noiseKey: { private: randomBytes(32), public: new Uint8Array([1, 2, 3]) } },
      list: [Buffer.from("a"), { deep: [new Uint8Array(0)] }],
      plain: { n: 1, s: "x", b: true, nil: null },
    };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Buffer.isBuffer(back.creds.noiseKey.private)).toBe(true);
    expect(Buffer.isBuffer(back.creds.noiseKey.public)).toBe(false);
    expect(back.creds.noiseKey.public).toBeInstanceOf(Uint8Array);
    expect(decodeJson(encodeJson(Buffer.from("top")))).toEqual(Buffer.from("top"));
    const view = Buffer.from("xxhelloxx").subarray(2, 7);
    expect(decodeJson(encodeJson({ view }))).toEqual({ view: Buffer.from("hello") });
  });
});

/** A SecretStore that pretends to wipe but keeps everything. */
class LyingSecretStore implements SecretStore {
  readonly rows = new Map<string, Buffer>();
  async get(i: string, k: string): Promise<Buffer | undefined> {
    return this.rows.get(`${i}\0${k}`);
  }
  async put(i: string, k: string, s: Buffer): Promise<void> {
    this.rows.set(`${i}\0${k}`, s);
  }
  async putMany(i: string, entries: ReadonlyArray<readonly [string, Buffer | null]>): Promise<void> {
    for (const [k, s] of entries) {
      if (s === null) this.rows.delete(`${i}\0${k}`);
      else this.rows.set(`${i}\0${k}`, s);
    }
  }
  async delete(i: string, k: string): Promise<void> {
    this.rows.delete(`${i}\0${k}`);
  }
  async count(i: string): Promise<number> {
    return [...this.rows.keys()].filter((k) => k.startsWith(`${i}\0`)).length;
  }
  async wipe(): Promise<number> {
    return 0;
  }
}

describe("CredentialVault", () => {
  let dir: string;
  let store: Store;
  const vault = new Vault(randomBytes(32));

  beforeAll(async () => {
    dir = tempDir();
    store = await openStore({ dataDir: dir });
  });
  afterAll(async () => {
    await store.close();
  });

  it("stores JSON with binary values sealed, and reads it back", async () => {
    const id = await newInstance(store);
    const creds = new CredentialVault(store.secrets, vault);
    const value = { me: { id: "123@s.whatsapp.net" }, signedIdentityKey: { private: randomBytes(32) } };
    expect(await creds.getJson(id, "creds")).toBeUndefined();
    expect(await creds.has(id)).toBe(false);
    await creds.putJson(id, "creds", value);
    expect(await creds.getJson(id, "creds")).toStrictEqual(value);
    expect(await creds.has(id)).toBe(true);
    const sealed = await store.secrets.get(id, "creds");
    expect(sealed?.includes(Buffer.from("s.whatsapp.net"))).toBe(false);
    await creds.putJson(id, "creds", null);
    expect(await creds.getJson(id, "creds")).toBeUndefined();
  });

  it("writes many keys at once (null/undefined delete) and deletes one", async () => {
    const id = await newInstance(store);
    const creds = new CredentialVault(store.secrets, vault);
    await creds.putJson(id, "gone", { x: 1 });
    await creds.putManyJson(id, [
      ["pre-key/1", { k: Buffer.from("one") }],
      ["pre-key/2", { k: Buffer.from("two") }],
      ["gone", null],
      ["never", undefined],
    ]);
    expect(await store.secrets.count(id)).toBe(2);
    expect(await creds.getJson(id, "pre-key/2")).toEqual({ k: Buffer.from("two") });
    expect(await creds.getJson(id, "gone")).toBeUndefined();
    await creds.delete(id, "pre-key/1");
    expect(await store.secrets.count(id)).toBe(1);
  });

  it("refuses a blob moved to another instance or key", async () => {
    const a = await newInstance(store);
    const b = await newInstance(store);
    const creds = new CredentialVault(store.secrets, vault);
    await creds.putJson(a, "creds", { token: "A" });
    const blob = (await store.secrets.get(a, "creds"))!;
    await store.secrets.put(b, "creds", blob);
    await store.secrets.put(a, "other", blob);
    await expect(creds.getJson(b, "creds")).rejects.toMatchObject(undecryptable);
    await expect(creds.getJson(a, "other")).rejects.toMatchObject(undecryptable);
    await expect(new CredentialVault(store.secrets, new Vault(randomBytes(32))).getJson(a, "creds")).rejects.toMatchObject(
      undecryptable,
    );
  });

  it("wipes and verifies; returns how many keys went", async () => {
    const id = await newInstance(store);
    const other = await newInstance(store);
    const creds = new CredentialVault(store.secrets, vault);
    await creds.putManyJson(id, [
      ["a", { v: 1 }],
      ["b", { v: 2 }],
    ]);
    await creds.putJson(other, "a", { v: 3 });
    expect(await creds.wipe(id)).toBe(2);
    expect(await creds.has(id)).toBe(false);
    expect(await creds.wipe(id)).toBe(0);
    expect(await creds.getJson(other, "a")).toEqual({ v: 3 });
  });

  it("fails the wipe with STORAGE_FAILED when keys remain", async () => {
    const lying = new LyingSecretStore();
    const creds = new CredentialVault(lying, vault);
    await creds.putJson("inst", "creds", { token: "x" });
    await expect(creds.wipe("inst")).rejects.toMatchObject({ code: "STORAGE_FAILED", details: { remaining: 1 } });
  });

  it("refuses instance ids containing '/' (the AAD separator)", async () => {
    const creds = new CredentialVault(new LyingSecretStore(), vault);
    await expect(creds.putJson("a/b", "c", { x: 1 })).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("backs the core's CredentialStore", async () => {
    const id = await newInstance(store);
    const cs = vaultCredentialStore(store.secrets, vault);
    expect(await cs.get(id)).toBeNull();
    expect(await cs.has(id)).toBe(false);
    await cs.put(id, { token: "bot:123", keys: { k: Buffer.from([9, 9]) } });
    expect(await cs.get(id)).toEqual({ token: "bot:123", keys: { k: Buffer.from([9, 9]) } });
    expect(await store.secrets.get(id, CREDENTIALS_KEY)).toBeDefined();
    await cs.put(id, { token: "bot:456" });
    expect(await cs.get(id)).toEqual({ token: "bot:456" });
    expect(await cs.has(id)).toBe(true);
    await cs.wipe(id);
    await cs.wipe(id);
    expect(await cs.has(id)).toBe(false);
    expect(await cs.get(id)).toBeNull();
  });

  it("keeps session keys beside the credentials: sealed, in one transaction, counted by has, gone with the wipe", async () => {
    const id = await newInstance(store);
    const cs = vaultCredentialStore(store.secrets, vault);
    await cs.putKeys(id, [
      ["pre-key/1", { private: Buffer.from([1, 2]), public: Buffer.from([3]) }],
      ["session/a.0", "record"],
      [CREDENTIALS_KEY, "cannot clobber the credentials object"],
    ]);
    expect(await cs.has(id)).toBe(true);
    expect(await cs.get(id)).toBeNull(); // a key named like the credentials object is a key, not the credentials
    const got = await cs.getKeys(id, ["pre-key/1", "session/a.0", "missing"]);
    expect(Object.fromEntries(got)).toEqual({ "pre-key/1": { private: Buffer.from([1, 2]), public: Buffer.from([3]) }, "session/a.0": "record" });
    await cs.putKeys(id, [["pre-key/1", null]]);
    expect([...(await cs.getKeys(id, ["pre-key/1", "session/a.0"])).keys()]).toEqual(["session/a.0"]);
    // The stored bytes are sealed: no plaintext of the value.
    const raw = await store.secrets.get(id, "keys/session/a.0");
    expect(raw && Buffer.from(raw).includes(Buffer.from("record"))).toBe(false);
    await cs.wipe(id);
    expect(await cs.has(id)).toBe(false);
    expect((await cs.getKeys(id, ["session/a.0"])).size).toBe(0);
  });
});

describe("credentials on disk (SQLite)", () => {
  /** Every file of the data dir (db, -wal, -shm, lock, key) as bytes. */
  function files(d: string): Array<[string, Buffer]> {
    return readdirSync(d).map((f) => [f, readFileSync(join(d, f))]);
  }

  it("never writes plaintext; after wipe no ciphertext byte remains in any file", async () => {
    const dir = tempDir();
    const key = await loadMasterKey({ dataDir: dir });
    const store = await openStore({ dataDir: dir });
    try {
      const vault = new Vault(key);
      const creds = new CredentialVault(store.secrets, vault);
      const id = await newInstance(store, "raw-file");
      const marker = `PLAINTEXT-MARKER-${randomBytes(8).toString("hex")}`;
      const binaryMarker = Buffer.concat([Buffer.from("BINARY-MARKER-"), randomBytes(24)]);
      await creds.putJson(id, "creds", { session: marker, blob: binaryMarker, filler: "x".repeat(5000) });
      await creds.putManyJson(
        id,
        Array.from({ length: 30 }, (_, i) => [`pre-key/${i}`, { note: `${marker}-${i}`, key: randomBytes(32) }] as const),
      );
      // Replace one value, so an old version exists too.
      await creds.putJson(id, "pre-key/0", { note: `${marker}-replaced` });

      const sealed = await Promise.all(
        ["creds", ...Array.from({ length: 30 }, (_, i) => `pre-key/${i}`)].map(async (k) => (await store.secrets.get(id, k))!),
      );
      const all = files(dir);
      expect(all.map(([f]) => f)).toEqual(expect.arrayContaining(["switchboard.db", "switchboard.db-wal", "switchboard.db-shm"]));
      for (const [file, bytes] of all) {
        expect(bytes.includes(Buffer.from("PLAINTEXT-MARKER")), `${file} holds plaintext`).toBe(false);
        expect(bytes.includes(Buffer.from(marker)), `${file} holds plaintext`).toBe(false);
        expect(bytes.includes(binaryMarker), `${file} holds binary plaintext`).toBe(false);
      }
      // The ciphertext is on disk before the wipe (so the check after it is meaningful).
      const ciphertextOf = (s: Buffer): Buffer => s.subarray(29, 29 + 32);
      expect(all.some(([, bytes]) => bytes.includes(ciphertextOf(sealed[0]!)))).toBe(true);

      expect(await creds.wipe(id)).toBe(31);
      for (const [file, bytes] of files(dir)) {
        for (const s of sealed) {
          expect(bytes.includes(ciphertextOf(s)), `${file} still holds ciphertext`).toBe(false);
          expect(bytes.includes(s.subarray(1, 29)), `${file} still holds an IV+tag`).toBe(false);
        }
      }
      expect(await store.instances.getById(id)).toBeDefined();
    } finally {
      await store.close();
    }
  });
});

/** HKDF-SHA256(ikm "switchboard", salt "switchboard/master-key/salt/v1", info "switchboard/master-key/v1", 32). */
const DERIVED_SWITCHBOARD = "9f71a6b2833a61eb087f6e8d2c9f8db7e1cf3dc953d8f371a20576c528cb9251";
