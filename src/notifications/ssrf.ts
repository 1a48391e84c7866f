/**
 * SSRF checks of partner endpoint URLs (OWASP's SSRF prevention): in production an endpoint is an
 * https URL whose host resolves only to public addresses. Checked when the endpoint is created and
 * again on every delivery, at connect time (the address the socket connects to is the one checked,
 * so a DNS answer that changes after the first check, DNS rebinding, is refused too); redirects are
 * never followed. WEBHOOK_ALLOW_PRIVATE_URLS=true (development, refused in production) turns it off.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
// IPv6, with every range that carries or reaches an IPv4 address (IPv4-compatible, IPv4-translated,
// NAT64, 6to4, Teredo): a gateway on the way may turn them into a private IPv4 connection.
// IPv4-mapped (::ffff:0:0/96) is checked against the IPv4 list above instead (isPrivateAddress).
for (const [net, prefix] of [
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address: refuse
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, 'ipv6');
}

/** A URL Portico will not call; the message says why and what to use instead. */
export class UnsafeUrlError extends Error {
  override name = 'UnsafeUrlError';
}

export interface UrlPolicy {
  /** Accept http and any address (development only). */
  allowPrivate: boolean;
  /** @default node:dns lookup */
  resolve?: (host: string) => Promise<LookupAddress[]>;
}

const resolveAll = (host: string) =>
  new Promise<LookupAddress[]>((res, rej) => dnsLookup(host, { all: true, verbatim: true }, (err, a) => (err ? rej(err) : res(a))));

/** Checks an endpoint URL; resolves its host (in production) and refuses any private address it has. */
export async function checkEndpointUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('The URL is not an absolute URL, e.g. "https://partner.example/webhooks/portico".');
  }
  if (raw.length > 2048) throw new UnsafeUrlError('The URL is longer than 2048 characters.');
  if (url.username || url.password) throw new UnsafeUrlError('The URL must not carry credentials; verify our signature instead.');
  if (policy.allowPrivate) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeUrlError('The URL must be https (or http in development).');
    return url;
  }
  if (url.protocol !== 'https:') throw new UnsafeUrlError('The URL must be https.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host))
      throw new UnsafeUrlError(`The URL's address ${host} is loopback, private or link-local; use a public https URL.`);
    return url;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await (policy.resolve ?? resolveAll)(host);
  } catch {
    throw new UnsafeUrlError(`The URL's host "${host}" does not resolve.`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (!addresses.length || bad)
    throw new UnsafeUrlError(
      `The URL's host "${host}" resolves to ${bad?.address ?? 'nothing'}, a loopback, private or link-local address; use a public https URL.`,
    );
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for sockets (undici's `connect.lookup`) that refuses private addresses: what the
 * connection uses is what was checked.
 */
export function guardedLookup(hostname: string, options: { all?: boolean }, cb: LookupCallback): void {
  dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
    if (err) return cb(err, '');
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || !addresses.length) {
      const e: NodeJS.ErrnoException = new UnsafeUrlError(`${hostname} resolves to a private address (${bad?.address ?? 'none'})`);
      e.code = 'EPRIVATEADDR';
      return cb(e, '');
    }
    if (options.all) return cb(null, addresses);
    return cb(null, addresses[0].address, addresses[0].family);
  });
}
