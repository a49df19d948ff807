#!/usr/bin/env node
/**
 * What the test suite needs, provisioned where this machine allows it and otherwise named exactly.
 * Runs as `pretest` (so `npm test` runs it first) and from `.ci/run` before each vitest pass.
 *
 * Checks, in order (each one either passes, fixes the machine, or exits 1 with what to do):
 * 1. Node ≥ 22.19 (the supported lines are 22, 24 and 26).
 * 2. better-sqlite3's native addon loads in this Node.
 * 3. PostgreSQL answers at `$SWITCHBOARD_TEST_DATABASE_URL` (default
 *    `postgres://postgres@127.0.0.1:5432/test`): a local Debian cluster that is down is started
 *    (`pg_ctlcluster`), a missing database is created.
 * 4. Chromium for the browser tests: `$SWITCHBOARD_CHROMIUM`, or `chromium` on PATH, or Debian's
 *    package installed with apt-get (as root or with passwordless sudo).
 *
 * `SWITCHBOARD_TEST_SETUP=check` only checks: nothing is installed, started or created.
 * Plain JavaScript on purpose: it must run, and explain itself, on any Node, including an old one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), "..");
const CHECK_ONLY = process.env.SWITCHBOARD_TEST_SETUP === "check";
const PG_URL = process.env.SWITCHBOARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MIN_NODE = [22, 19];

const say = (msg) => console.log(`test setup: ${msg}`);
function fail(lines) {
  console.error(`\ntest setup: ${lines.join("\n  ")}\n`);
  process.exit(1);
}
function has(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
function asRoot(cmd, args) {
  if (isRoot) return spawnSync(cmd, args, { stdio: "inherit" }).status === 0;
  if (has("sudo") && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) {
    return spawnSync("sudo", ["-n", cmd, ...args], { stdio: "inherit" }).status === 0;
  }
  return false;
}

// 1. Node.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
  fail([
    `Node ${process.versions.node} is too old: Switchboard needs Node >= ${MIN_NODE.join(".")} (supported lines: 22, 24, 26).`,
    "Install Node 26 from the npm registry's `node` package and put it first on PATH, then run `npm ci && npm test` again:",
    "  npm install --prefix ~/.node26 --no-save node@26",
    "  export PATH=~/.node26/node_modules/node/bin:$PATH",
  ]);
}

// 2. better-sqlite3's addon (N-API, so one build serves every supported Node).
const require = createRequire(join(ROOT, "package.json"));
try {
  const Database = require("better-sqlite3");
  new Database(":memory:").close();
} catch (err) {
  fail([
    `better-sqlite3 does not load in Node ${process.versions.node}: ${err.message}`,
    "Run `npm ci` (or `npm rebuild better-sqlite3`) with this Node; building it needs python3, make and g++.",
  ]);
}

// 3. PostgreSQL.
const pg = require("pg");
async function pgTry(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("select 1");
    return null;
  } catch (err) {
    return err;
  } finally {
    await c.end().catch(() => {});
  }
}
function startLocalClusters() {
  if (!has("pg_ctlcluster") || !existsSync("/etc/postgresql")) return false;
  let started = false;
  for (const version of readdirSync("/etc/postgresql")) {
    for (const cluster of readdirSync(join("/etc/postgresql", version))) {
      say(`starting the local PostgreSQL cluster ${version}/${cluster}`);
      started = asRoot("pg_ctlcluster", ["--skip-systemctl-redirect", version, cluster, "start"]) || started;
    }
  }
  return started;
}
const safeUrl = PG_URL.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
let pgError = await pgTry(PG_URL);
if (pgError && pgError.code === "ECONNREFUSED" && !CHECK_ONLY && startLocalClusters()) {
  for (let i = 0; i < 30 && pgError; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    pgError = await pgTry(PG_URL);
    if (pgError && pgError.code !== "ECONNREFUSED" && pgError.code !== "57P03") break;
  }
}
if (pgError && pgError.code === "3D000" && !CHECK_ONLY) {
  const url = new URL(PG_URL);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  say(`creating the test database "${database}"`);
  const c = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query(`create database "${database.replace(/"/g, '""')}"`);
    pgError = await pgTry(PG_URL);
  } catch (err) {
    pgError = err;
  } finally {
    await c.end().catch(() => {});
  }
}
if (pgError) {
  fail([
    `PostgreSQL is not usable at ${safeUrl}: ${pgError.message}${pgError.code ? ` (${pgError.code})` : ""}.`,
    "The store, events and crash tests run against a real PostgreSQL (any version >= 13). Either:",
    "  - run one on 127.0.0.1:5432 that lets the user `postgres` in without a password (Debian: apt-get install postgresql,",
    "    then `host all all 127.0.0.1/32 trust` in pg_hba.conf), with a database `test`; or",
    "  - set SWITCHBOARD_TEST_DATABASE_URL=postgres://user:password@host:port/database to one the tests may create schemas in.",
  ]);
}
say(`PostgreSQL answers at ${safeUrl}`);

// 4. Chromium.
function chromiumFound() {
  if (process.env.SWITCHBOARD_CHROMIUM) return existsSync(process.env.SWITCHBOARD_CHROMIUM);
  return has("chromium");
}
if (!chromiumFound() && !CHECK_ONLY && !process.env.SWITCHBOARD_CHROMIUM && has("apt-get")) {
  say("installing Debian's chromium for the browser tests (apt-get install --no-install-recommends chromium)");
  const aptInstall = ["-y", "-q", "-o", "Dpkg::Use-Pty=0", "--no-install-recommends", "install", "chromium"];
  process.env.DEBIAN_FRONTEND = "noninteractive";
  // A stale package list names .deb versions the mirror no longer has: refresh it only when needed.
  if (!asRoot("apt-get", aptInstall)) {
    if (asRoot("apt-get", ["-q", "update"])) asRoot("apt-get", aptInstall);
  }
}
if (!chromiumFound()) {
  fail([
    process.env.SWITCHBOARD_CHROMIUM
      ? `SWITCHBOARD_CHROMIUM=${process.env.SWITCHBOARD_CHROMIUM} does not exist.`
      : "The browser tests (test/browser) need Chromium, and none is on PATH.",
    "Debian: `apt-get install --no-install-recommends chromium` (this script does it when run as root or with passwordless sudo);",
    "elsewhere: set SWITCHBOARD_CHROMIUM to a Chromium or Chrome binary.",
  ]);
}
say(`Chromium: ${process.env.SWITCHBOARD_CHROMIUM ?? execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim()}`);
