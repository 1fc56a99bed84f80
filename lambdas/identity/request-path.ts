/**
 * The one path rule of the front door, applied alike by the authorizer, the local front door and (as its
 * route keys) the deployed HTTP API: a path is compared in canonical form, and a skip entry ending in `/`
 * covers every longer path under it (`ANY /static/{proxy+}`: at least one more character) while any other
 * entry is one exact path (`ANY /favicon.ico`, so `/favicon.ico.html` is a page).
 *
 * Canonical form, as a browser or an origin server would read the path: percent escapes of unreserved
 * characters and of `/` decoded (`/%73tatic` is `/static`, `..%2F` is `../`), runs of `/` merged
 * (`//static/x`), and `.`/`..` segments resolved (RFC 3986 5.2.4; never above the root). Other escapes
 * stay as they are, so the result is still a valid request target. Pure and cheap: an already canonical
 * path (nearly every request) is returned after one regular-expression test.
 */
/** `%`, `//`, or a `.`/`..` segment: the only things canonicalisation changes. */
const NOT_CANONICAL = /%|\/\/|\/\.\.?(?:\/|$)/;
/** An escape of an unreserved character (RFC 3986: ALPHA DIGIT - . _ ~) or of `/`. */
const DECODABLE_ESCAPE = /%(2[dDeEfF]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

export function canonicalPath(path: string): string {
  if (path.startsWith('/') && !NOT_CANONICAL.test(path)) return path;
  const decoded = path.includes('%')
    ? path.replace(DECODABLE_ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : path;
  const parts = decoded.split('/');
  const kept: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') kept.pop();
    else kept.push(part);
  }
  const last = parts.at(-1);
  const trailingSlash = kept.length > 0 && parts.length > 1 && (last === '' || last === '.' || last === '..');
  return `/${kept.join('/')}${trailingSlash ? '/' : ''}`;
}

/** Whether the canonical `path` is a skip path: under an entry ending in `/`, or equal to any other entry. */
export function isSkipPath(path: string, entries: readonly string[]): boolean {
  for (const entry of entries) {
    if (entry.endsWith('/') ? path.length > entry.length && path.startsWith(entry) : path === entry) return true;
  }
  return false;
}

/** The HTTP API route path for a skip entry: greedy under a trailing `/`, else the exact path. */
export function skipRoutePath(entry: string): string {
  return entry.endsWith('/') ? `${entry}{proxy+}` : entry;
}
