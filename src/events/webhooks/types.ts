/**
 * The outbound webhooks API as the REST routes (and later the CLI and SDK) see it. Implemented by
 * `WebhookService` (`service.ts`). Every method rejects with a `SwitchboardError` from the catalog.
 */

/** Who calls: the account token (everything) or an instance token (only its own instance's subscriptions). */
export type WebhookCaller = { scope: "account" } | { scope: "instance"; instanceId: string };

/** A subscription as shown to API users. Never holds the signing secrets or custom header values. */
export interface WebhookView {
  /** `wh_<uuid>`. */
  id: string;
  /** The instance's name for a per-instance subscription; null for a global one. */
  instance: string | null;
  url: string;
  description: string;
  /** Exact types and `prefix.*` patterns; empty = every type. */
  types: string[];
  /** Names of the custom headers (values are secrets and never shown). */
  headers: string[];
  ordered: boolean;
  maxConcurrency: number;
  enabled: boolean;
  /** Epoch ms; null while enabled. */
  disabledAt: number | null;
  /** `"failing"` (disabled by the dispatcher) or `"user"`; null while enabled. */
  disabledReason: string | null;
  /** Epoch ms of the first failed attempt since the last success; null when the last attempt succeeded. */
  failingSince: number | null;
  /** Epoch ms until which the previous secret still signs (rotation overlap); null when none. */
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Input of {@link WebhookApi.create}. */
export interface CreateWebhookInput {
  url: string;
  /** Instance name: a per-instance subscription. Omitted: global (account token) or the caller's own instance (instance token). */
  instance?: string;
  /** Event types or `prefix.*` patterns; empty or absent: every type. */
  types?: string[];
  headers?: Record<string, string>;
  description?: string;
  ordered?: boolean;
  maxConcurrency?: number;
  enabled?: boolean;
}

/** Input of {@link WebhookApi.update}: fields to change; `headers: null` removes every custom header. */
export interface UpdateWebhookInput {
  url?: string;
  types?: string[];
  headers?: Record<string, string> | null;
  description?: string;
  ordered?: boolean;
  maxConcurrency?: number;
  /** `true` re-enables a disabled subscription (pending deliveries are retried at once); `false` disables it. */
  enabled?: boolean;
}

/** One recorded attempt, as listed. */
export interface AttemptView {
  /** Grows with insertion order (the `before` cursor). */
  id: number;
  eventId: string;
  /** 1 for the first attempt of the delivery (from 1 again after a manual redelivery). */
  attempt: number;
  /** Epoch ms when the attempt started. */
  ts: number;
  /** The receiver's HTTP status; null when no response came (timeout, network error, refused address). */
  status: number | null;
  latencyMs: number;
  error: string | null;
  ok: boolean;
}

export type { WebhookDisabledData } from "../types.js";

/** Input of {@link WebhookApi.redeliver}: one event, or every matching event with `from <= ts <= to` (epoch ms). */
export type RedeliverInput = { eventId: string } | { from: number; to: number };

export interface WebhookApi {
  /**
   * Creates a subscription; its signing secret is returned here only. Delivery starts with the
   * events stored after this call.
   * @throws `VALIDATION_FAILED`, `WEBHOOK_URL_REFUSED` (SSRF guard), `INSTANCE_NOT_FOUND`, `FORBIDDEN`
   *   (an instance token naming another instance, or asking for a global subscription).
   */
  create(caller: WebhookCaller, input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }>;
  /** Oldest first. An instance token sees its own instance's only. @throws `FORBIDDEN`, `INSTANCE_NOT_FOUND`. */
  list(caller: WebhookCaller, opts?: { instance?: string }): Promise<WebhookView[]>;
  /** @throws `WEBHOOK_NOT_FOUND` (also for another instance's subscription with an instance token). */
  get(caller: WebhookCaller, id: string): Promise<WebhookView>;
  /** @throws `WEBHOOK_NOT_FOUND`, `VALIDATION_FAILED`, `WEBHOOK_URL_REFUSED`. */
  update(caller: WebhookCaller, id: string, input: UpdateWebhookInput): Promise<WebhookView>;
  /** Deletes the subscription with its deliveries and attempts. @throws `WEBHOOK_NOT_FOUND`. */
  remove(caller: WebhookCaller, id: string): Promise<void>;
  /**
   * New signing secret (returned here only); the previous one keeps signing too for `overlapMs`
   * (default 24 h; 0 = at once).
   * @throws `WEBHOOK_NOT_FOUND`, `VALIDATION_FAILED`.
   */
  rotateSecret(caller: WebhookCaller, id: string, opts?: { overlapMs?: number }): Promise<{ webhook: WebhookView; secret: string }>;
  /** Newest first; `next` is the `before` cursor of the following page, or null. @throws `WEBHOOK_NOT_FOUND`. */
  attempts(caller: WebhookCaller, id: string, q: { limit?: number; before?: number; eventId?: string }): Promise<{ items: AttemptView[]; next: number | null }>;
  /**
   * Queues events again for this subscription (attempts from scratch, due now): one event, or every
   * event in a time range that the subscription's filters match.
   * @throws `WEBHOOK_NOT_FOUND`, `EVENT_NOT_FOUND`, `VALIDATION_FAILED` (range too large, event not
   *   matching the filters).
   */
  redeliver(caller: WebhookCaller, id: string, input: RedeliverInput): Promise<{ queued: number }>;
}
