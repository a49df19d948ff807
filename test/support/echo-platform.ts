/**
 * "Echo": a tiny test platform that exists only as a platform module (issue 13, "a test platform
 * registered only through its module list entry"): a connector, a sandbox built on the sandbox kit
 * (sandbox/kit: server, control router) and a dashboard panel as data. Nothing else of the gateway
 * names it; tests pass it in a platform list (`startServer({platforms})`, `buildProgram(io, {platforms})`).
 *
 * The platform: accounts with a token; `GET /api/me?token=` answers the account; `POST /api/messages`
 * `{token, to, text}` records a message. Control API: `POST /sandbox/accounts {name?}` → 201
 * `{id, name, token}`, `GET /sandbox/accounts` → `{accounts}`, `GET /sandbox/accounts/:id/sent` →
 * `{messages}`.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest, type Agent } from "node:http";
import { Type } from "@sinclair/typebox";
import type { Connector, OutboundMessage, Session, SessionContext } from "../../src/core/connector.js";
import { err } from "../../src/core/errors.js";
import { UrlString } from "../../src/core/url-field.js";
import { definePlatform, type SandboxPanel } from "../../src/platforms/index.js";
import { ControlError, answer, controlRouter } from "../../sandbox/kit/control.js";
import { startSandboxServer } from "../../sandbox/kit/http.js";

interface Account {
  id: string;
  name: string;
  token: string;
  sent: Array<{ to: string; text: string }>;
}

/** Starts the Echo sandbox on `host:port`. */
export async function startEchoSandbox(host: string, port: number): Promise<{ url: string; accounts: Account[]; close(): Promise<void> }> {
  const accounts: Account[] = [];
  const byToken = (t: string | null): Account | undefined => accounts.find((a) => a.token === t);
  const control = controlRouter({
    envelope: {
      ok: (r) => r,
      error: (e) => (e instanceof ControlError ? [e.status, { error: { code: e.code, message: e.message } }] : [500, { error: { code: "internal", message: String(e) } }]),
    },
    describe: () => ({ name: "Echo sandbox" }),
    routes: [
      {
        method: "POST",
        path: "/accounts",
        doc: "POST /sandbox/accounts {name?} — an account with a token",
        run: async ({ body }) => {
          const b = await body();
          const a: Account = { id: `acct-${accounts.length + 1}`, name: typeof b.name === "string" ? b.name : `echo${accounts.length + 1}`, token: `echo_${randomBytes(12).toString("hex")}`, sent: [] };
          accounts.push(a);
          return answer(201, { id: a.id, name: a.name, token: a.token });
        },
      },
      { method: "GET", path: "/accounts", doc: "GET /sandbox/accounts", run: () => ({ accounts: accounts.map((a) => ({ id: a.id, name: a.name })) }) },
      {
        method: "GET",
        path: "/accounts/:id/sent",
        doc: "GET /sandbox/accounts/:id/sent — what the account sent",
        run: ({ params }) => {
          const a = accounts.find((x) => x.id === params.id);
          if (!a) throw new ControlError(404, "account_not_found", `no account ${params.id!}`);
          return { messages: a.sent };
        },
      },
    ],
  });
  const server = await startSandboxServer({
    host,
    port,
    onRequest: (req, res) => {
      const url = new URL(req.url ?? "/", "http://echo");
      if (url.pathname.startsWith("/sandbox")) return void control(req, res);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (url.pathname === "/api/me" && req.method === "GET") {
        const a = byToken(url.searchParams.get("token"));
        return a ? json(200, { id: a.id, name: a.name }) : json(401, { error: "unauthorized" });
      }
      if (url.pathname === "/api/messages" && req.method === "POST") {
        let text = "";
        req.on("data", (c: Buffer) => (text += c.toString()));
        req.on("end", () => {
          const b = JSON.parse(text || "{}") as { token?: string; to?: string; text?: string };
          const a = byToken(b.token ?? null);
          if (!a) return json(401, { error: "unauthorized" });
          a.sent.push({ to: String(b.to), text: String(b.text) });
          json(200, { id: `msg-${a.sent.length}` });
        });
        return;
      }
      json(404, { error: "not found" });
    },
  });
  return { url: server.url, accounts, close: () => server.close() };
}

/** One HTTP exchange with the Echo API through `agent` (the gateway's SSRF guard). */
function call(url: string, method: string, agent: Agent | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, ...(agent ? { agent } : {}), headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || "{}") as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

