import { lookup as dnsLookup, promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { err } from "../core/errors.js";

/**
 * The one SSRF guard: outbound webhooks and every URL a caller supplies in an instance config or an
 * action input (see `UrlGuard` in ./url-guard.ts) pass through it. An address may be connected to only when `ipaddr.js`
 * classifies it as global `unicast` (IPv4-mapped IPv6 addresses are judged as the IPv4 address they
 * carry); loopback, private (RFC 1918), link-local (incl. 169.254.169.254), unique-local, CGNAT,
 * multicast, broadcast, unspecified, reserved/documentation, NAT64/6to4/Teredo and the other special
 * ranges are refused — unless the operator allows private addresses.
 *
 * The check runs twice: on the URL when a subscription is created or changed ({@link assertPublicUrl},
 * every address the name resolves to), and on every connection ({@link guardedLookup} for names,
 * {@link refusedLiteral} for IP literals), so a name re-pointed to a private address afterwards (DNS
 * rebinding) is refused at connect time too.
 */

/** How an address was judged: `range` is ipaddr.js's name for it (`unicast`, `loopback`, `private`…). */
export interface AddressVerdict {
  allowed: boolean;
  range: string;
}

/** `::/96`: IPv4-compatible IPv6 addresses. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/** Judges one IP address (v4 or v6 text). Text that is not an IP address is refused (`range: "invalid"`). */
export function classifyAddress(address: string): AddressVerdict {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(address.replace(/%.*$/, "")); // a zone id (`fe80::1%eth0`) is not part of the address
  } catch {
    return { allowed: false, range: "invalid" };
  }
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  // IPv4-compatible IPv6 (`::/96`, deprecated by RFC 4291; `::a00:1` is 10.0.0.1) is refused whole:
  // some stacks still route it to the embedded IPv4 address. (`::` and `::1` keep their own range.)
  if (range === "unicast" && addr.kind() === "ipv6" && (addr as ipaddr.IPv6).match(IPV4_COMPATIBLE)) return { allowed: false, range: "ipv4Compatible" };
  return { allowed: range === "unicast", range };
}

/** The error a connection to a refused address fails with (its message names the address and its range, nothing else). */
export class AddressRefusedError extends Error {
  readonly code = "ERR_ADDRESS_REFUSED";
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused: ${address} is a ${range} address`);
    this.name = "AddressRefusedError";
  }
}

/** The URL's host without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * For a URL whose host is an IP literal: the refusal when that address is not allowed, else null.
 * Names return null (they are checked by {@link guardedLookup} at connect time).
 */
export function refusedLiteral(url: URL): AddressRefusedError | null {
  const host = bareHost(url);
  if (isIP(host) === 0) return null;
  const v = classifyAddress(host);
  return v.allowed ? null : new AddressRefusedError(host, v.range);
}

/**
 * A `net.connect` `lookup` that resolves like `dns.lookup` but fails with {@link AddressRefusedError}
 * when any address the name resolves to is not allowed.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: (e: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (e, addresses) => {
    if (e) return callback(e, "");
    const list = addresses;
    for (const a of list) {
      const v = classifyAddress(a.address);
      if (!v.allowed) return callback(new AddressRefusedError(a.address, v.range), "");
    }
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
    if (options.all) callback(null, list);
    else callback(null, first.address, first.family);
  });
}

/** What {@link assertPublicUrl} checks besides the addresses. */
export interface PublicUrlOptions {
  /** Where the URL came from, for `details.issues[].path` (e.g. `body.url`, `/config/apiRoot`). */
  path?: string;
  /** Accepted schemes, with the colon. Default `["http:", "https:"]`. */
  protocols?: readonly string[];
  /** Whether user info (`user:pass@`) is refused. Default true (credentials belong elsewhere). */
  refuseUserInfo?: boolean;
  /** The catalog code of a refused address. Default `WEBHOOK_URL_REFUSED`. */
  code?: "WEBHOOK_URL_REFUSED" | "URL_REFUSED";
}

/**
 * Checks a URL: one of the accepted schemes, no user info, at most 2048 characters, and — unless
 * `allowPrivate` — every address its host resolves to allowed.
 * @returns the parsed URL.
 * @throws `VALIDATION_FAILED` (not such a URL), `opts.code` (a refused address, or a name that does
 *   not resolve; `details: {host, address?, range?}`).
 */
export async function assertPublicUrl(text: string, allowPrivate: boolean, opts: PublicUrlOptions | string = {}): Promise<URL> {
  const o: PublicUrlOptions = typeof opts === "string" ? { path: opts } : opts;
  const path = o.path ?? "body.url";
  const protocols = o.protocols ?? ["http:", "https:"];
  const code = o.code ?? "WEBHOOK_URL_REFUSED";
  const invalid = (message: string): never => {
    throw err("VALIDATION_FAILED", { message, details: { issues: [{ path, message }] } });
  };
  if (text.length > 2048) invalid("The URL is longer than 2048 characters.");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid("Not a valid absolute URL.");
  }
  if (!protocols.includes(url.protocol)) invalid(`The URL must be ${protocols.join(" or ")}.`);
  if ((o.refuseUserInfo ?? true) && (url.username !== "" || url.password !== "")) {
    invalid("The URL must not contain credentials; send them as a custom header.");
  }
  if (allowPrivate) return url;
  const host = bareHost(url);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw err(code, { message: `The host ${host} could not be resolved.`, details: { host, path } });
    }
  }
  for (const a of addresses) {
    const v = classifyAddress(a);
    if (!v.allowed) {
      throw err(code, {
        message: `The host ${host} resolves to ${a}, a ${v.range} address; the operator has not allowed private addresses.`,
        details: { host, address: a, range: v.range, path },
      });
    }
  }
  return url;
}
