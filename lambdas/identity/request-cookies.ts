/**
 * Finds the device cookie's values in what the gateway passes: whole `Cookie` headers and/or
 * HTTP API 2.0's `cookies` array (one `name=value` per element). Both parse alike: `;`-separated pairs.
 *
 * Duplicate names are normal (a browser sends both a host-only and a Domain cookie, or cookies of
 * several paths), so every value is returned in order and the caller takes the first that verifies.
 * Caps keep a hostile header cheap: at most `limit` values, and oversized headers are not scanned.
 */
export const MAX_COOKIE_HEADER_LENGTH = 16_384;

export function findCookieValues(sources: readonly string[], name: string, limit: number): string[] {
  const values: string[] = [];
  const prefix = `${name}=`;
  for (const source of sources) {
    if (typeof source !== 'string' || source.length > MAX_COOKIE_HEADER_LENGTH) continue;
    let from = 0;
    while (values.length < limit) {
      const at = source.indexOf(prefix, from);
      if (at === -1) break;
      from = at + prefix.length;
      if (!isPairStart(source, at)) continue;
      let end = source.indexOf(';', from);
      if (end === -1) end = source.length;
      values.push(source.slice(from, end).trim());
    }
    if (values.length >= limit) break;
  }
  return values;
}

/** True when `at` begins a cookie pair: at the start, or after `;` and optional whitespace. */
function isPairStart(source: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (source[i] === ' ' || source[i] === '\t')) i--;
  return i < 0 || source[i] === ';';
}
