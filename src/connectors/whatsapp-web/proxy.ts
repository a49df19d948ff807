import type { Agent } from "node:https";
import type { LookupFunction } from "node:net";
import { HttpsProxyAgent } from "https-proxy-agent";
import { SocksProxyAgent } from "socks-proxy-agent";
import type { OutboundNet } from "../../core/connector.js";

/**
 * The agent for a configured proxy URL (`http(s)://host:port` → CONNECT tunnel through
 * `https-proxy-agent`; `socks4/5(h)://host:port` → `socks-proxy-agent`). Used for the WebSocket
 * (`agent`) and for media requests (`fetchAgent`). The connection to the proxy itself goes through
 * the gateway's SSRF rules (`net.proxyOptions`): a name is resolved by the guarded lookup.
 * @throws the refusal (message `refused: <address> is a <range> address`) when the proxy's host is
 *   an IP literal the rules do not allow.
 */
export function proxyAgent(url: string, net: OutboundNet): Agent {
  const rules = net.proxyOptions(url);
  if (rules && "refused" in rules) throw rules.refused;
  const lookup: { lookup?: LookupFunction } = rules ? { lookup: rules.lookup } : {};
  return url.startsWith("socks") ? new SocksProxyAgent(url, { socketOptions: lookup }) : new HttpsProxyAgent(url, lookup);
}
