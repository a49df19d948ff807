import { HttpClient, seg, type FetchLike, type RequestOptions } from "./http.js";
import { InstanceClient, type CallOptions } from "./instance.js";
import { startListener, type ListenCallback, type ListenOptions, type Listener } from "./listen.js";
import { fetchEventPage, iteratePages, type EventPage } from "./replay.js";
import type { CreateInstanceInput, CreatedInstance, GlobalReplayOptions, InstanceView, Page, PlatformInfo, TokenView } from "./types.js";
import { WebhooksClient } from "./webhooks.js";

/** Options of {@link Switchboard}. */
export interface SwitchboardOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  url: string;
  /** An account token (everything) or an instance token (that instance only). */
  token?: string;
  /** Default time limit per request, ms. Default 60 000. */
  timeoutMs?: number;
  /** A `fetch` implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
}

/** Options of listing instances. */
export interface ListInstancesOptions extends CallOptions {
  /** Page size, 1–500 (gateway default 50). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
  platform?: string;
}

/**
 * The Switchboard client:
 * ```ts
 * const sb = new Switchboard({ url: "http://127.0.0.1:8080", token });
 * const api = sb.instance("support-bot");
 * const stop = api.listen((err, event) => { if (err) return; if (event.type === "message.received") … });
 * await api.sendMessage({ threadId, body: "hi" });
 * ```
 * Holds no connection of its own and is safe to share. Methods reject with
 * {@link SwitchboardError} (the gateway answered an error) or {@link TransportError} (no answer).
 * @throws `TypeError` from the constructor when `url` is not an http(s) URL.
 */
export class Switchboard {
  /** The wire client, for routes this SDK has no method for: `sb.http.request("GET", "/v1/…")`. */
  readonly http: HttpClient;
  /** Every webhook subscription visible to the token. */
  readonly webhooks: WebhooksClient;

  constructor(opts: SwitchboardOptions) {
    this.http = new HttpClient({ url: opts.url, token: opts.token, timeoutMs: opts.timeoutMs, fetch: opts.fetch });
    this.webhooks = new WebhooksClient(this.http);
  }

  /** A handle on one instance (no request is made). */
  instance(name: string): InstanceClient {
    return new InstanceClient(this.http, name);
  }

  /**
   * Creates an instance and its instance token (in this answer only; null on an idempotent replay).
   * With `start: true` also connects, without waiting. Account token.
   * @throws `VALIDATION_FAILED`, `PLATFORM_UNKNOWN`, `INSTANCE_EXISTS` (409).
   */
  createInstance(input: CreateInstanceInput, opts: CallOptions & { idempotencyKey?: string } = {}): Promise<CreatedInstance> {
    return this.http.request("POST", "/v1/instances", { ...opts, body: input });
  }

  /** One page of instances, ascending by name (an instance token sees only its own). */
  listInstances(opts: ListInstancesOptions = {}): Promise<Page<InstanceView>> {
    return this.http.request("GET", "/v1/instances", {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      query: { limit: opts.limit, after: opts.after, platform: opts.platform },
    });
  }

  /** Every instance, following `next` page by page: `for await (const i of sb.instances()) …`. */
  async *instances(opts: Omit<ListInstancesOptions, "after"> = {}): AsyncGenerator<InstanceView, void, undefined> {
    let after: string | undefined;
    for (;;) {
      const page = await this.listInstances({ ...opts, after });
      yield* page.items;
      if (page.next === null) return;
      after = page.next;
    }
  }

  /** The connectors of this gateway: config schemas, login methods, capabilities, actions. */
  async platforms(opts: CallOptions = {}): Promise<PlatformInfo[]> {
    return (await this.http.request<{ items: PlatformInfo[] }>("GET", "/v1/platforms", opts)).items;
  }

  /** Tokens (never the tokens themselves), optionally of one instance. Account token. */
  async listTokens(opts: CallOptions & { instance?: string } = {}): Promise<TokenView[]> {
    const { instance, ...call } = opts;
    return (await this.http.request<{ items: TokenView[] }>("GET", "/v1/tokens", { ...call, query: { instance } })).items;
  }

  /** Issues a token (shown in this answer only). Account token. */
  createToken(
    input: { scope: "account" } | { scope: "instance"; instance: string },
    opts: CallOptions & { label?: string } = {},
  ): Promise<{ token: string | null; record: TokenView }> {
    const { label, ...call } = opts;
    return this.http.request("POST", "/v1/tokens", { ...call, body: label === undefined ? input : { ...input, label } });
  }

  /** Revokes a token by id. @throws `TOKEN_NOT_FOUND` (404). */
  revokeToken(id: string, opts: CallOptions = {}): Promise<{ id: string; revoked: true }> {
    return this.http.request("DELETE", `/v1/tokens/${seg(id)}`, opts);
  }

  /**
   * Live events of every instance visible to the token (`opts.instance` narrows to one);
   * reconnects and resumes by itself. Returns the stop function.
   */
  listen(callback: ListenCallback, opts: ListenOptions & { instance?: string } = {}): Listener {
    return startListener(this.http, { instance: opts.instance, type: opts.types?.length ? opts.types : undefined }, callback, opts);
  }

  /** One page of stored events of every instance (account token), oldest first. */
  events(opts: GlobalReplayOptions = {}): Promise<EventPage> {
    return fetchEventPage(this.http, "/v1/events", opts, { instance: opts.instance });
  }

  /**
   * Every stored event after `opts.after`, page by page (async iteration). Account token. No `last`
   * here: for the newest N use {@link events}`({last})`.
   */
  replay(opts: Omit<GlobalReplayOptions, "last"> = {}): AsyncGenerator<EventPage, void, undefined> {
    return iteratePages(this.http, "/v1/events", opts, { instance: opts.instance });
  }

  /** A raw request; see {@link HttpClient.request}. */
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<T> {
    return this.http.request<T>(method, path, opts);
  }
}
