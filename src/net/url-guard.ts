import { Agent as HttpAgent, type AgentOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Socket, isIP, type LookupFunction, type NetConnectOpts } from "node:net";
import type { Duplex } from "node:stream";
import { AddressRefusedError, assertPublicUrl, classifyAddress, guardedLookup } from "./ssrf.js";

/** Options of {@link UrlGuard}. */
export interface UrlGuardOptions {
  /**
   * The operator allows URLs on loopback, private and other non-global addresses
   * (`serve --allow-private-urls`, `SWITCHBOARD_ALLOW_PRIVATE_URLS=1`; default in sandbox mode).
   */
  allowPrivate: boolean;
}

/**
 * The SSRF guard for URLs a caller supplies in an instance config or an action input (a Bot API
 * root, a WebSocket endpoint, a proxy), the counterpart of the webhook guard with the same address
 * rules (`classifyAddress`). It checks twice, like the webhook guard:
 * - when the URL is given ({@link check}): the scheme, and every address the host resolves to;
 * - on every connection the connector makes to it ({@link agentFor}): a guarded `lookup` for names
 *   and a refusal for IP literals, so a name re-pointed at a private address later (DNS rebinding)
 *   or a redirect to one is refused too.
 *
 * URLs the operator or the code chose — a config field's default (the cloud Bot API, a sandbox in
 * sandbox mode) — are trusted ({@link trust}): they are not the caller's and pass unchecked.
 */
export class UrlGuard {
  readonly allowPrivate: boolean;
  private readonly trusted = new Set<string>();
  private readonly agents = new Map<string, HttpAgent>();

  constructor(opts: UrlGuardOptions) {
    this.allowPrivate = opts.allowPrivate;
  }

  /** Trusts `url` (exactly, after parsing): a URL the operator or the code chose. Ignores text that is not a URL. */
  trust(url: string): void {
    const href = parsedHref(url);
    if (href !== undefined) this.trusted.add(href);
  }

  /** Whether `url` was trusted with {@link trust}, or the operator allows private addresses. */
  unrestricted(url: string): boolean {
    if (this.allowPrivate) return true;
    const href = parsedHref(url);
    return href !== undefined && this.trusted.has(href);
  }

  /**
   * Checks a caller-supplied URL (no-op for a trusted one).
   * @param path where it came from, e.g. `/config/apiRoot`, for `details.issues[].path`.
   * @param protocols accepted schemes with the colon, e.g. `["http:", "https:"]`.
   * @throws `VALIDATION_FAILED` (not such a URL); `URL_REFUSED` (a refused address, or a host that
   *   does not resolve; `details: {host, address?, range?, path}`).
   */
  async check(text: string, path: string, protocols: readonly string[]): Promise<void> {
    if (this.unrestricted(text)) return;
    await assertPublicUrl(text, false, { path, protocols, code: "URL_REFUSED", refuseUserInfo: true });
  }

  /**
   * An `http.Agent` (keep-alive) for connections to `url` that applies the address rules at connect
   * time: pass it as the `agent` of `http.request`, node-fetch or `ws`. Undefined when no rule
   * applies ({@link unrestricted}): the caller then uses its usual agent. One agent per scheme is
   * shared by every caller. Refused connections fail with `AddressRefusedError`
   * (`code: "ERR_ADDRESS_REFUSED"`, message `refused: <address> is a <range> address`).
   */
  agentFor(url: string): HttpAgent | undefined {
    if (this.unrestricted(url)) return undefined;
    const secure = /^(https|wss):/i.test(url);
    const key = secure ? "https" : "http";
    let agent = this.agents.get(key);
    if (!agent) {
      agent = secure ? new GuardedHttpsAgent({ keepAlive: true }) : new GuardedHttpAgent({ keepAlive: true });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /**
   * Socket options for the connection to a proxy at `url` (see `OutboundNet.proxyOptions`): the
   * guarded lookup for a name; `refused` for an IP literal that is not allowed; undefined when
   * {@link unrestricted} or `url` is not a URL. Never throws.
   */
  proxyOptions(url: string): { lookup: LookupFunction } | { refused: Error } | undefined {
    if (this.unrestricted(url)) return undefined;
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return undefined;
    }
    const refused = refusedHost(host);
    return refused ? { refused } : { lookup: guardedLookup as LookupFunction };
  }

  /** Closes the idle sockets of the shared agents. Idempotent. */
  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function parsedHref(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

/** The refusal for an IP-literal host that is not allowed, else null (names go through `guardedLookup`). */
function refusedHost(host: string | undefined | null): AddressRefusedError | null {
  if (!host) return null;
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(bare) === 0) return null;
  const v = classifyAddress(bare);
  return v.allowed ? null : new AddressRefusedError(bare, v.range);
}

/** A socket that fails with `e` on the next tick (what `createConnection` returns for a refused address). */
function failedSocket(e: Error): Socket {
  const s = new Socket();
  process.nextTick(() => s.destroy(e));
  return s;
}

type CreateConnection = (options: NetConnectOpts & { host?: string | null }, callback?: (err: Error | null, socket: Duplex) => void) => Duplex;

/** `base`'s createConnection (called on `agent`), refusing an IP-literal host that is not allowed. */
function refusing(agent: HttpAgent, base: typeof HttpAgent | typeof HttpsAgent): CreateConnection {
  const create = (base.prototype as unknown as { createConnection: CreateConnection }).createConnection;
  return (options, callback) => {
    const refused = refusedHost(options.host);
    return refused ? failedSocket(refused) : create.call(agent, options, callback);
  };
}

/** An http.Agent that resolves names through `guardedLookup` and refuses IP literals (see {@link UrlGuard.agentFor}). */
class GuardedHttpAgent extends HttpAgent {
  constructor(opts: AgentOptions) {
    super({ ...opts, lookup: guardedLookup } as AgentOptions);
  }
  override createConnection: CreateConnection = refusing(this, HttpAgent);
}

/** The https.Agent counterpart of {@link GuardedHttpAgent}. */
class GuardedHttpsAgent extends HttpsAgent {
  constructor(opts: AgentOptions) {
    super({ ...opts, lookup: guardedLookup } as AgentOptions);
  }
  override createConnection: CreateConnection = refusing(this, HttpsAgent);
}
