/**
 * What makes a request a page view, from its path and request headers alone (the origin's response is
 * not known yet): a top-level document navigation that is not a prefetch, to a path that is not a
 * static file. Pure and bounded: every header value is hostile, so each is read only up to a short
 * prefix, compared case-insensitively, and nothing here throws.
 *
 * - Fetch metadata (`Sec-Fetch-Dest`, `Sec-Fetch-Mode`; Chrome 76+, Firefox 90+, Safari 16.4+) decides
 *   when either header is present: a navigation is `document` + `navigate`, nothing else (`iframe`,
 *   `frame`, `embed`, `object` are embedded documents, `empty` is fetch()/XHR, `script`, `style`, ...).
 * - Without fetch metadata, an `Accept` listing `text/html` (not at q=0) is a navigation.
 * - A prefetch or prerender (`Sec-Purpose: prefetch` / `prefetch;prerender`, legacy `Purpose: prefetch`,
 *   Firefox's `X-Moz: prefetch`) may never be shown to the visitor, so it is not counted.
 * - The static-file rule reads the path's last segment only, whatever the headers say, so one URL gets
 *   the same answer from every browser (Safari before 16.4 sends no fetch metadata).
 */

/** The request headers these rules read, as the gateway event carries them (authorizer-event.ts). */
export interface NavigationHeaders {
  readonly accept?: string;
  readonly secFetchDest?: string;
  readonly secFetchMode?: string;
  readonly secPurpose?: string;
  readonly purpose?: string;
  readonly xMoz?: string;
}

/** Longest header prefix read; real values are far shorter (Chrome's navigation `Accept` is about 135 characters). */
const MAX_ACCEPT_CHARS = 1_024;
const MAX_TOKEN_HEADER_CHARS = 64;
/** Longer "extensions" (`/posts/2024.my-long-slug`) are parts of a page's name, not file types. */
export const MAX_EXTENSION_CHARS = 16;

/** A short token header (`Sec-Fetch-Dest: document`) trimmed and lower-cased; undefined when absent or too long to be one. */
function token(value: string | undefined): string | undefined {
  if (value === undefined || value.length > MAX_TOKEN_HEADER_CHARS) return undefined;
  return value.trim().toLowerCase();
}

/**
 * The path's file extension, lower-cased (`/assets/App.JS` -> `js`), or undefined: none in the last
 * segment, a hidden file's name (`/.env`), or longer than MAX_EXTENSION_CHARS.
 */
export function pathExtension(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot === -1 || path.length - dot - 1 > MAX_EXTENSION_CHARS) return undefined;
  const slash = path.lastIndexOf('/');
  if (dot <= slash + 1 || dot === path.length - 1) return undefined;
  return path.slice(dot + 1).toLowerCase();
}

export function isStaticFile(path: string, extensions: ReadonlySet<string>): boolean {
  const extension = pathExtension(path);
  return extension !== undefined && extensions.has(extension);
}

/** `Sec-Purpose` (a structured list: `prefetch`, `prefetch;prerender`), `Purpose: prefetch` or `X-Moz: prefetch`. */
export function isPrefetch(headers: NavigationHeaders): boolean {
  if (token(headers.purpose) === 'prefetch' || token(headers.xMoz) === 'prefetch') return true;
  const purpose = token(headers.secPurpose);
  if (purpose === undefined) return false;
  for (const item of purpose.split(/[,;]/)) if (item.trim() === 'prefetch') return true;
  return false;
}

/** Whether an `Accept` value lists `text/html` with a quality above 0 (RFC 9110 12.5.1). */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.slice(0, MAX_ACCEPT_CHARS).toLowerCase().split(',');
  for (const range of ranges) {
    const [type, ...parameters] = range.split(';');
    if (type?.trim() !== 'text/html') continue;
    const quality = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    // q=0, 0.0, 0.00, 0.000: "not acceptable".
    if (quality === undefined || !/^q=0(?:\.0{0,3})?$/.test(quality)) return true;
  }
  return false;
}

/** A top-level document navigation, by fetch metadata when the browser sent any, else by `Accept`. */
export function isDocumentNavigation(headers: NavigationHeaders): boolean {
  if (headers.secFetchDest !== undefined || headers.secFetchMode !== undefined) {
    return token(headers.secFetchDest) === 'document' && token(headers.secFetchMode) === 'navigate';
  }
  return acceptsHtml(headers.accept);
}
