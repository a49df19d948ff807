import { randomUUID } from "node:crypto";
import { err } from "../../core/errors.js";
import type { DeliveryKey, Store, WebhookPatch, WebhookRecord } from "../../store/types.js";
import { compileEventFilter, normaliseEventFilter } from "./filter.js";
import { MAX_GLOBAL_SUBSCRIPTIONS, MAX_SUBSCRIPTIONS_PER_INSTANCE, type WebhookOptions } from "./options.js";
import type { WebhookSecrets } from "./secrets.js";
import { generateSecret } from "./signing.js";
import { assertPublicUrl } from "../../net/ssrf.js";
import {
  type AttemptView,
  type CreateWebhookInput,
  type RedeliverInput,
  type UpdateWebhookInput,
  type WebhookApi,
  type WebhookCaller,
  type WebhookView,
} from "./types.js";
import { checkConcurrency, checkDescription, checkOverlap, checkRange, normaliseHeaders } from "./validate.js";

/** Events one range redelivery queues at most. */
export const MAX_REDELIVER = 10_000;
/** Default page size of the attempts listing. */
const DEFAULT_ATTEMPTS_LIMIT = 50;

/** What the service tells the delivery side about changes (the dispatcher; a no-op where nothing delivers). */
export interface DeliveryControl {
  /** The stored subscription changed (or is gone). */
  reload(id: string): Promise<void>;
  /**
   * Makes these deliveries of the subscription pending again from scratch (attempt 1, due now) —
   * also against attempts in flight, whose results must not undo it.
   */
  requeue(id: string, rows: readonly DeliveryKey[]): Promise<void>;
}

/** What {@link WebhookService} needs. */
export interface WebhookServiceDeps {
  store: Pick<Store, "webhooks" | "instances">;
  secrets: WebhookSecrets;
  control: DeliveryControl;
  options: Pick<WebhookOptions, "allowPrivateAddresses" | "defaultMaxConcurrency" | "defaultRotationOverlapMs">;
  /** Epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The webhook subscriptions API ({@link WebhookApi}): validation, token scoping, secrets (generated,
 * sealed, shown once), and the hand-over to the dispatcher. Scoping: an instance token reaches only
 * its own instance's subscriptions — another one's id answers `WEBHOOK_NOT_FOUND`, naming another
 * instance `FORBIDDEN` — and cannot create global ones.
 */
export class WebhookService implements WebhookApi {
  private readonly now: () => number;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * @throws `LIMIT_REACHED` past {@link MAX_SUBSCRIPTIONS_PER_INSTANCE} for the instance or
   *   {@link MAX_GLOBAL_SUBSCRIPTIONS} global ones (checked before the insert: concurrent creates may
   *   overshoot by their number).
   */
  private async assertRoom(instanceId: string | null): Promise<void> {
    const max = instanceId === null ? MAX_GLOBAL_SUBSCRIPTIONS : MAX_SUBSCRIPTIONS_PER_INSTANCE;
    const count = (await this.deps.store.webhooks.list({ instanceId })).length;
    if (count >= max) {
      throw err("LIMIT_REACHED", {
        message: `At most ${max} ${instanceId === null ? "global subscriptions" : "subscriptions per instance"}; delete one first.`,
        details: { limit: max, scope: instanceId === null ? "global" : "instance" },
      });
    }
  }

