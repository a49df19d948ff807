/**
 * Outbound webhook subscriptions (`/v1/webhooks`): the gateway POSTs each matching event to `url`,
 * signed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * retried with backoff. An account token manages every subscription; an instance token only those
 * of its own instance.
 */
import { seg, type HttpClient } from "./http.js";
import type { Page } from "./types.js";

/** A subscription as the gateway shows it. Holds no secret (custom header values are masked). */
export interface Webhook {
  id: string;
  url: string;
  /** The instance it is scoped to, or null for every instance (account token). */
  instance: string | null;
  /** Event types delivered; empty: all. */
  types: string[];
  /** Custom request header names (values are never shown). */
  headers: Record<string, string>;
  /** Deliveries of one instance strictly in order (one at a time). */
  ordered: boolean;
  enabled: boolean;
  description: string;
  createdAt: number;
  updatedAt: number;
  [field: string]: unknown;
}

/** What `create` takes. */
export interface CreateWebhookInput {
  url: string;
  /** Scope to one instance; omitted with an account token: every instance. */
  instance?: string;
  /** Only these event types; omitted or empty: all. */
  types?: readonly string[];
  /** Extra request headers (e.g. an API key of the receiver). Stored secret; never shown again. */
  headers?: Record<string, string>;
  ordered?: boolean;
  enabled?: boolean;
  description?: string;
}

/** What `update` takes: any subset of {@link CreateWebhookInput} except `instance`. */
export type UpdateWebhookInput = Partial<Omit<CreateWebhookInput, "instance">>;

/** The answer of `create`: the subscription and its signing secret (`whsec_…`), shown once. */
export interface CreatedWebhook {
  webhook: Webhook;
  secret: string;
}

/** The answer of `rotateSecret`: the new secret (shown once); the old one stays valid for the overlap. */
export interface RotatedSecret {
  secret: string;
  [field: string]: unknown;
}

/** One delivery attempt, as recorded. */
export interface WebhookAttempt {
  id: string;
  eventId: string;
  /** HTTP status of the receiver's answer; null when there was none (timeout, refused). */
  status: number | null;
  /** Time to the answer (or the failure), ms. */
  latencyMs: number | null;
  /** Secret-free reason of a failure, or null. */
  error: string | null;
  /** When the attempt started, epoch ms. */
  ts: number;
  [field: string]: unknown;
}

/** Filters of `attempts`. */
export interface AttemptsOptions {
  limit?: number;
  /** The `next` cursor of the previous page. */
  before?: string;
  /** Only the attempts of this event. */
  eventId?: string;
}

/** What `redeliver` takes: one event, or every event in a time range (epoch ms, inclusive). */
export type RedeliverInput = { eventId: string } | { from: number; to: number };

/** Webhook management; reached as `sb.webhooks` (all) or `sb.instance(name).webhooks` (one instance's). */
export class WebhooksClient {
  readonly #http: HttpClient;
  readonly #instance: string | undefined;

  /** @param instance scopes `list` and `create` to this instance. */
  constructor(http: HttpClient, instance?: string) {
    this.#http = http;
    this.#instance = instance;
  }

  /**
   * Creates a subscription. The signing secret is in this answer only.
   * @throws `VALIDATION_FAILED` (bad URL, unknown type), a 4xx for a URL refused by the SSRF guard,
   *   `INSTANCE_NOT_FOUND`, `FORBIDDEN` (a global webhook with an instance token).
   */
  create(input: CreateWebhookInput, opts: { idempotencyKey?: string } = {}): Promise<CreatedWebhook> {
    const body = this.#instance !== undefined ? { ...input, instance: this.#instance } : input;
    return this.#http.request("POST", "/v1/webhooks", { body, idempotencyKey: opts.idempotencyKey });
  }

  /** The subscriptions visible to the token (of this instance, when scoped). */
  async list(opts: { instance?: string } = {}): Promise<Webhook[]> {
    const res = await this.#http.request<{ items: Webhook[] }>("GET", "/v1/webhooks", {
      query: { instance: this.#instance ?? opts.instance },
    });
    return res.items;
  }

  /** @throws a 404 when no subscription has that id (or it is not visible to the token). */
  get(id: string): Promise<Webhook> {
    return this.#http.request("GET", `/v1/webhooks/${seg(id)}`);
  }

  /** Changes fields; answers the updated subscription. Re-enabling a disabled one resumes its deliveries. */
  update(id: string, patch: UpdateWebhookInput): Promise<Webhook> {
    return this.#http.request("PATCH", `/v1/webhooks/${seg(id)}`, { body: patch });
  }

  /** Deletes the subscription; pending deliveries are dropped. */
  delete(id: string): Promise<unknown> {
    return this.#http.request("DELETE", `/v1/webhooks/${seg(id)}`);
  }

  /**
   * Issues a new signing secret. For `overlapMs` (ms) deliveries are signed with both the old and
   * the new secret, so receivers can switch without losing a delivery.
   */
  rotateSecret(id: string, opts: { overlapMs?: number } = {}): Promise<RotatedSecret> {
    return this.#http.request("POST", `/v1/webhooks/${seg(id)}/rotate-secret`, { body: opts });
  }

  /** Recorded delivery attempts, newest first; page with `before: page.next`. */
  attempts(id: string, opts: AttemptsOptions = {}): Promise<Page<WebhookAttempt>> {
    return this.#http.request("GET", `/v1/webhooks/${seg(id)}/attempts`, {
      query: { limit: opts.limit, before: opts.before, eventId: opts.eventId },
    });
  }

  /** Queues one event, or every event of a time range, for delivery again (receivers dedupe on the event id). */
  redeliver(id: string, input: RedeliverInput): Promise<Record<string, unknown>> {
    return this.#http.request("POST", `/v1/webhooks/${seg(id)}/redeliver`, { body: input });
  }
}
