import type { Connector } from "../core/connector.js";
import { telegramConnector } from "./telegram/index.js";
import { whatsappWebConnector } from "./whatsapp-web/index.js";

/**
 * The connectors `switchboard serve` loads. Each platform lives in its own folder under
 * `src/connectors/<platform>/` and is added here; the core never imports this file.
 */
export function builtinConnectors(): Connector[] {
  return [telegramConnector(), whatsappWebConnector()];
}
