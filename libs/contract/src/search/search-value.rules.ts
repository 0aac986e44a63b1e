const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const HAS_ZONE = /(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** The URL parser (in browsers and Node.js alike) is the reference for IPv6 text. */
function isIpv6(text: string): boolean {
  if (!text.includes(':') || !IPV6_CHARS.test(text)) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 or IPv6 address, or either with a /prefix in range. */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bits = isIpv4(address) ? 32 : isIpv6(address) ? 128 : 0;
  if (bits === 0) return false;
  if (slash < 0) return true;
  const prefix = text.slice(slash + 1);
  return PREFIX.test(prefix) && Number(prefix) <= bits;
}

/** `2026-09-01` is the whole UTC day; a time without a zone is UTC. */
export function isDateOnly(text: string): boolean {
  return DATE.test(text);
}

/** Milliseconds of a date or time accepted by {@link isSearchTime}. */
export function searchTimeMillis(text: string): number {
  return Date.parse(isDateOnly(text) || HAS_ZONE.test(text) ? text : `${text}Z`);
}

/** A real calendar date (no 2026-02-30), or an ISO-8601 time on one, within years 1900–2299. */
export function isSearchTime(text: string): boolean {
  if (!DATE.test(text) && !INSTANT.test(text)) return false;
  const day = Date.parse(text.slice(0, 10));
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== text.slice(0, 10)) return false;
  const millis = searchTimeMillis(text);
  return !Number.isNaN(millis) && millis >= Date.UTC(1900, 0, 1) && millis < Date.UTC(2300, 0, 1) - DAY_MS;
}
