import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { err } from "../../core/errors.js";
import { sendError } from "../errors.js";

/** Content types of the files the dashboard build produces; other files are not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** Largest file loaded into memory, bytes; the build's files are far smaller. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** A built file held in memory. */
interface Asset {
  type: string;
  body: Buffer;
}

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions {
  /**
   * The built dashboard (`npm run build` → `dist/dashboard/`, holding `index.html` and `assets/`).
   * Default: found by walking up from this module to the package root.
   */
  dir?: string;
}

/**
 * The browser dashboard (docs/dashboard.md), public like `/docs` (the page signs in with a token
 * itself), not rate limited (static files held in memory):
 * - `GET /` → `index.html` (`text/html`);
 * - `GET /assets/*` → the built modules and styles under `assets/` (`text/javascript`, `text/css`, …).
 *
 * Every answer carries a strict Content-Security-Policy: scripts only from this origin plus the
 * page's one inline import map (allowed by its SHA-256), styles only from this origin, `fetch` only to
 * this origin, images from this origin, `blob:` (the QR code) and `data:`, no frames, no plugins, no
 * `<base>`. The files are read once, at registration; a rebuild needs a restart. When the dashboard is
 * not built, both routes answer 404 `NOT_FOUND` saying so.
 */
export function dashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): void {
  const dir = options.dir ?? findBuiltDashboard();
  const assets = dir ? loadAssets(dir) : new Map<string, Asset>();
  const index = assets.get("index.html");
  const csp = contentSecurityPolicy(index?.body.toString("utf8") ?? "");

  const send = (reply: FastifyReply, asset: Asset | undefined) => {
    if (!asset) {
      return sendError(reply, err("NOT_FOUND", { message: index ? "No such dashboard file." : "The dashboard is not built; run `npm run build`." }));
    }
    return reply
      .header("content-security-policy", csp)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .header("cache-control", "no-cache")
      .type(asset.type)
      .send(asset.body);
  };

  const config = { access: "public" as const, rateLimit: false };
  const schema = { hide: true };
  app.get("/", { config, schema }, async (_request, reply) => send(reply, index));
  app.get<{ Params: { "*": string } }>("/assets/*", { config, schema }, async (request, reply) =>
    send(reply, assets.get(`assets/${request.params["*"]}`)),
  );
}

/**
 * The CSP of every dashboard answer. `html` is the index page: the SHA-256 of each inline
 * `<script type="importmap">` is allowed; any other inline script is not.
 */
export function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash("sha256").update(m[1] ?? "", "utf8").digest("base64")}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(" ")}`.trim(),
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** `dist/dashboard` of the package this module belongs to (from `src/…` or `dist/src/…`), or undefined. */
function findBuiltDashboard(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "dist", "dashboard");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Every servable file under `dir`, keyed by its `/`-separated path relative to `dir`. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, "index.html"))) return assets;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      const type = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || !type) continue;
      const body = readFileSync(path);
      if (body.length <= MAX_FILE_BYTES) assets.set(relative(dir, path).split(sep).join("/"), { type, body });
    }
  };
  walk(dir);
  return assets;
}
