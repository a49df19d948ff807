import { type AnyMessageContent, type BaileysEventMap, type MiscMessageGenerationOptions, type WASocket, jidNormalizedUser, type proto, toNumber } from "baileys";
import type { MessageEdit, OutboundMessage, SentMessage, Session, SessionContext } from "../../core/connector.js";
import { PlatformUnreachableError, err, isSwitchboardError, toErrorInfo } from "../../core/errors.js";
import type { MessageStatusData } from "../../events/types.js";
import { type StoredAuthState, storedAuthState } from "./auth-state.js";
import { SessionEnd } from "../kit/session-end.js";
import { type Disconnect, classifyClose, closeInfo } from "./close-codes.js";
import { type WhatsAppWebConfig, readConfig } from "./config.js";
import { baileysLogger } from "./logger.js";
import { toInboundEvent, toStatusData } from "./messages.js";
import { ownKey, toBaileys } from "./outbound.js";
import { removeCompanionDevice, untilAborted } from "./remove-device.js";
import { RetryMessages } from "./retry-messages.js";
import { type SocketDeps, openSocket } from "./socket.js";
import { toJid } from "./jid.js";

/** How long a QR string is shown by Baileys rc14: the first 60 s, every later one 20 s (`qrTimeout` unset; config `qrTimeoutMs` sets both). */
export const QR_FIRST_TTL_MS = 60_000;
export const QR_NEXT_TTL_MS = 20_000;
/** Longest `close()` waits for Baileys to close the socket, ms. */
const CLOSE_WAIT_MS = 3_000;

/**
 * One live WhatsApp Web session (a linked device) on Baileys. Created by
 * `whatsappWebConnector().connect`; reports everything through `ctx.host` and never throws from the
 * constructor. After it reports `disconnected` it is dead.
 *
 * - Restore from the stored creds, or log in: QR (`loginStep` per rotation, attempt 1, 2, …) or a
 *   pairing code for `ctx.login = {method: "pairing_code", input: {phoneNumber}}`.
 * - Creds are saved only once the device is linked (`creds.me` and `creds.account` set by
 *   pair-success), so a half-done login never leaves credentials that look restorable.
 * - The end of the socket is classified by the close-code table (close-codes.ts) and reported once,
 *   after pending creds saves settled (the 515 after pairing must find the new creds stored).
 * - A failed creds/key write or a failed `host.receive` ends the session (`transient`, STORAGE_FAILED):
 *   Baileys would otherwise go on with Signal state that the store no longer matches.
 * - Watchdog: Baileys' keepalive pings every `keepAliveIntervalMs` and ends the socket with 408
 *   "Connection was lost" when no frame came for that long plus 5 s → `transient`.
 */
export class WhatsAppWebSession implements Session {
  private readonly config: WhatsAppWebConfig;
  private sock: WASocket | null = null;
  private auth: StoredAuthState | null = null;
  /** The session's end: reported once, never after close, held back while `unlink` runs. */
  private readonly ending: SessionEnd;
  private storageFailure: Disconnect | null = null;
  private self: string | null = null;
  private qrAttempt = 0;
  private pairing: Promise<unknown> | null = null;
  private receiving: Promise<void> = Promise.resolve();
  private readonly socketClosed: Promise<void>;
  private markSocketClosed!: () => void;
  /** What this session can send again on a retry receipt (bounded; see RetryMessages). */
  readonly retries: RetryMessages;

  constructor(
    private readonly ctx: SessionContext,
    private readonly deps: SocketDeps,
  ) {
    this.config = readConfig(ctx.config);
    this.ending = new SessionEnd(ctx.host, ctx.logger, "whatsapp");
    this.retries = new RetryMessages(ctx.host);
    this.socketClosed = new Promise((resolve) => (this.markSocketClosed = resolve));
    try {
      this.start();
    } catch (e) {
      this.markSocketClosed();
      const error =
        (e as { code?: unknown }).code === "ERR_ADDRESS_REFUSED"
          ? { code: "URL_REFUSED" as const, message: `The proxy is not allowed (${(e as Error).message}).` }
          : { code: "VALIDATION_FAILED" as const, message: `Baileys refused the settings (${toErrorInfo(e).message}).` };
      queueMicrotask(() => this.end({ kind: "fatal", error }));
    }
  }

  // ------------------------------------------------------------------ Session

