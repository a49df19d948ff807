import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentSecurityPolicy, dashboardRoutes } from "../../src/http/routes/dashboard.js";
import { httpHarness, type HttpHarness } from "../support/http-harness.js";

const IMPORT_MAP = '{"imports":{"@switchboard/client":"/assets/sdk/index.js"}}';
const HTML = `<!doctype html><html><head><script type="importmap">${IMPORT_MAP}</script><script type="module" src="/assets/app/main.js"></script></head><body></body></html>`;

describe("dashboard route (fixture build)", () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-dashboard-"));
    mkdirSync(join(dir, "assets", "app"), { recursive: true });
    writeFileSync(join(dir, "index.html"), HTML);
    writeFileSync(join(dir, "assets", "app", "main.js"), "export {};\n");
    writeFileSync(join(dir, "assets", "style.css"), "body{}\n");
    writeFileSync(join(dir, "assets", "notes.txt"), "not served\n");
    app = Fastify();
    dashboardRoutes(app, { dir });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves / as HTML with a strict CSP that allows exactly the import map", async () => {
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toBe(HTML);
    const hash = createHash("sha256").update(IMPORT_MAP).digest("base64");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves modules and styles with their content types", async () => {
    const js = await app.inject({ url: "/assets/app/main.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    const css = await app.inject({ url: "/assets/style.css" });
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("serves nothing else: unknown extensions, missing files and path tricks are 404", async () => {
    for (const url of ["/assets/notes.txt", "/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/%2e%2e/package.json"]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it("hashes every import map and no other inline script", () => {
    expect(contentSecurityPolicy("<script>alert(1)</script>")).toContain("script-src 'self';");
  });
});

describe("dashboard route in the gateway app", () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await httpHarness();
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("answers / without a token (the built page, or 404 NOT_FOUND when not built)", async () => {
    const res = await h.app.inject({ url: "/" });
    expect([200, 404]).toContain(res.statusCode);
    if (res.statusCode === 200) {
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.body).toContain('<script type="importmap">');
      const sdk = await h.app.inject({ url: "/assets/sdk/index.js" });
      expect(sdk.statusCode).toBe(200);
      expect(sdk.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      const main = await h.app.inject({ url: "/assets/app/main.js" });
      expect(main.body).toContain('from "@switchboard/client"');
    } else {
      expect(res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
  });
});
