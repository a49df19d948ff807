import { DEFAULT_CONNECTION_CONFIG, type WAVersion, fetchLatestWaWebVersion } from "baileys";
import type { ConnectorLogger } from "../../core/connector.js";
import { parseVersion } from "./config.js";

/** The WhatsApp Web version the pinned Baileys release announces (its `DEFAULT_CONNECTION_CONFIG`). */
export const PINNED_VERSION: WAVersion = DEFAULT_CONNECTION_CONFIG.version;

/** Upper bound of the background version fetch, ms. */
const FETCH_TIMEOUT_MS = 10_000;

/**
 * Chooses the WhatsApp Web version of a session without ever waiting on the network: the configured
 * one; else the current one once a background fetch (Baileys' `fetchLatestWaWebVersion`, reading
 * web.whatsapp.com's service worker) has answered; else the pinned release's. The fetch runs at most
 * once per resolver (one per connector), bounded by 10 s; a failure (offline, changed page) keeps the
 * pinned version and is logged once.
 */
export class VersionResolver {
  private latest: WAVersion | null = null;
  private started = false;

  constructor(private readonly fetchLatest: boolean) {}

  resolve(configured: string | undefined, logger: ConnectorLogger): WAVersion {
    if (configured) return parseVersion(configured);
    if (this.fetchLatest && !this.started) {
      this.started = true;
      void fetchLatestWaWebVersion({ signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
        .then((r) => {
          if (r.isLatest) this.latest = r.version;
          else logger.info({ version: PINNED_VERSION.join(".") }, "WhatsApp Web version not fetched; using the pinned one");
        })
        .catch(() => logger.info({ version: PINNED_VERSION.join(".") }, "WhatsApp Web version not fetched; using the pinned one"));
    }
    return this.latest ?? PINNED_VERSION;
  }
}
