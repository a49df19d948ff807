import { seg, type HttpClient, type RawResponse } from "./http.js";
import { startListener, type ListenCallback, type ListenError, type ListenOptions, type Listener } from "./listen.js";
import { fetchEventPage, iteratePages, type EventPage, type PagedReplayOptions } from "./replay.js";
import type {
  ConnectOptions,
  DeletedInstance,
  InstanceView,
  LogoutResult,
  PairingCode,
  PendingQr,
  ReplayOptions,
  SendMessageInput,
  SentMessage,
  TokenView,
  UploadedMedia,
} from "./types.js";
import type { EventEnvelope, MessageData } from "./types.js";
import { WebhooksClient } from "./webhooks.js";

/** Extra client-side time on top of a server-side `wait`, so the gateway's own `TIMEOUT` arrives first, ms. */
const WAIT_SLACK_MS = 15_000;
/** The gateway's default `wait` time, ms. */
const DEFAULT_WAIT_MS = 30_000;

/** Per-call options of the verbs. */
export interface CallOptions {
  /** Aborts the request (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Time limit of this request, ms. */
  timeoutMs?: number;
}

/**
 * One instance, by name: `sb.instance("support-bot")`. Works with the account token or that
 * instance's own token. Every verb answers after its effect is real (the gateway's contract) and
 * rejects with a {@link SwitchboardError} (e.g. `INSTANCE_NOT_FOUND` 404, `INVALID_STATE` 409,
 * `LOGOUT_UNCONFIRMED` 502/504, `RATE_LIMITED` 429 with `retryAfterMs`) or a {@link TransportError}.
 */
export class InstanceClient {
  readonly name: string;
  /** This instance's webhook subscriptions (`list` and `create` are scoped to it). */
  readonly webhooks: WebhooksClient;
  readonly #http: HttpClient;
  readonly #path: string;

  constructor(http: HttpClient, name: string) {
    this.#http = http;
    this.name = name;
    this.#path = `/v1/instances/${seg(name)}`;
    this.webhooks = new WebhooksClient(http, name);
  }

  /** The instance, with its recent status history (newest first). */
  get(opts: CallOptions = {}): Promise<InstanceView> {
    return this.#http.request("GET", this.#path, opts);
  }

  /**
   * desired = running: restores the session from stored credentials, or starts a login
   * (`login: { method, ...input }`). With `wait: "awaiting_login" | "connected"` resolves once the
   * status reaches it or a terminal state (check `status.state`), else rejects with `TIMEOUT`.
   * The request's own time limit defaults to `timeoutMs` + 15 s.
   */
  connect(opts: ConnectOptions = {}, call: CallOptions = {}): Promise<InstanceView> {
    return this.#verb("connect", opts, call);
  }

  /** Close, then connect; same options as {@link connect}. */
  restart(opts: ConnectOptions = {}, call: CallOptions = {}): Promise<InstanceView> {
    return this.#verb("restart", opts, call);
  }

  /** desired = stopped: ends the local session only; credentials are kept; never a platform logout. */
  close(call: CallOptions = {}): Promise<InstanceView> {
    return this.#http.request("POST", `${this.#path}/close`, { ...call, body: {} });
  }

  /**
   * Ends the session at the platform where it allows it, then wipes the credentials. Resolves with
   * `{ remote, credentialsWiped: true }` (`remote`: `revoked`, `already_revoked`, `not_supported`,
   * `unconfirmed`). Idempotent.
   * @throws `LOGOUT_UNCONFIRMED` (502, or 504 after the platform timeout) when the platform cannot be
   *   reached: credentials are kept; retry, or pass `force: true` (wipes, `remote: "unconfirmed"`).
   */
  logout(opts: { force?: boolean } = {}, call: CallOptions = {}): Promise<LogoutResult> {
    return this.#http.request("POST", `${this.#path}/logout`, { ...call, body: opts.force ? { force: true } : {} });
  }

