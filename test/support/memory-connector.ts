import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { Type } from "@sinclair/typebox";
import type { Connector, Credentials, OutboundMessage, Session, SessionContext, SessionHost, WebhookRequest } from "../../src/core/connector.js";

/** The shared secret of the memory platform's webhooks. */
export const MEMORY_WEBHOOK_SECRET = "memory-webhook-secret";
import { PlatformUnreachableError, err } from "../../src/core/errors.js";

/**
 * A small in-memory messaging platform and its connector, used by the core's tests. The platform
 * keeps accounts and their login secrets; a login is a QR scan or a token; the platform can revoke a
 * session, let another client take it over, drop connections, become unreachable, or be slow.
 *
 * With `file`, the platform's accounts and call counts persist in a JSON file, so a gateway in a child
 * process and the test in the parent see the same platform (crash-recovery tests).
 */
export interface PlatformState {
  /** accountId → account */
  accounts: Record<string, { secret: string; revoked: boolean; name: string }>;
  /** token logins accepted: token → accountId */
  tokens: Record<string, string>;
  logoutCalls: number;
}

export class MemoryPlatform {
  /** When true, connects fail transiently and remote logouts throw PlatformUnreachableError. */
  unreachable = false;
  /** Delay of each remote logout, ms (a slow platform). */
  logoutDelayMs = 0;
  /** QR codes offered per login before `login_expired`. */
  qrLimit = 3;
  /** Send a `restart_required` once right after a QR pairing (like WhatsApp's 515). */
  restartAfterPairing = false;
  /** Number of `connect` calls the connector received. */
  connectCalls = 0;
  /** Whether the last remote logout was handed a live session (platforms that unlink through it need one). */
  lastLogoutHadSession: boolean | null = null;
  readonly sessions = new Set<MemorySession>();
  private mem: PlatformState = { accounts: {}, tokens: {}, logoutCalls: 0 };

  constructor(private readonly file?: string) {
    if (file && !existsSync(file)) this.save(this.mem);
  }

  get state(): PlatformState {
    return this.file ? (JSON.parse(readFileSync(this.file, "utf8")) as PlatformState) : this.mem;
  }

  private save(s: PlatformState): void {
    if (this.file) writeFileSync(this.file, JSON.stringify(s));
    else this.mem = s;
  }

  private mutate(fn: (s: PlatformState) => void): void {
    const s = this.state;
    fn(s);
    this.save(s);
  }

  /** Registers a bot-style account that logs in with `token`. Returns the account id. */
  addTokenAccount(token: string, name = "bot"): string {
    const id = `acc_${randomBytes(4).toString("hex")}`;
    this.mutate((s) => {
      s.accounts[id] = { secret: randomBytes(8).toString("hex"), revoked: false, name };
      s.tokens[token] = id;
    });
    return id;
  }

  /** The phone scans `qr`: a new account is linked to the session showing it. */
  scan(qr: string): void {
    const session = [...this.sessions].find((s) => s.currentQr === qr);
    if (!session) throw new Error("no session shows that QR");
    const id = `acc_${randomBytes(4).toString("hex")}`;
    const secret = randomBytes(8).toString("hex");
    this.mutate((s) => {
      s.accounts[id] = { secret, revoked: false, name: "phone" };
    });
    void session.paired({ accountId: id, secret });
  }

  /** The platform ends the account's sessions (device removed / token revoked). */
  revoke(accountId: string): void {
    this.mutate((s) => {
      const a = s.accounts[accountId];
      if (a) a.revoked = true;
    });
    for (const s of this.sessions) if (s.accountId === accountId) s.end("logged_out", "REMOTE_REVOKED", "the platform revoked the session");
  }

  /** Another client logs in with the same credentials. */
  takeover(accountId: string): void {
    for (const s of this.sessions) if (s.accountId === accountId) s.end("conflict", "REPLACED", "another client took the session");
  }

  /**
   * A contact writes to the account: the live session hands the message in as event
   * `mem:<account>:<n>` with cursor `{ cursor: n }`. `n` repeats a delivery when given.
   * Resolves once the gateway has stored it. With `queue` and no live session, the platform keeps
   * the message and hands it to the account's next session when it comes online.
   */
  async deliver(accountId: string, body: string, n?: number, opts: { queue?: boolean } = {}): Promise<void> {
    const session = [...this.sessions].find((s) => s.accountId === accountId);
    const seq = n ?? ++this.delivered;
    if (!session) {
      if (!opts.queue) throw new Error("no live session for that account");
      (this.mailbox[accountId] ??= []).push({ seq, body });
      return;
    }
    await session.receive(seq, body);
  }
  private delivered = 0;
  /** Messages kept for accounts without a live session, in order. */
  private readonly mailbox: Record<string, Array<{ seq: number; body: string }>> = {};
  /** What the account's sessions sent, across sessions. */
  readonly sentBy: Record<string, string[]> = {};
  /** Media sent, by account: what the connector read from the gateway's stream. */
  readonly sentMedia: Record<string, Array<{ type: string; mimeType: string; size: number; fileName?: string; sha256: string; caption?: string }>> = {};

