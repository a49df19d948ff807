import type { Logger } from "pino";
import type { Store } from "../../store/types.js";
import type { Vault } from "../../vault/vault.js";
import type { EventBus } from "../bus.js";
import { WebhookDispatcher } from "./dispatcher.js";
import { resolveWebhookOptions, type WebhookOptions } from "./options.js";
import { WebhookSecrets } from "./secrets.js";
import { WebhookService } from "./service.js";

export { DEFAULT_WEBHOOK_OPTIONS, parseSchedule, resolveWebhookOptions, type WebhookOptions } from "./options.js";
export type { WebhookApi, WebhookCaller, WebhookView, AttemptView, CreateWebhookInput, UpdateWebhookInput, RedeliverInput, WebhookDisabledData } from "./types.js";
export { WebhookDispatcher } from "./dispatcher.js";
export { WebhookService } from "./service.js";

/** Outbound webhooks of a gateway: the API and the dispatcher that delivers. */
export interface Webhooks {
  api: WebhookService;
  dispatcher: WebhookDispatcher;
  /** Starts delivering (pending deliveries of a previous run first). */
  start(): Promise<void>;
  /** Stops delivering; attempts in flight get a short grace period; pending deliveries stay stored. */
  stop(): Promise<void>;
}

/** What {@link createWebhooks} needs. */
export interface WebhooksDeps {
  store: Pick<Store, "webhooks" | "instances">;
  /** Seals signing secrets and custom header values. */
  vault: Vault;
  /** The gateway's event bus (stored events only): the dispatcher's wake-up. */
  bus: EventBus;
  logger: Logger;
  options?: Partial<WebhookOptions>;
  /** Epoch ms. Default `Date.now`. */
  now?: () => number;
  /** [0, 1), backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Wires outbound webhooks: options (defaults filled in, see {@link WebhookOptions}), secrets sealed
 * with the vault, the dispatcher, and the API on top of it.
 * @throws `VALIDATION_FAILED` for invalid options.
 */
export function createWebhooks(deps: WebhooksDeps): Webhooks {
  const options = resolveWebhookOptions(deps.options);
  const secrets = new WebhookSecrets(deps.vault);
  const dispatcher = new WebhookDispatcher({
    store: deps.store,
    secrets,
    bus: deps.bus,
    options,
    logger: deps.logger.child({ component: "webhooks" }),
    ...(deps.now && { now: deps.now }),
    ...(deps.random && { random: deps.random }),
  });
  const api = new WebhookService({ store: deps.store, secrets, control: dispatcher, options, ...(deps.now && { now: deps.now }) });
  return { api, dispatcher, start: () => dispatcher.start(), stop: () => dispatcher.stop() };
}
