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
    expect(doc.security).toEqual([{ bearer: [] }, { tokenHeader: [] }]);
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
