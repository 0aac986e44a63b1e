import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { DeliveryError } from './delivery.error';

/**
 * Where a destination must not point unless the operator allows it: loopback, private,
 * shared (CGNAT), link-local (cloud metadata at 169.254.169.254 among them), unique-local
 * (fd00:ec2::254), multicast, reserved, documentation and NAT64 ranges.
 */
const DENIED: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in IPv6 clothes: judged as the IPv4 one. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return { address: dotted[1], family: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return { address: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: 'ipv4' };
  }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

function cidrList(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
}

/**
 * A destination is a way for a tenant to make this server send requests: every address a
 * destination connects to is checked here, on the address actually used (the resolved one, through
 * the socket's `lookup`, so DNS rebinding cannot swap it after a check). The operator's allow-list
 * (`STREAMS_ALLOWED_CIDRS`, CIDRs) lets chosen internal receivers through.
 */
export class AddressPolicy {
  private readonly denied = cidrList(DENIED);
  private readonly allowed: BlockList;

  constructor(allowedCidrs: string[] = []) {
    this.allowed = cidrList(allowedCidrs.map(parseCidr));
  }

  /**
   * Throws a DeliveryError naming the address when it may not be connected to; with
   * `allowListedOnly` (plain-http destinations) anything outside the allow-list is refused.
   */
  check(address: string, allowListedOnly = false): void {
    const { address: plain, family } = unmapped(address);
    if (isIP(plain) === 0) throw new DeliveryError(`"${address}" is not an IP address`);
    if (this.allowed.check(plain, family)) return;
    if (allowListedOnly) throw new DeliveryError(`plain http is only for allow-listed receivers (STREAMS_ALLOWED_CIDRS); ${address} is not one: use https`);
    if (this.denied.check(plain, family)) {
      throw new DeliveryError(`the destination resolves to ${address}, a loopback, private, link-local or reserved address (allow it with STREAMS_ALLOWED_CIDRS)`);
    }
  }

  /** Checks a host that is an IP literal (sockets skip `lookup` for those); names are checked when they resolve. */
  checkHost(host: string, allowListedOnly = false): void {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) this.check(bare, allowListedOnly);
  }

  /** A `lookup` for sockets and agents: resolves, then refuses the connection if any resolved address is denied. */
  readonly lookup: LookupFunction = (hostname, options, callback) => this.resolve(hostname, options, callback, false);

  /** The same for plain-http agents: every resolved address must be allow-listed. */
  readonly allowListedLookup: LookupFunction = (hostname, options, callback) => this.resolve(hostname, options, callback, true);

  private resolve(...[hostname, options, callback, allowListedOnly]: [...Parameters<LookupFunction>, boolean]): void {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      try {
        if (addresses.length === 0) throw new DeliveryError(`${hostname} has no address`);
        for (const { address } of addresses) this.check(address, allowListedOnly);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 4);
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  }
}

/** `10.1.0.0/16`, `::1/128`, or a bare address (a /32 or /128). Throws naming the entry. */
export function parseCidr(entry: string): [string, number, 'ipv4' | 'ipv6'] {
  const [address, prefixText] = entry.trim().split('/');
  const version = isIP(address);
  const max = version === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`"${entry}" is not a CIDR (e.g. 10.0.0.0/8, 127.0.0.1/32, ::1/128)`);
  return [address, prefix, version === 6 ? 'ipv6' : 'ipv4'];
}