  /** Hands the account's kept messages to `session` (just online), oldest first. */
  async flushMailbox(accountId: string, session: MemorySession): Promise<void> {
    const kept = this.mailbox[accountId]?.splice(0) ?? [];
    for (const m of kept) await session.receive(m.seq, m.body);
  }
  /** The webhook URL the last session was given. */
  lastWebhookUrl: string | null = null;
  /** The connector state each session was opened with, in order. */
  readonly openedWithState: Record<string, unknown>[] = [];

  /** Drops every live connection (transient). */
  dropAll(): void {
    for (const s of [...this.sessions]) s.end("transient", "CONNECTION_LOST", "connection lost");
  }

  isRevoked(accountId: string): boolean {
    return this.state.accounts[accountId]?.revoked ?? true;
  }

  /** Checks credentials: the account id when valid, else null. */
  check(creds: Credentials | null): string | null {
    if (!creds) return null;
    const a = this.state.accounts[String(creds["accountId"])];
    return a && !a.revoked && a.secret === creds["secret"] ? String(creds["accountId"]) : null;
  }

  async remoteLogout(creds: Credentials | null, signal: AbortSignal): Promise<"revoked" | "already_revoked"> {
    if (this.logoutDelayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.logoutDelayMs);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          reject(new PlatformUnreachableError("logout aborted"));
        });
      });
    }
    if (this.unreachable) throw new PlatformUnreachableError("platform unreachable");
    this.mutate((s) => {
      s.logoutCalls++;
    });
    const id = this.check(creds);
    if (!id) return "already_revoked";
    this.mutate((s) => {
      const a = s.accounts[id];
      if (a) a.revoked = true;
    });
    return "revoked";
  }
}

/** One session of the memory connector. */
export class MemorySession implements Session {
  accountId: string | null = null;
  currentQr: string | null = null;
  private qrAttempt = 0;
  private closed = false;
  private qrTimer: NodeJS.Timeout | null = null;
  readonly sent: { threadId: string; body: string }[] = [];

  constructor(
    private readonly platform: MemoryPlatform,
    private readonly host: SessionHost,
    private readonly qrIntervalMs: number,
  ) {}

  start(ctx: SessionContext): void {
    this.platform.sessions.add(this);
    this.platform.openedWithState.push(ctx.state);
    this.platform.lastWebhookUrl = ctx.webhookUrl;
    queueMicrotask(() => {
      if (this.closed) return;
      if (this.platform.unreachable) return this.end("transient", "UNREACHABLE", "platform unreachable");
      if (ctx.credentials) {
        const id = this.platform.check(ctx.credentials);
        if (!id) return this.end("logged_out", "UNAUTHORIZED", "credentials are no longer valid");
        return this.online(id);
      }
      if (ctx.login?.method === "token") {
        const id = this.platform.state.tokens[String(ctx.login.input["token"])];
        if (!id) return this.end("fatal", "UNAUTHORIZED", "token rejected");
        const secret = this.platform.state.accounts[id]?.secret ?? "";
        const token = String(ctx.login.input["token"]);
        void this.host.saveCredentials({ accountId: id, secret, token }).then(() => this.online(id));
        return;
      }
      this.nextQr();
    });
  }

  private nextQr(): void {
    if (this.closed) return;
    if (this.qrAttempt >= this.platform.qrLimit) return this.end("login_expired", "QR_ENDED", "QR codes ran out");
    this.qrAttempt++;
    this.currentQr = `mem-qr-${randomBytes(6).toString("hex")}`;
    this.host.loginStep({ method: "qr", qr: this.currentQr, attempt: this.qrAttempt, expiresAt: Date.now() + this.qrIntervalMs });
    this.qrTimer = setTimeout(() => this.nextQr(), this.qrIntervalMs);
  }

  /** Hands a message to the gateway, as a platform update numbered `seq`. */
  receive(seq: number, body: string): Promise<void> {
    return this.host.receive({
      events: [
        {
          id: `mem:${this.accountId}:${seq}`,
          type: "message.received",
          data: { threadId: "contact-1", senderId: "contact-1", body, messageId: `in-${seq}`, timestamp: 1_700_000_000_000 + seq },
        },
      ],
      state: { cursor: seq },
    });
  }

  /** Webhook intake: the platform signs with the header `x-memory-secret: memory-webhook-secret`. */
  async handleWebhook(request: WebhookRequest): Promise<void> {
    if (request.headers["x-memory-secret"] !== MEMORY_WEBHOOK_SECRET) throw err("UNAUTHENTICATED", { message: "bad webhook secret" });
    const { seq, body } = request.body as { seq?: unknown; body?: unknown };
    if (typeof seq !== "number" || typeof body !== "string") throw err("VALIDATION_FAILED");
    await this.receive(seq, body);
  }