class EchoSession implements Session {
  private token: string | null = null;
  private closed = false;
  constructor(private readonly ctx: SessionContext) {
    void this.start();
  }
  private get apiRoot(): string {
    return String(this.ctx.config.apiRoot);
  }
  private async start(): Promise<void> {
    const token = typeof this.ctx.credentials?.token === "string" ? this.ctx.credentials.token : String(this.ctx.login?.input.token ?? "");
    try {
      const me = await call(`${this.apiRoot}/api/me?token=${encodeURIComponent(token)}`, "GET", this.ctx.net.agentFor(this.apiRoot));
      if (this.closed) return;
      if (me.status !== 200) return this.ctx.host.disconnected({ kind: this.ctx.credentials ? "logged_out" : "fatal", error: { code: "UNAUTHENTICATED", message: "Echo refused the token." } });
      if (!this.ctx.credentials) await this.ctx.host.saveCredentials({ token });
      this.token = token;
      this.ctx.host.connected({ self: { id: String(me.json.id), name: String(me.json.name) } });
    } catch {
      if (!this.closed) this.ctx.host.disconnected({ kind: "transient", error: { code: "PLATFORM_UNREACHABLE", message: "Echo could not be reached." } });
    }
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  async send(message: OutboundMessage): Promise<{ messageId: string; threadId: string; timestamp: number }> {
    if (!this.token) throw err("INVALID_STATE");
    const text = message.content.type === "text" ? message.content.text : "";
    const r = await call(`${this.apiRoot}/api/messages`, "POST", this.ctx.net.agentFor(this.apiRoot), { token: this.token, to: message.threadId, text });
    return { messageId: String(r.json.id), threadId: message.threadId, timestamp: Date.now() };
  }
}

/** The Echo connector (the module's `connector()`). */
export function echoConnector(): Connector {
  return {
    platform: "echo",
    displayName: "Echo (test platform)",
    configSchema: Type.Object(
      { apiRoot: UrlString({ protocols: ["http", "https"], credentials: true, default: "https://echo.invalid", description: "The Echo API root." }) },
      { additionalProperties: false },
    ),
    capabilities: { login: [{ method: "token", inputSchema: Type.Object({ token: Type.String({ minLength: 1 }) }, { additionalProperties: false }) }], remoteLogout: false, send: true },
    actions: [],
    connect: (ctx) => new EchoSession(ctx),
    logoutRemote: async () => "not_supported",
  };
}

const panel: SandboxPanel = {
  title: "Echo sandbox",
  resultLabel: "Echo result",
  envelope: "plain",
  parts: [
    {
      kind: "button",
      id: "create",
      label: "Create account",
      steps: [{ method: "POST", path: "/accounts", body: { name: "panel" } }],
      done: { result: "Created {answer.id}.", addTo: "account", set: { value: "token", text: "{answer.token}" } },
    },
    { kind: "value", id: "token", label: "Echo token", prefix: "Token: ", secret: true },
    {
      kind: "button",
      id: "use",
      label: "Use token in connect",
      requires: [{ value: "{output.token}", message: "Create an account first." }],
      steps: [],
      done: { result: "The token is in the connect form.", fillLogin: { name: "token", text: "{output.token}" }, reload: false },
    },
    { kind: "picker", id: "account", label: "Account", load: { method: "GET", path: "/accounts", items: "accounts" }, value: "id", text: "{name} ({id})" },
    { kind: "list", id: "sent", label: "Sent by the instance", request: { method: "GET", path: "/accounts/{account.id}/sent", items: "messages" }, text: "to {to}: {text}", empty: "Nothing sent yet." },
  ],
  reloadOn: { types: ["message.sent"], samePlatform: true },
};

/** The Echo platform module: its one list entry is all the gateway needs. */
export const echoPlatform = definePlatform<Record<string, never>>({
  id: "echo",
  displayName: "Echo (test platform)",
  connector: async () => echoConnector(),
  sandbox: {
    name: "echo",
    description: "the Echo test platform's sandbox",
    defaultPort: 8099,
    options: [{ flags: "--account <name>", description: "create an account at start (repeatable)", kind: "list" }],
    async start({ host, port, options }) {
      const sb = await startEchoSandbox(host, port);
      const created = (Array.isArray(options.account) ? (options.account as string[]) : []).map((name) => {
        const a = { id: `acct-${sb.accounts.length + 1}`, name, token: `echo_${randomBytes(12).toString("hex")}`, sent: [] };
        sb.accounts.push(a);
        return { id: a.id, name: a.name, token: a.token };
      });
      return {
        url: sb.url,
        endpoint: sb.url,
        info: { apiRoot: sb.url, controlUrl: `${sb.url}/sandbox` },
        connectorOptions: {},
        configDefaults: { apiRoot: sb.url },
        report: {
          lines: [`Echo sandbox listening on ${sb.url}`, `control API: ${sb.url}/sandbox`, ...created.map((a) => `account ${a.name}: ${a.token}`)],
          json: { apiRoot: sb.url, controlUrl: `${sb.url}/sandbox`, accounts: created },
        },
        close: () => sb.close(),
      };
    },
    panel,
  },
});