  async close(): Promise<void> {
    if (!this.ending.closed) {
      this.ending.close();
      this.sock?.end(undefined);
    }
    await Promise.race([this.socketClosed, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
    await this.auth?.settled();
    await this.receiving;
  }

  async send(message: OutboundMessage): Promise<SentMessage> {
    const sock = this.connectedSocket();
    const jid = toJid(message.threadId);
    const { content, options } = await toBaileys(this.ctx.host, jid, this.self!, message.content, message.replyTo);
    const sent = await this.relay(sock, jid, content, options);
    if (sent.message) this.retries.remember(sent.id, sent.message);
    return { messageId: message.content.type === "reaction" ? message.content.messageId : sent.id, threadId: jid, timestamp: sent.timestamp };
  }

  async edit(e: MessageEdit): Promise<{ timestamp: number }> {
    const sock = this.connectedSocket();
    const jid = toJid(e.threadId);
    const key = await ownKey(this.ctx.host, jid, e.messageId);
    const sent = await this.relay(sock, jid, { text: e.text, edit: key }, {});
    if (sent.message) this.retries.remember(sent.id, sent.message);
    return { timestamp: sent.timestamp };
  }

  async delete(target: { threadId: string; messageId: string }): Promise<{ timestamp: number }> {
    const sock = this.connectedSocket();
    const jid = toJid(target.threadId);
    const key = await ownKey(this.ctx.host, jid, target.messageId);
    const sent = await this.relay(sock, jid, { delete: key }, {});
    if (sent.message) this.retries.remember(sent.id, sent.message);
    return { timestamp: sent.timestamp };
  }

  private connectedSocket(): WASocket {
    const sock = this.sock;
    if (!sock || this.self === null || this.ending.over) throw err("INVALID_STATE", { message: "The WhatsApp session is not connected." });
    return sock;
  }

  /** Sends one Baileys content; a failure is PLATFORM_UNREACHABLE (Baileys cannot say whether it left). */
  private async relay(sock: WASocket, jid: string, content: AnyMessageContent, options: MiscMessageGenerationOptions): Promise<{ id: string; timestamp: number; message: proto.IMessage | undefined }> {
    let sent;
    try {
      sent = await sock.sendMessage(jid, content, options);
    } catch (e) {
      this.ctx.logger.warn({ err: toErrorInfo(e) }, "whatsapp send failed");
      throw new PlatformUnreachableError("WhatsApp did not take the message.", { cause: e });
    }
    if (!sent?.key.id) throw new PlatformUnreachableError("WhatsApp did not take the message.");
    const ts = toNumber(sent.messageTimestamp) * 1000;
    return { id: sent.key.id, timestamp: ts > 0 ? ts : Date.now(), message: sent.message ?? undefined };
  }

  async requestPairingCode(phoneNumber: string): Promise<{ code: string }> {
    const sock = this.sock;
    if (!sock || this.qrAttempt === 0 || this.auth?.state.creds.account || this.ending.over) {
      throw err("NO_LOGIN_PENDING", { message: "No WhatsApp login is waiting (connect first; the first QR must have been issued)." });
    }
    if (!/^\d{7,15}$/.test(phoneNumber)) throw err("VALIDATION_FAILED", { message: "phoneNumber: digits only, country code first (7–15 digits)." });
    return { code: await this.pairingCode(sock, phoneNumber) };
  }

  // ------------------------------------------------------------------ used by logout

  /**
   * Unlinks this device through the live socket: sends `remove-companion-device` and awaits the
   * server's `<iq type="result">`, bounded by `signal`; then closes the session. Returns null when
   * the session is not connected (it is closed then, so a short-lived socket can take over).
   * @throws {PlatformUnreachableError} no answer before `signal` aborted, the socket closed, or an
   *   `<error>` answer; the session is reported as it ended (or keeps running when it did not).
   */
  async unlink(signal: AbortSignal): Promise<"revoked" | null> {
    const sock = this.sock;
    const jid = this.auth?.state.creds.me?.id;
    if (!sock || this.self === null || !jid || this.ending.over) {
      await this.close();
      return null;
    }
    const r = await this.ending.holdDuring(() => untilAborted(removeCompanionDevice(sock, jid), signal, "WhatsApp did not confirm the unlink in time."));
    if (!r.ok) {
      // The server may end the stream with 401 device_removed before the IQ result arrives: the
      // device is gone, which is what the unlink asked for.
      if (r.held?.kind === "logged_out") {
        await this.close();
        return "revoked";
      }
      if (r.held) this.ending.report(r.held);
      throw r.error instanceof PlatformUnreachableError ? r.error : new PlatformUnreachableError("WhatsApp did not confirm the unlink.", { cause: r.error });
    }
    await this.close();
    return "revoked";
  }

  // ------------------------------------------------------------------ the connection

  private start(): void {
    const { ctx } = this;
    this.auth = storedAuthState({
      credentials: ctx.credentials,
      keys: ctx.keys,
      saveCredentials: (c) => ctx.host.saveCredentials(c),
      onWriteError: (e) => this.writeFailed(e),
      logger: baileysLogger(ctx.logger, this.deps.logLevel),
    });
    const sock = openSocket(this.config, this.auth.state, this.deps, ctx.logger, ctx.net, {
      // Retry receipts are answered from RetryMessages, not from Baileys' timer-backed cache.
      enableRecentMessageCache: false,
      getMessage: (key) => this.retries.get(key),
    });
    this.sock = sock;
    sock.ev.on("connection.update", (u) => this.onConnectionUpdate(sock, u));
    sock.ev.on("creds.update", () => this.onCredsUpdate());
    sock.ev.on("messages.upsert", (u) => this.onUpsert(u));
    sock.ev.on("messages.update", (u) => this.onMessageUpdates(u));
  }

  private onConnectionUpdate(sock: WASocket, u: BaileysEventMap["connection.update"]): void {
    if (u.qr) this.onQr(sock, u.qr);
    if (u.connection === "open") {
      const me = this.auth?.state.creds.me;
      if (!me?.id || this.ending.over) return;
      this.self = jidNormalizedUser(me.id);
      this.ctx.host.connected({ self: { id: this.self, ...(me.name && me.name !== "~" ? { name: me.name } : {}) } });
      this.ctx.logger.info({ self: this.self }, "whatsapp connected");
    }
    if (u.connection === "close") void this.onSocketClosed(u.lastDisconnect?.error);
  }

  /** A QR rotation: shown as a login step, or (pairing-code login) the moment to ask for the code. */
  private onQr(sock: WASocket, qr: string): void {
    if (this.ending.over) return;
    this.qrAttempt += 1;
    const login = this.ctx.login;
    if (login?.method === "pairing_code") {
      const phone = typeof login.input.phoneNumber === "string" ? login.input.phoneNumber : "";
      if (!this.pairing) {
        this.pairing = this.pairingCode(sock, phone).catch((e: unknown) => {
          this.ctx.logger.warn({ err: toErrorInfo(e) }, "whatsapp pairing code request failed");
          this.end({ kind: "transient", error: { code: "PLATFORM_UNREACHABLE", message: "WhatsApp did not issue a pairing code." } });
        });
      }
      return;
    }
    const ttl = this.config.qrTimeoutMs ?? (this.qrAttempt === 1 ? QR_FIRST_TTL_MS : QR_NEXT_TTL_MS);
    this.ctx.host.loginStep({ method: "qr", qr, attempt: this.qrAttempt, expiresAt: Date.now() + ttl });
  }

  private async pairingCode(sock: WASocket, phoneNumber: string): Promise<string> {
    let code: string;
    try {
      code = await sock.requestPairingCode(phoneNumber);
    } catch (e) {
      throw new PlatformUnreachableError("WhatsApp did not issue a pairing code.", { cause: e });
    }
    this.ctx.host.loginStep({ method: "pairing_code", code, attempt: 1 });
    return code;
  }

  private onCredsUpdate(): void {
    const auth = this.auth;
    // Only a linked device's creds are credentials: before pair-success they restore nothing.
    if (!auth?.state.creds.me?.id || !auth.state.creds.account || this.ending.closed) return;
    auth.saveCreds().catch(() => undefined); // reported through onWriteError
  }

  private onUpsert({ messages, type }: BaileysEventMap["messages.upsert"]): void {
    const me = this.auth?.state.creds.me?.id;
    if (!me || (type !== "notify" && type !== "append")) return;
    const selfUser = jidNormalizedUser(me);
    const events = messages.flatMap((m) => toInboundEvent(m, selfUser, this.config, this.config.includeRaw) ?? []);
    if (events.length === 0) return;
    this.receiving = this.receiving
      .then(() => this.ctx.host.receive({ events }))
      .catch((e: unknown) => this.writeFailed(e));
  }

  private onMessageUpdates(updates: BaileysEventMap["messages.update"]): void {
    const now = Date.now();
    for (const u of updates) {
      const status = toStatusData(u, now);
      if (status) this.emitStatus(status);
    }
  }

  /**
   * A delivery state of a sent message, stored as a `message.status` event. The id is stable per
   * (message, state), so a state reported twice is stored once.
   */
  private emitStatus(status: MessageStatusData): void {
    const self = this.auth?.state.creds.me?.id ?? "";
    const event = { id: `wa-status:${jidNormalizedUser(self)}:${status.messageId}:${status.status}`, type: "message.status" as const, data: status, ts: status.timestamp };
    this.receiving = this.receiving.then(() => this.ctx.host.receive({ events: [event] })).catch((e: unknown) => this.writeFailed(e));
  }

  private async onSocketClosed(error: unknown): Promise<void> {
    this.sock = null;
    this.self = null;
    this.markSocketClosed();
    if (this.ending.over) return;
    const d = this.storageFailure ?? classifyClose(closeInfo(error));
    await this.auth?.settled();
    await this.receiving;
    this.end(d);
  }

  /** A creds/key/event write failed: the session cannot go on with state the store does not hold. */
  private writeFailed(e: unknown): void {
    if (this.ending.over || isSwitchboardError(e, "INVALID_STATE")) return;
    if (this.storageFailure) return;
    const info = toErrorInfo(e);
    this.ctx.logger.error({ err: info }, "whatsapp session state could not be stored; ending the session");
    this.storageFailure = { kind: "transient", error: { code: "STORAGE_FAILED", message: `Session state could not be stored (${info.message})` } };
    if (this.sock) this.sock.end(undefined);
    else this.end(this.storageFailure);
  }

  /** Ends the session (see {@link SessionEnd}: once, not after close, held back while an unlink runs) and its socket. */
  private end(d: Disconnect): void {
    this.self = null;
    if (this.ending.end(d)) this.sock?.end(undefined);
  }
}
