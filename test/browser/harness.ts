/**
 * Browser-test harness: Debian's Chromium driven by playwright-core, and a gateway in sandbox mode.
 *
 * One browser and one gateway per test file ({@link startBrowserHarness} in `beforeAll`,
 * `close()` in `afterAll`); a fresh browser context (cookies, storage) per test through
 * {@link BrowserHarness.newPage}. Screenshots go to `test-artifacts/browser/` (gitignored); traces are
 * off. See docs/browser-tests.md.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startServer, type RunningServer, type ServeOptions } from "../../src/server.js";

/** Where screenshots (and the gateway's log) are written, relative to the repository root. */
export const ARTIFACTS_DIR = resolve(import.meta.dirname, "../../test-artifacts/browser");

/** The account token the harness's gateway is started with. */
export const ACCOUNT_TOKEN = "sba_browser_test_account_token_0123456789abcdef";

/** Generous wait for anything the page shows after a round trip to the gateway or a sandbox, ms. */
export const UI_TIMEOUT_MS = 15_000;

/**
 * The Chromium binary: `$SWITCHBOARD_CHROMIUM` if set, else `chromium` on PATH (Debian's package,
 * installed by `.ci/run`).
 * @throws when there is none, with the command that installs it.
 */
export function chromiumPath(): string {
  const preset = process.env.SWITCHBOARD_CHROMIUM;
  if (preset) return preset;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "The browser tests need Debian's chromium on PATH: `apt-get install --no-install-recommends chromium` " +
        "(as .ci/run does), or set SWITCHBOARD_CHROMIUM to a Chromium binary.",
    );
  }
}

/** A started browser + gateway pair. */
export interface BrowserHarness {
  browser: Browser;
  gateway: RunningServer;
  /** The gateway's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The account token (see {@link ACCOUNT_TOKEN}). */
  token: string;
  /**
   * A page in a fresh browser context (1280×800 unless `viewport` says otherwise), its base URL the
   * gateway's, default action timeout {@link UI_TIMEOUT_MS}. Uncaught page errors are recorded in
   * `pageErrors`. Closed by {@link closePages} or {@link close}.
   */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Uncaught exceptions thrown in any page since the harness started (message + stack). */
  pageErrors: string[];
  /** Saves a full-page PNG to `test-artifacts/browser/<name>.png`; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes every context opened by `newPage` (call in `afterEach`). */
  closePages(): Promise<void>;
  /** Closes pages, browser and gateway, and removes the gateway's data directory. */
  close(): Promise<void>;
}

/**
 * Starts Chromium (`--no-sandbox`: the tests run as root in CI) and a gateway on a free port with a
 * temporary SQLite data directory, sandbox mode and {@link ACCOUNT_TOKEN} (and `extra` options, e.g.
 * another platform list). The gateway logs to `test-artifacts/browser/<logName>.log`.
 */
export async function startBrowserHarness(logName: string, extra: Partial<ServeOptions> = {}): Promise<BrowserHarness> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "sb-browser-"));
  const log = createWriteStream(join(ARTIFACTS_DIR, `${logName}.log`));
  const options: ServeOptions = {
    sandbox: true,
    port: 0,
    dataDir,
    accountToken: ACCOUNT_TOKEN,
    logLevel: "info",
    logDestination: log,
    ...extra,
  };
  let gateway: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    gateway = await startServer(options);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  } catch (e) {
    await gateway?.close();
    rmSync(dataDir, { recursive: true, force: true });
    log.end();
    throw e;
  }
  const started = { gateway, browser };
  const contexts = new Set<BrowserContext>();
  const pageErrors: string[] = [];
  const closePages = async (): Promise<void> => {
    const open = [...contexts];
    contexts.clear();
    await Promise.all(open.map((c) => c.close()));
  };
  return {
    browser,
    gateway,
    url: gateway.url,
    token: ACCOUNT_TOKEN,
    pageErrors,
    async newPage(viewport = { width: 1280, height: 800 }) {
      const context = await started.browser.newContext({ baseURL: started.gateway.url, viewport });
      contexts.add(context);
      context.setDefaultTimeout(UI_TIMEOUT_MS);
      const page = await context.newPage();
      page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
      return page;
    },
    async screenshot(page, name) {
      const path = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    closePages,
    async close() {
      await closePages();
      await started.browser.close();
      await started.gateway.close();
      await new Promise<void>((r) => log.end(r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
