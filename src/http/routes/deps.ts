import type { GatewayApi } from "../../core/api.js";
import type { EventFeed } from "../../events/feed.js";
import type { WebhookApi } from "../../events/webhooks/types.js";
import type { Metrics } from "../../observability/metrics.js";

/** What route modules need. */
export interface RouteDeps {
  gateway: GatewayApi;
  metrics: Metrics;
  /** Resolves when the gateway is ready to serve; rejects otherwise. */
  ready?: () => Promise<void>;
  version: string;
  /** Replay and live streams of events; the event routes exist only when set. */
  events?: EventFeed;
  /** Outbound webhook subscriptions; the `/v1/webhooks` routes exist only when set. */
  webhooks?: WebhookApi;
}
