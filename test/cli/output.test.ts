import { describe, expect, it } from "vitest";
import type { InstanceView } from "../../src/core/api.js";
import { CliApiError, GatewayUnreachableError } from "../../src/cli/client.js";
import { UsageError } from "../../src/cli/errors.js";
import {
  describeStatus,
  formatError,
  formatInstance,
  formatInstanceList,
  formatLogout,
  formatPlatforms,
  formatTokenList,
  jsonDoc,
  sanitize,
  secretBox,
  statusCell,
  table,
} from "../../src/cli/output.js";
import { serveBanner } from "../../src/cli/commands/serve.js";

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

function view(over: Partial<InstanceView> = {}): InstanceView {
  return {
    name: "support",
    platform: "telegram",
    config: {},
    metadata: {},
    desired: "running",
    status: { state: "connected", since: T0, self: { id: "42", name: "@bot" } },
    hasCredentials: true,
    logoutPending: false,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

describe("tables", () => {
  it("pads columns, upper-cases headers and trims trailing spaces", () => {
    expect(table(["a", "long"], [["xxx", "y"], ["z", ""]])).toBe("A    LONG\nxxx  y\nz\n");
  });

  it("lists instances: name, platform, status, desired, credentials", () => {
    const out = formatInstanceList([
      view(),
      view({ name: "wa", platform: "whatsapp-web", desired: "stopped", hasCredentials: false, status: { state: "awaiting_login", method: "qr", attempt: 2 } }),
    ]);
    expect(out.split("\n")).toEqual([
      "NAME     PLATFORM      STATUS               DESIRED  CREDENTIALS",
      "support  telegram      connected            running  yes",
      "wa       whatsapp-web  awaiting_login (qr)  stopped  no",
      "",
    ]);
    expect(formatInstanceList([])).toBe("No instances.\n");
  });

  it("lists tokens without the token and platforms with capabilities", () => {
    expect(formatTokenList([{ id: "tok_1", scope: "instance", instance: "a", label: "", createdAt: T0 }])).toBe(
      "ID     SCOPE     INSTANCE  LABEL  CREATED\ntok_1  instance  a         -      2025-01-02T03:04:05.000Z\n",
    );
    expect(formatTokenList([])).toBe("No tokens.\n");
    const p = formatPlatforms([
      {
        platform: "telegram",
        displayName: "Telegram bot",
        capabilities: { login: [{ method: "token" }], remoteLogout: false, send: true },
        actions: [{ name: "log-out-cloud" }, { name: "close-bot" }],
      },
    ]);
    expect(p).toContain("telegram  Telegram bot  token  no             yes   log-out-cloud,close-bot");
  });
});

describe("statuses", () => {
  it("has a short form for tables and a long form with every field", () => {
    expect(statusCell({ state: "stopped", reason: "user" })).toBe("stopped");
    expect(statusCell({ state: "stopped", reason: "login_expired" })).toBe("stopped (login_expired)");
    expect(statusCell({ state: "failed", error: { code: "PLATFORM_UNREACHABLE", message: "x" } })).toBe("failed (PLATFORM_UNREACHABLE)");
    expect(statusCell({ state: "reconnecting", attempt: 3, retryAt: T0, lastError: { code: "X", message: "y" } })).toBe("reconnecting (3)");
    expect(statusCell({ state: "logged_out", reason: "remote", remote: "revoked" })).toBe("logged_out (remote)");

    expect(describeStatus(view().status)).toBe("connected as @bot (42) since 2025-01-02T03:04:05.000Z");
    expect(describeStatus({ state: "awaiting_login", method: "qr", attempt: 1, expiresAt: T0 })).toBe(
      "awaiting_login (method: qr, attempt 1, expires 2025-01-02T03:04:05.000Z)",
    );
    expect(describeStatus({ state: "logged_out", reason: "user", remote: "not_supported" })).toBe(
      "logged_out (reason: user, remote: not_supported)",
    );
    expect(describeStatus({ state: "reconnecting", attempt: 2, retryAt: T0, lastError: { code: "E", message: "reset" } })).toBe(
      "reconnecting (attempt 2, next try 2025-01-02T03:04:05.000Z, last error: E: reset)",
    );
    // A state added later by the server still prints.
    expect(statusCell({ state: "hibernating" } as never)).toBe("hibernating");
  });

  it("shows an instance with its history, newest first", () => {
    const out = formatInstance(
      view({
        metadata: { team: "a" },
        logoutPending: true,
        history: [
          { ts: T0 + 1000, from: "starting", to: "connected", reason: "login" },
          { ts: T0, from: "stopped", to: "starting", reason: "connect" },
        ],
      }),
    );
    expect(out).toContain("status:          connected as @bot (42) since 2025-01-02T03:04:05.000Z\n");
    expect(out).toContain("logout pending:  yes");
    expect(out).toContain('metadata:        {"team":"a"}');
    expect(out).toContain(
      "History (newest first):\nTIME                      FROM      TO         REASON\n" +
        "2025-01-02T03:04:06.000Z  starting  connected  login\n" +
        "2025-01-02T03:04:05.000Z  stopped   starting   connect\n",
    );
    expect(formatInstance(view({ history: [] }))).toContain("History (newest first):\n  (none)\n");
  });

  it("reports a logout's remote outcome and the wipe", () => {
    const out = formatLogout({ instance: "a", status: "logged_out", remote: "unconfirmed", credentialsWiped: true });
    expect(out).toBe("a: logged out\nremote:             unconfirmed (the platform could not confirm (forced))\ncredentials wiped:  yes\n");
  });
});

describe("secrets and hostile values", () => {
  it("strips terminal control characters from server values", () => {
    expect(sanitize("ok\u001b[2J\r\nend\u009b")).toBe("ok?[2J??end?");
    expect(formatInstanceList([view({ name: "x\u001b]0;pwned\u0007" })])).not.toContain("\u001b");
  });

  it("boxes a secret and shows it exactly once", () => {
    const box = secretBox("Account token", "sba_abc123", ["note"]);
    expect(box.split("sba_abc123").length - 1).toBe(1);
    expect(box).toContain("│ Account token (shown once, store it now): sba_abc123 │");
    expect(box.startsWith("┌")).toBe(true);
    expect(serveBanner("http://h:1", null, null, { presetToken: true })).toBe(
      "Switchboard is listening on http://h:1\nAPI docs: http://h:1/docs\nAccount token: the one in SWITCHBOARD_ACCOUNT_TOKEN.\n",
    );
    const later = serveBanner("http://h:1", null);
    expect(later).toContain("Account token: not shown. This data directory already has one; it was printed once, on its first start.");
    expect(later).toContain("SWITCHBOARD_ACCOUNT_TOKEN");
    expect(serveBanner("http://h:1", "sba_t0k3n").split("sba_t0k3n").length - 1).toBe(1);
  });
});

describe("errors", () => {
  const validation = new CliApiError(400, {
    code: "VALIDATION_FAILED",
    message: "The request is not valid.",
    details: { issues: [{ path: "body.name", message: "must match" }], hint: "x" },
    retryAfterMs: 1200,
  });

  it("prints `error: <message> (<CODE>)` with issues, details and a retry hint", () => {
    expect(formatError(validation, { json: false })).toBe(
      "error: The request is not valid. (VALIDATION_FAILED)\n  - body.name: must match\n  details: {\"hint\":\"x\"}\n  retry after 2 s\n",
    );
  });

  it("prints the envelope as JSON with --json", () => {
    expect(JSON.parse(formatError(validation, { json: true }))).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "The request is not valid.",
        details: { issues: [{ path: "body.name", message: "must match" }], hint: "x" },
        retryAfterMs: 1200,
      },
    });
    expect(JSON.parse(formatError(new GatewayUnreachableError("http://h", "ECONNREFUSED"), { json: true }))).toMatchObject({
      error: { code: "GATEWAY_UNREACHABLE", details: { url: "http://h", cause: "ECONNREFUSED" } },
    });
    expect(JSON.parse(formatError(new UsageError("bad"), { json: true }))).toEqual({ error: { code: "USAGE", message: "bad" } });
  });

  it("never prints the token, and hints at --token on a 401 without one", () => {
    const leaky = new CliApiError(401, { code: "UNAUTHENTICATED", message: "bad token sbk_TOPSECRET", details: { t: "sbk_TOPSECRET" } });
    for (const json of [false, true]) {
      const out = formatError(leaky, { json, secrets: ["sbk_TOPSECRET"] });
      expect(out).not.toContain("sbk_TOPSECRET");
      expect(out).toContain("[redacted]");
    }
    expect(formatError(new CliApiError(401, { code: "UNAUTHENTICATED", message: "m" }), { json: false, hadToken: false })).toContain(
      "hint: pass --token or set SWITCHBOARD_TOKEN",
    );
  });

  it("prints JSON documents pretty, one per call", () => {
    expect(jsonDoc({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});
