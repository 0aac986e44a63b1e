/**
 * `@clickhouse/client` sends query parameters in the request URL (`param_name=...`). A parameter
 * that grows with the data — the organizations of an ingested block — could make a URL of
 * megabytes, which proxies refuse (nginx's default request line is 8 KiB) and ClickHouse itself
 * above `http_max_uri_size`. Such a list is sent in several requests, each within this many bytes.
 */
export const MAX_URL_PARAMETER_BYTES = 6 * 1024;

/** The parameter's name, brackets and their encoding: what one request spends besides its elements. */
const OVERHEAD_BYTES = 64;

/** Characters `URLSearchParams` leaves as they are (a space becomes `+`); any other UTF-8 byte takes three (`%XX`). */
const PLAIN = /[*\-.0-9A-Z_a-z ]/;

/**
 * Bytes one string takes in the URL as an element of an `Array(String)` parameter: escaped and
 * quoted as the client formats it (`'`, `\`, tab, CR, LF get a backslash), then form-encoded,
 * with the comma before it.
 */
export function urlArrayElementBytes(value: string): number {
  let bytes = 9; // two quotes and a comma, each %XX
  for (const char of value) {
    const escaped = char === "'" || char === '\\' || char === '\t' || char === '\n' || char === '\r' ? 2 : 1;
    bytes += PLAIN.test(char) ? escaped : 3 * escaped * Buffer.byteLength(char);
  }
  return bytes;
}

/** Consecutive runs of `values` whose `Array(String)` parameter stays within `budget` URL bytes (at least one value each). */
export function chunksWithinUrlBudget(values: string[], budget = MAX_URL_PARAMETER_BYTES): string[][] {
  const chunks: string[][] = [];
  let bytes = 0;
  for (const value of values) {
    const size = urlArrayElementBytes(value);
    if (chunks.length === 0 || bytes + size > budget) {
      chunks.push([]);
      bytes = OVERHEAD_BYTES;
    }
    chunks[chunks.length - 1].push(value);
    bytes += size;
  }
  return chunks;
}
