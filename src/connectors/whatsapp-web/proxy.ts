import type { Agent } from "node:https";
import { HttpsProxyAgent } from "https-proxy-agent";
import { SocksProxyAgent } from "socks-proxy-agent";

/**
 * The agent for a configured proxy URL (`http(s)://host:port` → CONNECT tunnel through
 * `https-proxy-agent`; `socks4/5(h)://host:port` → `socks-proxy-agent`). Used for the WebSocket
 * (`agent`) and for media requests (`fetchAgent`).
 */
export function proxyAgent(url: string): Agent {
  return url.startsWith("socks") ? new SocksProxyAgent(url) : new HttpsProxyAgent(url);
}