  /** Logout (remote best effort), then purge the instance, its tokens, webhooks and events. Account token. */
  delete(call: CallOptions = {}): Promise<DeletedInstance> {
    return this.#http.request("DELETE", this.#path, call);
  }

  /** The pending QR (raw string). @throws `NO_LOGIN_PENDING` (409). */
  qr(call: CallOptions = {}): Promise<PendingQr> {
    return this.#http.request("GET", `${this.#path}/qr`, { ...call, query: { format: "json" } });
  }

  /** The pending QR rendered as an image (`png` bytes or `svg` text as UTF-8 bytes). @throws `NO_LOGIN_PENDING`. */
  async qrImage(format: "png" | "svg", call: CallOptions = {}): Promise<Uint8Array> {
    const res: RawResponse = await this.#http.requestRaw("GET", `${this.#path}/qr`, {
      ...call,
      query: { format },
      accept: format === "png" ? "image/png" : "image/svg+xml",
    });
    return res.body;
  }

  /**
   * Asks for a pairing code for `phoneNumber` (digits, country code first) while a login is pending.
   * @throws `NO_LOGIN_PENDING`, `NOT_SUPPORTED`.
   */
  requestPairingCode(phoneNumber: string, call: CallOptions = {}): Promise<PairingCode> {
    return this.#http.request("POST", `${this.#path}/pairing-code`, { ...call, body: { phoneNumber } });
  }

  /**
   * Runs a platform action (see `sb.platforms()`), e.g. Telegram `log-out-cloud`; resolves with its
   * `result`. @throws `ACTION_UNKNOWN` (404), `VALIDATION_FAILED`, `INVALID_STATE`, `NOT_SUPPORTED`.
   */
  async action<T = unknown>(action: string, input: unknown = {}, call: CallOptions = {}): Promise<T> {
    const res = await this.#http.request<{ result: T }>("POST", `${this.#path}/actions/${seg(action)}`, {
      timeoutMs: 300_000,
      ...call,
      body: input,
    });
    return res.result;
  }

  /**
   * Sends a message through the live session: `{threadId, content}` (any type of the message model)
   * or `{threadId, body}` for a text; `replyTo` quotes a message.
   * @throws `INVALID_STATE` (409) when not connected, `NOT_SUPPORTED` (422: the platform lacks the
   *   content type or replies; `details` name them), `VALIDATION_FAILED` (400), `PLATFORM_RATE_LIMITED` (429).
   */
  sendMessage(message: SendMessageInput, call: CallOptions & { idempotencyKey?: string } = {}): Promise<SentMessage> {
    return this.#http.request("POST", `${this.#path}/messages`, { ...call, body: message });
  }

  /**
   * Uploads a file for a later send (`content.media: {mediaId}`); kept 24 hours by the gateway.
   * `file` is a Blob (in Node, `await fs.openAsBlob(path, {type})` streams the file without reading it whole).
   * @throws `NOT_SUPPORTED` (the platform sends no media), `VALIDATION_FAILED` (413 over the platform's limit).
   */
  async uploadMedia(file: Blob, opts: { fileName?: string; mimeType?: string } & CallOptions = {}): Promise<UploadedMedia> {
    const form = new FormData();
    const typed = opts.mimeType && opts.mimeType !== file.type ? new Blob([file], { type: opts.mimeType }) : file;
    form.append("file", typed, opts.fileName ?? "upload");
    return this.#http.request("POST", `${this.#path}/media`, { timeoutMs: 600_000, ...opts, form });
  }

  /**
   * The bytes of a received file (`content.media.mediaId`), fetched from the platform now (the
   * instance must be connected). Resolves with the Response: read `body` as a stream, or `arrayBuffer()`.
   */
  async fetchMedia(mediaId: string, call: CallOptions = {}): Promise<Response> {
    const open = await this.#http.open("GET", `${this.#path}/media/${seg(mediaId)}`, { accept: "*/*", ...call });
    open.clearTimeout();
    return open.response;
  }

  /** Reacts to message `messageId` in `threadId` with `emoji` ("" removes the reaction). @throws as {@link sendMessage}. */
  react(threadId: string, messageId: string, emoji: string, call: CallOptions = {}): Promise<SentMessage> {
    return this.sendMessage({ threadId, content: { type: "reaction", messageId, emoji } }, call);
  }

  /** Replaces the text (a media message: the caption) of a message this instance sent. @throws as {@link sendMessage}, and `NOT_FOUND`. */
  editMessage(threadId: string, messageId: string, text: string, call: CallOptions = {}): Promise<{ messageId: string; timestamp: number }> {
    return this.#http.request("PATCH", `${this.#path}/messages/${seg(messageId)}`, { ...call, body: { threadId, text } });
  }

  /** Deletes a message for everyone. @throws as {@link sendMessage}, and `NOT_FOUND`. */
  deleteMessage(threadId: string, messageId: string, call: CallOptions = {}): Promise<{ messageId: string; timestamp: number }> {
    return this.#http.request("DELETE", `${this.#path}/messages/${seg(messageId)}`, { ...call, query: { threadId } });
  }

  /**
   * Incoming messages only (`message.received`; not the instance's own `message.sent`), live, with
   * the listener's reconnects and resume; the listener's errors go to `opts.onError`. Returns the stop function.
   */
  onMessage(
    callback: (message: MessageData, event: EventEnvelope<"message.received">) => void | Promise<void>,
    opts: Omit<ListenOptions, "types"> & { onError?: (err: ListenError) => void } = {},
  ): Listener {
    const { onError, ...listenOpts } = opts;
    return this.listen(
      async (e, event) => {
        if (e) return onError?.(e);
        if (event.type === "message.received") await callback(event.data, event);
      },
      { ...listenOpts, types: ["message.received"] },
    );
  }

  /** This instance's tokens (account token only; never the tokens themselves). */
  async tokens(call: CallOptions = {}): Promise<TokenView[]> {
    const res = await this.#http.request<{ items: TokenView[] }>("GET", "/v1/tokens", { ...call, query: { instance: this.name } });
    return res.items;
  }

  /**
   * Live events of this instance; reconnects and resumes by itself (see {@link ListenCallback}).
   * Returns the stop function.
   */
  listen(callback: ListenCallback, opts: ListenOptions = {}): Listener {
    return startListener(this.#http, { instance: this.name, type: opts.types?.length ? opts.types : undefined }, callback, opts);
  }

  /**
   * One page of stored events after `opts.after`, oldest first (with `opts.last`: the newest ones).
   * @throws a 4xx for an unknown or pruned `after`.
   */
  events(opts: ReplayOptions = {}): Promise<EventPage> {
    return fetchEventPage(this.#http, `${this.#path}/events`, opts);
  }

  /**
   * Every stored event after `opts.after`, page by page (async iteration); ends at the newest stored
   * event. No `last` here: for the newest N use {@link events}`({last})`.
   */
  replay(opts: PagedReplayOptions = {}): AsyncGenerator<EventPage, void, undefined> {
    return iteratePages(this.#http, `${this.#path}/events`, opts);
  }

  #verb(verb: "connect" | "restart", opts: ConnectOptions, call: CallOptions): Promise<InstanceView> {
    const body: Record<string, unknown> = {};
    if (opts.login !== undefined) body.login = opts.login;
    if (opts.wait !== undefined) body.wait = opts.wait;
    if (opts.timeoutMs !== undefined) body.timeoutMs = opts.timeoutMs;
    const timeoutMs = call.timeoutMs ?? (opts.wait !== undefined ? (opts.timeoutMs ?? DEFAULT_WAIT_MS) + WAIT_SLACK_MS : undefined);
    return this.#http.request("POST", `${this.#path}/${verb}`, { signal: call.signal, timeoutMs, body });
  }
}