  /** Called by the platform when the phone scanned this session's QR. */
  async paired(creds: { accountId: string; secret: string }): Promise<void> {
    if (this.qrTimer) clearTimeout(this.qrTimer);
    this.currentQr = null;
    await this.host.saveCredentials(creds);
    if (this.platform.restartAfterPairing) return this.end("restart_required", "RESTART", "restart after pairing");
    this.online(creds.accountId);
  }

  private online(accountId: string): void {
    if (this.closed) return;
    this.accountId = accountId;
    this.host.connected({ self: { id: accountId, name: this.platform.state.accounts[accountId]?.name ?? "" } });
    void this.platform.flushMailbox(accountId, this).catch(() => {});
  }

  /** The platform ends this session with a classified reason. */
  end(kind: "transient" | "restart_required" | "logged_out" | "conflict" | "login_expired" | "fatal", code: string, message: string): void {
    if (this.closed) return;
    this.teardown();
    this.host.disconnected({ kind, error: { code, message } });
  }

  private teardown(): void {
    this.closed = true;
    if (this.qrTimer) clearTimeout(this.qrTimer);
    this.platform.sessions.delete(this);
  }

  async close(): Promise<void> {
    if (!this.closed) this.teardown();
  }

  async send(message: OutboundMessage): Promise<{ messageId: string; threadId: string; timestamp: number }> {
    if (this.closed || !this.accountId) throw err("INVALID_STATE");
    const c = message.content;
    if ("media" in c) {
      const hash = createHash("sha256");
      let read = 0;
      for await (const chunk of c.media.open()) {
        hash.update(chunk as Buffer);
        read += (chunk as Buffer).length;
      }
      (this.platform.sentMedia[this.accountId] ??= []).push({
        type: c.type,
        mimeType: c.media.mimeType,
        size: read,
        ...(c.media.fileName ? { fileName: c.media.fileName } : {}),
        sha256: hash.digest("hex"),
        ...("caption" in c && c.caption !== undefined ? { caption: c.caption } : {}),
      });
    }
    const body = c.type === "text" ? c.text : "";
    this.sent.push({ threadId: message.threadId, body });
    (this.platform.sentBy[this.accountId] ??= []).push(body);
    return { messageId: `m${this.sent.length}`, threadId: message.threadId, timestamp: Date.now() };
  }

  async requestPairingCode(phoneNumber: string): Promise<{ code: string; expiresAt?: number }> {
    const code = phoneNumber.slice(-4).padStart(8, "X");
    this.host.loginStep({ method: "pairing_code", code, attempt: 1 });
    return { code };
  }
}

/** The connector for {@link MemoryPlatform}: login by QR (default), pairing code or token. */
export function memoryConnector(platform: MemoryPlatform, opts: { qrIntervalMs?: number } = {}): Connector {
  return {
    platform: "memory",
    displayName: "In-memory test platform",
    configSchema: Type.Object({ greeting: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
    capabilities: {
      login: [
        { method: "qr" },
        { method: "pairing_code" },
        { method: "token", inputSchema: Type.Object({ token: Type.String({ minLength: 1 }) }, { additionalProperties: false }) },
      ],
      remoteLogout: true,
      send: true,
      // Text, and two media types so that the gateway's media path (uploads, URLs, streams) is exercised.
      messages: { send: ["text", "image", "document"], receive: ["text"], operations: [], receipts: [], maxMediaBytes: 5 * 1024 * 1024 },
    },
    actions: [
      { name: "ping", description: "Answers pong with the input", inputSchema: Type.Object({ n: Type.Optional(Type.Integer()) }) },
      { name: "whoami", description: "Answers the connected account", requiresSession: true },
      { name: "set-greeting", description: "Changes the config (a config patch)", inputSchema: Type.Object({ greeting: Type.String() }) },
    ],
    connect(ctx) {
      platform.connectCalls++;
      const s = new MemorySession(platform, ctx.host, opts.qrIntervalMs ?? 60_000);
      s.start(ctx);
      return s;
    },
    logoutRemote(ctx) {
      platform.lastLogoutHadSession = ctx.session instanceof MemorySession && ctx.session.accountId !== null;
      return platform.remoteLogout(ctx.credentials, ctx.signal);
    },
    async runAction(name, input, ctx) {
      if (name === "ping") return { result: { pong: input } };
      if (name === "whoami") return { result: { accountId: (ctx.session as MemorySession | null)?.accountId ?? null } };
      if (name === "set-greeting") return { result: { ok: true }, config: { greeting: (input as { greeting: string }).greeting } };
      throw err("ACTION_UNKNOWN");
    },
  };
}
