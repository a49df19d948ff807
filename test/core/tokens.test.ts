import { describe, expect, it } from "vitest";
import { TokenCache, hashToken, newToken, verifyToken } from "../../src/core/tokens.js";
import type { TokenRecord, TokenStore } from "../../src/store/types.js";

/** A token store whose `findByHash` answers only when the test releases it. */
function slowStore(rec: TokenRecord): { store: TokenStore; release: () => void; deleted: () => void } {
  let release!: () => void;
  let gone = false;
  const gate = new Promise<void>((r) => (release = r));
  const store: TokenStore = {
    create: async () => {},
    findByHash: async (h) => {
      const found = !gone && h === rec.hash ? rec : undefined; // read before the revocation
      await gate;
      return found;
    },
    list: async () => [],
    delete: async () => true,
    countAccount: async () => 0,
  };
  return { store, release, deleted: () => (gone = true) };
}

describe("TokenCache", () => {
  it("does not cache a record read before a revocation that finished first", async () => {
    const token = newToken("account");
    const rec: TokenRecord = { id: "tok_1", hash: hashToken(token), scope: "account", instanceId: null, label: "t", createdAt: 0 };
    const { store, release, deleted } = slowStore(rec);
    const cache = new TokenCache();
    const verifying = verifyToken(store, token, cache, 1);
    deleted();
    cache.forget((r) => r.id === "tok_1"); // revokeToken: the store delete, then the forget
    release();
    expect(await verifying).toBeDefined(); // the in-flight request read it before the delete
    expect(cache.get(rec.hash, 2)).toBeUndefined();
    expect(await verifyToken(store, token, cache, 3)).toBeUndefined();
  });

  it("caches a record when nothing was forgotten meanwhile", async () => {
    const token = newToken("instance");
    const rec: TokenRecord = { id: "tok_2", hash: hashToken(token), scope: "instance", instanceId: "i", label: "t", createdAt: 0 };
    const { store, release } = slowStore(rec);
    const cache = new TokenCache();
    const verifying = verifyToken(store, token, cache, 1);
    release();
    expect((await verifying)?.id).toBe("tok_2");
    expect(cache.get(rec.hash, 2)?.id).toBe("tok_2");
    expect(cache.get(rec.hash, 20_000)).toBeUndefined();
  });
});
