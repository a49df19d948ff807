/**
 * The shared setup of the sandbox's end-to-end tests: one sandbox per test file (started in
 * beforeAll, its root trusted by Baileys; closed in afterAll, WhatsApp's root restored), its log
 * lines, and JSON calls to its control API.
 */
import { afterAll, beforeAll } from "vitest";
import { type WhatsAppWebSandbox, type WhatsAppWebSandboxOptions, startWhatsAppWebSandbox } from "../../../../sandbox/whatsapp-web/index.js";
import { restoreWhatsAppRoot, trustSandboxRoot } from "./baileys-client.js";

export type Json = Record<string, unknown>;

export interface SandboxFixture {
  /** The running sandbox (set once beforeAll ran). */
  readonly sandbox: WhatsAppWebSandbox;
  /** Every line the sandbox logged. */
  readonly logged: string[];
  /** A control-API request with an optional JSON body; resolves with the status and the JSON answer. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  /** `call("POST", path, body)`. */
  post(path: string, body: unknown): Promise<{ status: number; json: Json }>;
}

/** Registers beforeAll/afterAll for one sandbox started with `options` (plus a log collector). */
export function useSandbox(options: Omit<WhatsAppWebSandboxOptions, "log"> = {}): SandboxFixture {
  let sandbox: WhatsAppWebSandbox | undefined;
  const logged: string[] = [];
  beforeAll(async () => {
    sandbox = await startWhatsAppWebSandbox({ ...options, log: (line) => logged.push(line) });
    trustSandboxRoot(sandbox.rootPublicKey);
  });
  afterAll(async () => {
    restoreWhatsAppRoot();
    await sandbox?.close();
  });
  const fixture: SandboxFixture = {
    get sandbox() {
      if (!sandbox) throw new Error("the sandbox is not started yet (use it inside tests)");
      return sandbox;
    },
    logged,
    async call(method, path, body) {
      const res = await fetch(fixture.sandbox.url + path, {
        method,
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Json };
    },
    post: (path, body) => fixture.call("POST", path, body),
  };
  return fixture;
}

/** Polls `probe` every 20 ms until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The status code Baileys closed with (`lastDisconnect.error.output.statusCode`), if any. */
export function statusOf(update: { lastDisconnect?: { error?: Error | undefined } | undefined }): number | undefined {
  return (update.lastDisconnect?.error as { output?: { statusCode: number } } | undefined)?.output?.statusCode;
}
