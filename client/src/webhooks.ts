/**
 * Outbound webhook subscriptions (`/v1/webhooks`): the gateway POSTs each matching event to `url`,
 * signed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * retried with backoff. An account token manages every subscription; an instance token only those
 * of its own instance.
 */
import type {
  AttemptView,
  CreateWebhookInput,
  RedeliverInput,
  UpdateWebhookInput,
  WebhookApi,
  WebhookView,
} from "../../src/events/webhooks/types.js";
import { seg, type HttpClient } from "./http.js";

export type { AttemptView as WebhookAttempt, CreateWebhookInput, RedeliverInput, UpdateWebhookInput, WebhookView as Webhook };

/**
 * The answer of `create` and `rotateSecret`: the subscription and its signing secret (`whsec_…`),
 * shown once. `secret` is null when the answer is an `Idempotency-Key` replay (secrets are not kept
 * in plain): rotate to get a new one.
 */
export interface WebhookWithSecret {
  webhook: WebhookView;
  secret: string | null;
}

/** Filters of `attempts`: `limit`, `before` (the `next` cursor of the previous page), `eventId`. */
export type AttemptsOptions = Parameters<WebhookApi["attempts"]>[2];

/** A page of attempts, newest first; `next` is the `before` of the following page, or null. */
export type AttemptPage = Awaited<ReturnType<WebhookApi["attempts"]>>;

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
   * Delivery starts with the events stored after this call.
   * @throws `VALIDATION_FAILED`, `WEBHOOK_URL_REFUSED` (the URL resolves to a loopback or private
   *   address and the operator did not allow it), `INSTANCE_NOT_FOUND`, `FORBIDDEN` (an instance token
   *   naming another instance, or asking for a global subscription).
   */
  create(input: CreateWebhookInput, opts: { idempotencyKey?: string } = {}): Promise<WebhookWithSecret> {
    const body = this.#instance !== undefined ? { ...input, instance: this.#instance } : input;
    return this.#http.request("POST", "/v1/webhooks", { body, idempotencyKey: opts.idempotencyKey });
  }

  /** The subscriptions visible to the token (of this instance, when scoped). */
  async list(opts: { instance?: string } = {}): Promise<WebhookView[]> {
    const res = await this.#http.request<{ items: WebhookView[] }>("GET", "/v1/webhooks", {
      query: { instance: this.#instance ?? opts.instance },
    });
    return res.items;
  }

  /** @throws `WEBHOOK_NOT_FOUND` (also for another instance's subscription with an instance token). */
  get(id: string): Promise<WebhookView> {
    return this.#http.request("GET", `/v1/webhooks/${seg(id)}`);
  }

  /**
   * Changes fields; answers the updated subscription. `enabled: true` re-enables a disabled one
   * (pending deliveries are retried at once); `headers: null` removes every custom header.
   * @throws `WEBHOOK_NOT_FOUND`, `VALIDATION_FAILED`, `WEBHOOK_URL_REFUSED`.
   */
  update(id: string, patch: UpdateWebhookInput): Promise<WebhookView> {
    return this.#http.request("PATCH", `/v1/webhooks/${seg(id)}`, { body: patch });
  }

  /** Deletes the subscription with its pending deliveries and recorded attempts. @throws `WEBHOOK_NOT_FOUND`. */
  delete(id: string): Promise<{ id: string; deleted: true }> {
    return this.#http.request("DELETE", `/v1/webhooks/${seg(id)}`);
  }

  /**
   * Issues a new signing secret (in this answer only). For `overlapMs` (default 24 h; 0: at once)
   * deliveries carry signatures by both the old and the new secret, so receivers can switch without
   * rejecting a delivery. @throws `WEBHOOK_NOT_FOUND`, `VALIDATION_FAILED`.
   */
  rotateSecret(id: string, opts: { overlapMs?: number } = {}): Promise<WebhookWithSecret> {
    return this.#http.request("POST", `/v1/webhooks/${seg(id)}/rotate-secret`, { body: opts });
  }

  /** Recorded delivery attempts (status, latency, error), newest first; page with `before: page.next`. */
  attempts(id: string, opts: AttemptsOptions = {}): Promise<AttemptPage> {
    return this.#http.request("GET", `/v1/webhooks/${seg(id)}/attempts`, {
      query: { limit: opts.limit, before: opts.before, eventId: opts.eventId },
    });
  }

  /**
   * Queues one event, or every event with `from <= ts <= to` (epoch ms) that the subscription's
   * filters match, for delivery again, attempts counted from scratch; resolves with how many were
   * queued. Receivers dedupe on the event id. @throws `WEBHOOK_NOT_FOUND`, `EVENT_NOT_FOUND`,
   * `VALIDATION_FAILED` (range too large, event not matching the filters).
   */
  redeliver(id: string, input: RedeliverInput): Promise<{ queued: number }> {
    return this.#http.request("POST", `/v1/webhooks/${seg(id)}/redeliver`, { body: input });
  }
}
