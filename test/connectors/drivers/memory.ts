/**
 * The contract driver of the memory test platform (test/support/memory-connector.ts): token logins,
 * a mailbox for messages sent while the instance is closed, revocation and takeover by the
 * platform, an unreachable switch. Its state lives in a JSON file, so the kill scenario's child
 * process plays the same platform.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Connector } from "../../../src/core/connector.js";
import { MemoryPlatform, memoryConnector } from "../../support/memory-connector.js";
import type { ContractDriver } from "../contract.js";

let dir = "";
let platform: MemoryPlatform;
const accounts = new Map<string, { id: string; token: string }>();

/** The child gateway's connector: the same platform, through its file. */
export function childConnector(env: Record<string, string>): Connector {
  return memoryConnector(new MemoryPlatform(env["file"]));
}

function account(name: string): { id: string; token: string } {
  const a = accounts.get(name);
  if (!a) throw new Error(`${name} has no account yet`);
  return a;
}

export const memoryDriver: ContractDriver = {
  platform: "memory",
  async start() {
    dir = mkdtempSync(join(tmpdir(), "sb-contract-memory-"));
    platform = new MemoryPlatform(join(dir, "platform.json"));
    platform.qrLimit = 3;
  },
  async stop() {
    rmSync(dir, { recursive: true, force: true });
  },
  connector: () => memoryConnector(platform, { qrIntervalMs: 200 }),
  config: () => ({}),
  async login(gw, name) {
    const token = `tok-${name}-${Math.random().toString(36).slice(2)}`;
    const id = platform.addTokenAccount(token, name);
    accounts.set(name, { id, token });
    await gw.connect(name, { method: "token", input: { token } }, "connected");
  },
  async inbound(name, text, whileClosed) {
    await platform.deliver(account(name).id, text, undefined, { queue: whileClosed });
  },
  thread: () => "contact-1",
  delivered: async (name) => platform.sentBy[account(name).id] ?? [],
  remoteLogout: "revoked",
  endedAtPlatform: async (name) => platform.isRevoked(account(name).id),
  secrets: (name) => [account(name).token, platform.state.accounts[account(name).id]?.secret ?? "no-secret"],
  async revoke(name) {
    platform.revoke(account(name).id);
  },
  async takeOver(name) {
    platform.takeover(account(name).id);
    return async () => {};
  },
  async unreachable(on) {
    platform.unreachable = on;
  },
  async expiringLogin(gw, name) {
    await gw.connect(name); // a QR login: three codes of 200 ms, then login_expired
  },
  child: () => ({ driverModule: fileURLToPath(import.meta.url), env: { file: join(dir, "platform.json") } }),
  skips: {
    "content-out": "the memory platform is text only and keeps no record of reactions, edits or deletes",
    "content-in": "the memory platform is text only",
  },
};