  async create(caller: WebhookCaller, input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const instanceId = await this.scopeFor(caller, input.instance);
    await this.assertRoom(instanceId);
    const url = await assertPublicUrl(input.url, this.deps.options.allowPrivateAddresses);
    const types = normaliseEventFilter(input.types ?? [], "body.types");
    const headers = normaliseHeaders(input.headers ?? {});
    const description = checkDescription(input.description ?? "");
    const maxConcurrency = checkConcurrency(input.maxConcurrency ?? this.deps.options.defaultMaxConcurrency);
    const id = `wh_${randomUUID()}`;
    const secret = generateSecret();
    const now = this.now();
    const enabled = input.enabled ?? true;
    const rec = await this.deps.store.webhooks.create({
      id,
      instanceId,
      url: url.href,
      description,
      eventTypes: types,
      headersSealed: this.deps.secrets.sealHeaders(id, headers),
      secretSealed: this.deps.secrets.sealSecret(id, secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      ordered: input.ordered ?? false,
      maxConcurrency,
      enabled,
      disabledAt: enabled ? null : now,
      disabledReason: enabled ? null : "user",
      createdAt: now,
    });
    await this.deps.control.reload(id);
    return { webhook: await this.view(rec), secret };
  }

  async list(caller: WebhookCaller, opts: { instance?: string } = {}): Promise<WebhookView[]> {
    let filter: { instanceId?: string | null } = {};
    if (caller.scope === "instance") filter = { instanceId: await this.scopeFor(caller, opts.instance) };
    else if (opts.instance !== undefined) filter = { instanceId: (await this.instanceByName(opts.instance)).id };
    const recs = await this.deps.store.webhooks.list(filter);
    const names = new Map<string, string | null>();
    return Promise.all(recs.map((r) => this.view(r, names)));
  }

  async get(caller: WebhookCaller, id: string): Promise<WebhookView> {
    return this.view(await this.load(caller, id));
  }

  async update(caller: WebhookCaller, id: string, input: UpdateWebhookInput): Promise<WebhookView> {
    const rec = await this.load(caller, id);
    const now = this.now();
    const patch: WebhookPatch = {};
    if (input.url !== undefined) patch.url = (await assertPublicUrl(input.url, this.deps.options.allowPrivateAddresses)).href;
    if (input.types !== undefined) patch.eventTypes = normaliseEventFilter(input.types, "body.types");
    if (input.headers !== undefined) patch.headersSealed = input.headers === null ? null : this.deps.secrets.sealHeaders(id, normaliseHeaders(input.headers));
    if (input.description !== undefined) patch.description = checkDescription(input.description);
    if (input.ordered !== undefined) patch.ordered = input.ordered;
    if (input.maxConcurrency !== undefined) patch.maxConcurrency = checkConcurrency(input.maxConcurrency);
    const enabling = input.enabled === true && !rec.enabled;
    if (enabling) Object.assign(patch, { enabled: true, disabledAt: null, disabledReason: null, failingSince: null, failureCount: 0 });
    if (input.enabled === false && rec.enabled) Object.assign(patch, { enabled: false, disabledAt: now, disabledReason: "user" });
    // Deliveries waiting for a (possibly hours-long) backoff go at once when the endpoint comes back.
    if (enabling) await this.deps.store.webhooks.expedite(id, now);
    const updated = await this.deps.store.webhooks.update(id, patch, now);
    if (!updated) throw err("WEBHOOK_NOT_FOUND", { details: { id } });
    await this.deps.control.reload(id);
    return this.view(updated);
  }

  async remove(caller: WebhookCaller, id: string): Promise<void> {
    await this.load(caller, id);
    if (!(await this.deps.store.webhooks.delete(id))) throw err("WEBHOOK_NOT_FOUND", { details: { id } });
    await this.deps.control.reload(id);
  }

  async rotateSecret(caller: WebhookCaller, id: string, opts: { overlapMs?: number } = {}): Promise<{ webhook: WebhookView; secret: string }> {
    const rec = await this.load(caller, id);
    const overlapMs = checkOverlap(opts.overlapMs ?? this.deps.options.defaultRotationOverlapMs);
    const now = this.now();
    const secret = generateSecret();
    const updated = await this.deps.store.webhooks.update(
      id,
      {
        secretSealed: this.deps.secrets.sealSecret(id, secret),
        previousSecretSealed: overlapMs > 0 ? rec.secretSealed : null,
        previousSecretExpiresAt: overlapMs > 0 ? now + overlapMs : null,
      },
      now,
    );
    if (!updated) throw err("WEBHOOK_NOT_FOUND", { details: { id } });
    await this.deps.control.reload(id);
    return { webhook: await this.view(updated), secret };
  }

  async attempts(caller: WebhookCaller, id: string, q: { limit?: number; before?: number; eventId?: string }): Promise<{ items: AttemptView[]; next: number | null }> {
    await this.load(caller, id);
    const limit = Math.min(Math.max(Math.floor(q.limit ?? DEFAULT_ATTEMPTS_LIMIT), 1), 500);
    const rows = await this.deps.store.webhooks.attempts(id, {
      limit,
      ...(q.before !== undefined && { before: q.before }),
      ...(q.eventId !== undefined && { eventId: q.eventId }),
    });
    const items = rows.map((a) => ({
      id: a.id,
      eventId: a.eventId,
      attempt: a.attempt,
      ts: a.ts,
      status: a.statusCode,
      latencyMs: a.latencyMs,
      error: a.error,
      ok: a.ok,
    }));
    const last = items[items.length - 1];
    return { items, next: items.length === limit && last ? last.id : null };
  }

  async redeliver(caller: WebhookCaller, id: string, input: RedeliverInput): Promise<{ queued: number }> {
    const rec = await this.load(caller, id);
    const filter = compileEventFilter(rec.eventTypes);
    let rows: DeliveryKey[];
    if ("eventId" in input) {
      const ev = await this.deps.store.webhooks.findEvent(input.eventId);
      // Another instance's event is "not found" for a per-instance subscription (no probing).
      if (!ev || (rec.instanceId !== null && ev.instanceId !== rec.instanceId)) throw err("EVENT_NOT_FOUND", { details: { eventId: input.eventId } });
      if (!filter.matches(ev.type)) {
        throw err("VALIDATION_FAILED", {
          message: `Event type ${ev.type} is not among this subscription's types.`,
          details: { issues: [{ path: "body.eventId", message: "The event does not match the subscription's types" }] },
        });
      }
      rows = [{ webhookId: id, eventSeq: ev.seq, eventId: ev.id, instanceId: ev.instanceId }];
    } else {
      checkRange(input.from, input.to);
      const events = await this.deps.store.webhooks.findEventsByTime({
        from: input.from,
        to: input.to + 1,
        ...(rec.instanceId !== null && { instanceId: rec.instanceId }),
        limit: MAX_REDELIVER + 1,
      });
      if (events.length > MAX_REDELIVER) {
        throw err("VALIDATION_FAILED", {
          message: `More than ${MAX_REDELIVER} events in that range; redeliver a shorter range at a time.`,
          details: { issues: [{ path: "body.to", message: "Range too large" }] },
        });
      }
      rows = events.filter((e) => filter.matches(e.type)).map((e) => ({ webhookId: id, eventSeq: e.seq, eventId: e.id, instanceId: e.instanceId }));
    }
    if (rows.length > 0) await this.deps.control.requeue(id, rows);
    return { queued: rows.length };
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The instance id a new (or listed) subscription belongs to: the caller's own instance for an
   * instance token (naming another one is `FORBIDDEN`, existing or not); the named instance or null
   * (global) for the account token.
   */
  private async scopeFor(caller: WebhookCaller, name: string | undefined): Promise<string | null> {
    if (caller.scope === "instance") {
      if (name !== undefined) {
        const rec = await this.deps.store.instances.get(name);
        if (!rec || rec.id !== caller.instanceId) throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
      }
      return caller.instanceId;
    }
    return name === undefined ? null : (await this.instanceByName(name)).id;
  }

  private async instanceByName(name: string): Promise<{ id: string }> {
    const rec = await this.deps.store.instances.get(name);
    if (!rec) throw err("INSTANCE_NOT_FOUND", { details: { name } });
    return rec;
  }

  /** The subscription, if the caller may see it. @throws `WEBHOOK_NOT_FOUND`. */
  private async load(caller: WebhookCaller, id: string): Promise<WebhookRecord> {
    const rec = await this.deps.store.webhooks.get(id);
    if (!rec || (caller.scope === "instance" && rec.instanceId !== caller.instanceId)) throw err("WEBHOOK_NOT_FOUND", { details: { id } });
    return rec;
  }

  private async view(rec: WebhookRecord, names = new Map<string, string | null>()): Promise<WebhookView> {
    let instance: string | null = null;
    if (rec.instanceId !== null) {
      if (!names.has(rec.instanceId)) names.set(rec.instanceId, (await this.deps.store.instances.getById(rec.instanceId))?.name ?? null);
      instance = names.get(rec.instanceId) ?? null;
    }
    const headerNames = rec.headersSealed === null ? [] : Object.keys(this.deps.secrets.openHeaders(rec.id, rec.headersSealed));
    return {
      id: rec.id,
      instance,
      url: rec.url,
      description: rec.description,
      types: rec.eventTypes,
      headers: headerNames,
      ordered: rec.ordered,
      maxConcurrency: rec.maxConcurrency,
      enabled: rec.enabled,
      disabledAt: rec.disabledAt,
      disabledReason: rec.disabledReason,
      failingSince: rec.failingSince,
      previousSecretExpiresAt: rec.previousSecretExpiresAt !== null && rec.previousSecretExpiresAt > this.now() ? rec.previousSecretExpiresAt : null,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    };
  }
}
