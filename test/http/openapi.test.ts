import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, httpHarness, type HttpHarness } from "../support/http-harness.js";

interface OpenApiDoc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; operationId?: string }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }>; schemas: Record<string, unknown> };
  security: unknown[];
}

describe("OpenAPI document and docs", () => {
  let h: HttpHarness;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    h = await httpHarness();
    const res = await h.request({ url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    doc = res.json() as OpenApiDoc;
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("is OpenAPI 3.1 with the gateway's version", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe("0.0.0-test");
  });

  it("lists every route", () => {
    const documented = ROUTES.filter((r) => r.inOpenApi !== false);
    for (const r of documented) {
      const path = r.pattern.replace(/:(\w+)/g, "{$1}");
      expect(doc.paths[path], path).toBeDefined();
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${path}`).toBeDefined();
      expect(op?.operationId).toBeTruthy();
    }
    // …and nothing undocumented under /v1.
    const listed = new Set(documented.map((r) => `${r.method.toLowerCase()} ${r.pattern.replace(/:(\w+)/g, "{$1}")}`));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (method === "head") continue;
        expect(listed.has(`${method} ${path}`), `${method} ${path} is in the route table`).toBe(true);
      }
    }
  });

  it("declares bearer and token-header security, and public routes opt out", () => {
    expect(doc.components.securitySchemes["bearer"]).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes["tokenHeader"]).toMatchObject({ type: "apiKey", in: "header", name: "token" });
    expect(doc.components.securitySchemes["apikeyHeader"]).toMatchObject({ type: "apiKey", in: "header", name: "apikey" });
    expect(doc.components.securitySchemes["xApiKeyHeader"]).toMatchObject({ type: "apiKey", in: "header", name: "X-Api-Key" });
    expect(doc.security).toEqual([{ bearer: [] }, { tokenHeader: [] }, { apikeyHeader: [] }, { xApiKeyHeader: [] }]);
    expect(doc.paths["/health"]?.["get"]?.security).toEqual([]);
    expect(doc.paths["/ready"]?.["get"]?.security).toEqual([]);
    expect(doc.paths["/v1/instances"]?.["post"]?.security).toBeUndefined();
  });

  it("includes the error envelope and references it from error responses", () => {
    const env = doc.components.schemas["ErrorEnvelope"] as { properties: { error: { required: string[]; properties: { code: { enum: string[] } } } } };
    expect(env).toBeDefined();
    expect(env.properties.error.required).toEqual(expect.arrayContaining(["code", "message"]));
    expect(env.properties.error.properties.code.enum).toEqual(expect.arrayContaining(["VALIDATION_FAILED", "RATE_LIMITED", "LOGOUT_UNCONFIRMED"]));
    const responses = doc.paths["/v1/instances/{name}/logout"]?.["post"]?.responses ?? {};
    expect(JSON.stringify(responses["5XX"] ?? responses["5xx"])).toContain("#/components/schemas/ErrorEnvelope");
    expect(JSON.stringify(responses["4XX"] ?? responses["4xx"])).toContain("#/components/schemas/ErrorEnvelope");
  });

  it("documents the QR's three representations", () => {
    const ok = doc.paths["/v1/instances/{name}/qr"]?.["get"]?.responses["200"] as { content: Record<string, unknown> };
    expect(Object.keys(ok.content).sort()).toEqual(["application/json", "image/png", "image/svg+xml"]);
  });

  it("serves the docs page and its assets without a token", async () => {
    const page = await h.request({ url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("swagger-ui");
    const css = await h.request({ url: "/docs/static/swagger-ui.css" });
    expect(css.statusCode).toBe(200);
    const bundle = await h.request({ url: "/docs/static/swagger-ui-bundle.js" });
    expect(bundle.statusCode).toBe(200);
    expect(page.body).not.toMatch(/https?:\/\/(unpkg|cdn)/);
  });
});

describe("OpenAPI document with the compat profiles on", () => {
  it("lists every route of each profile under its own tag, and none when the profiles are off", async () => {
    const { RYZE_ROUTES, RYZE_CREATE_ALIAS } = await import("../../src/http/compat/ryze/contract.js");
    const { WWEBJS_ROUTES } = await import("../../src/http/compat/wwebjs/contract.js");
    const h = await httpHarness({ compat: { profiles: ["ryze", "wwebjs"], instance: "bound" } });
    try {
      const doc = (await h.request({ url: "/openapi.json" })).json() as OpenApiDoc & { tags: Array<{ name: string }> };
      const expected = [
        ...RYZE_ROUTES.map((r) => ({ method: r.method, url: r.url, tag: "compat: ryze" })),
        { method: "POST", url: RYZE_CREATE_ALIAS, tag: "compat: ryze" },
        ...WWEBJS_ROUTES.map((r) => ({ method: r.method, url: r.url, tag: "compat: wwebjs" })),
      ];
      for (const r of expected) {
        const op = doc.paths[r.url.replace(/:(\w+)/g, "{$1}")]?.[r.method.toLowerCase()] as { tags?: string[]; operationId?: string } | undefined;
        expect(op, `${r.method} ${r.url}`).toBeDefined();
        expect(op?.tags).toEqual([r.tag]);
        expect(op?.operationId).toBeTruthy();
      }
      expect(doc.tags.map((t) => t.name)).toEqual(expect.arrayContaining(["compat: ryze", "compat: wwebjs"]));
    } finally {
      await h.dispose();
    }
    const off = await httpHarness();
    try {
      const doc = (await off.request({ url: "/openapi.json" })).json() as OpenApiDoc;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith("/api/") || p === "/qr")).toEqual([]);
      expect((await off.request({ method: "DELETE", url: "/api/instance/logout/x", token: off.accountToken })).statusCode).toBe(404);
    } finally {
      await off.dispose();
    }
  });
});
