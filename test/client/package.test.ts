import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN, startTestGateway, type TestGateway } from "./gateway.js";

/**
 * The published shape of `@switchboard/client`: `npm pack` the built package, install the tarball
 * into a scratch project, compile a consumer against it with `skipLibCheck: false` (as a Node
 * project and as a browser project, each without the other's types), and run it against a real
 * gateway. Needs `npm run build` first (as `npm test` does).
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const CLIENT = join(ROOT, "client");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const scratch = mkdtempSync(join(tmpdir(), "sb-sdk-pack-"));
let tarball: string;
let packedFiles: string[];
let gw: TestGateway;

/** A consumer using the public API; `@ts-expect-error` lines prove the types are not `any`. */
const CONSUMER = `
import { Switchboard, SwitchboardError, TransportError, type SwitchboardEvent, type LogoutResult } from "@switchboard/client";

const sb = new Switchboard({ url: process.env.SB_URL ?? "http://127.0.0.1:1", token: process.env.SB_TOKEN });
const api = sb.instance("support-bot");

export function handle(event: SwitchboardEvent): string {
  // @ts-expect-error data is a union until the type is narrowed
  void event.data.body;
  if (event.type === "message.received") return event.data.body + event.data.threadId;
  if (event.type === "instance.status") return event.data.status.state;
  return event.type;
}

const stop = api.listen((err, event) => {
  if (err) {
    const kind: string = err instanceof SwitchboardError ? err.code : err instanceof TransportError ? err.url : "never";
    void kind;
    return;
  }
  handle(event);
});
stop();

export async function verbs(): Promise<LogoutResult> {
  await api.sendMessage({ threadId: "t", body: "b" });
  // @ts-expect-error a message needs a body
  await api.sendMessage({ threadId: "t" });
  const { remote, credentialsWiped } = await api.logout();
  const r: "revoked" | "already_revoked" | "not_supported" | "unconfirmed" = remote;
  const w: true = credentialsWiped;
  void r, w;
  return api.logout({ force: true });
}

export async function main(): Promise<void> {
  const platforms = await sb.platforms();
  try {
    await api.get();
  } catch (e) {
    if (e instanceof SwitchboardError) {
      console.log(JSON.stringify({ platforms: platforms.map((p) => p.platform), code: e.code, status: e.status }));
      return;
    }
    throw e;
  }
}
`;

function tsconfig(kind: "node" | "browser"): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: false,
      noEmit: kind === "browser",
      outDir: "out",
      lib: kind === "node" ? ["ES2022"] : ["ES2022", "DOM"],
      types: kind === "node" ? ["node"] : [],
      typeRoots: [join(ROOT, "node_modules/@types")],
    },
    files: [kind === "node" ? "consumer.ts" : "browser.ts"],
  });
}

beforeAll(async () => {
  if (!existsSync(join(CLIENT, "dist/index.d.ts"))) throw new Error("client/dist is missing: run `npm run build` first");
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], { cwd: CLIENT });
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  tarball = join(scratch, info.filename);
  packedFiles = info.files.map((f) => f.path).sort();

  const project = join(scratch, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project });
  writeFileSync(join(project, "consumer.ts"), `${CONSUMER}\nawait main();\n`);
  // The browser variant: no Node types (process is declared away).
  writeFileSync(join(project, "browser.ts"), `declare const process: { env: Record<string, string | undefined> };\n${CONSUMER}`);
  writeFileSync(join(project, "tsconfig.node.json"), tsconfig("node"));
  writeFileSync(join(project, "tsconfig.browser.json"), tsconfig("browser"));
  gw = await startTestGateway();
}, 60_000);

afterAll(async () => {
  await gw?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("@switchboard/client as published", () => {
  it("packs the bundled declarations and the JavaScript only", () => {
    expect(packedFiles).toContain("dist/index.d.ts");
    expect(packedFiles).toContain("dist/client/src/index.js");
    expect(packedFiles).toContain("package.json");
    expect(packedFiles.every((f) => f === "package.json" || f === "README.md" || f === "dist/index.d.ts" || /^dist\/client\/src\/[\w-]+\.js$/.test(f))).toBe(true);
  });

  it("installs without dependencies", () => {
    const modules = readdirSync(join(scratch, "app/node_modules")).filter((d) => !d.startsWith("."));
    expect(modules).toEqual(["@switchboard"]);
  });

  it("compiles a consumer with skipLibCheck false, as a Node project and as a browser project", async () => {
    for (const kind of ["node", "browser"] as const) {
      const r = await run(process.execPath, [TSC, "-p", `tsconfig.${kind}.json`], { cwd: join(scratch, "app") }).catch(
        (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "failed" }),
      );
      expect(`${r.stdout}${r.stderr}`, `tsc (${kind})`).toBe("");
    }
  }, 30_000);

  it("runs against a real gateway", async () => {
    const r = await run(process.execPath, ["out/consumer.js"], {
      cwd: join(scratch, "app"),
      env: { ...process.env, SB_URL: gw.url, SB_TOKEN: ACCOUNT_TOKEN },
    });
    expect(JSON.parse(r.stdout)).toEqual({ platforms: ["memory"], code: "INSTANCE_NOT_FOUND", status: 404 });
  }, 30_000);
});
