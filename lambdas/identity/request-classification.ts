import type { ContextReason } from '../contract/gateway-context';
import { isDocumentNavigation, isPrefetch, isStaticFile, type NavigationHeaders } from './navigation';
import { isSkipPath } from './request-path';

/**
 * Decides what a request is, before any identity work, with a reason code for the context and metrics.
 * Order: skip paths (no identity work at all), privacy signals, bots, then what is identified but not
 * counted: untracked paths, methods other than GET (HEAD included), static files, prefetches and
 * requests that are not top-level document navigations (navigation.ts); else a tracked page view. A
 * valid bearer token turns an identified or tracked request into `authenticated` later (it needs async
 * verification). The path rules come before the header rules, so a path's reason is the same from
 * every browser.
 */
export type ReasonCode = Exclude<ContextReason, 'error'>;

export type Classification =
  | { readonly kind: 'skip'; readonly reason: 'skip_path' }
  | { readonly kind: 'refuse'; readonly reason: 'privacy_signal' | 'bot' }
  | { readonly kind: 'identify'; readonly reason: 'untracked_path' | 'not_page_view' | 'static_file' | 'prefetch' | 'not_document' }
  | { readonly kind: 'track'; readonly reason: 'tracked' };

export interface ClassifiableRequest extends NavigationHeaders {
  readonly method: string;
  /** Canonical path (request-path.ts), without the query string. */
  readonly path: string;
  readonly secGpc?: string;
  readonly dnt?: string;
  readonly userAgent?: string;
}

export interface ClassificationSettings {
  /** Skip entries as request-path.ts reads them: under a trailing `/`, else exact. */
  readonly skipPrefixes: readonly string[];
  readonly untrackedPrefixes: readonly string[];
  /** Lower-case extensions without the dot (`js`, `css`): paths ending in one are never page views. */
  readonly staticFileExtensions: ReadonlySet<string>;
  readonly honorPrivacySignals: boolean;
  /** Bot check, injected so this module stays free of UA parsing; called only when needed (skip paths never pay). */
  readonly isBot: (userAgent: string | undefined) => boolean;
}

export const SKIP: Classification = Object.freeze({ kind: 'skip', reason: 'skip_path' });
const PRIVACY: Classification = Object.freeze({ kind: 'refuse', reason: 'privacy_signal' });
const BOT: Classification = Object.freeze({ kind: 'refuse', reason: 'bot' });
const UNTRACKED: Classification = Object.freeze({ kind: 'identify', reason: 'untracked_path' });
const NOT_PAGE_VIEW: Classification = Object.freeze({ kind: 'identify', reason: 'not_page_view' });
const STATIC_FILE: Classification = Object.freeze({ kind: 'identify', reason: 'static_file' });
const PREFETCH: Classification = Object.freeze({ kind: 'identify', reason: 'prefetch' });
const NOT_DOCUMENT: Classification = Object.freeze({ kind: 'identify', reason: 'not_document' });
const TRACK: Classification = Object.freeze({ kind: 'track', reason: 'tracked' });

export function hasPrefix(path: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}

/** Whether the request carries `Sec-GPC: 1` or `DNT: 1`. */
export function hasPrivacySignal(secGpc: string | undefined, dnt: string | undefined): boolean {
  return secGpc?.trim() === '1' || dnt?.trim() === '1';
}

export function classifyRequest(request: ClassifiableRequest, settings: ClassificationSettings): Classification {
  if (isSkipPath(request.path, settings.skipPrefixes)) return SKIP;
  if (settings.honorPrivacySignals && hasPrivacySignal(request.secGpc, request.dnt)) return PRIVACY;
  if (settings.isBot(request.userAgent)) return BOT;
  if (hasPrefix(request.path, settings.untrackedPrefixes)) return UNTRACKED;
  if (request.method !== 'GET') return NOT_PAGE_VIEW;
  if (isStaticFile(request.path, settings.staticFileExtensions)) return STATIC_FILE;
  if (isPrefetch(request)) return PREFETCH;
  if (!isDocumentNavigation(request)) return NOT_DOCUMENT;
  return TRACK;
}
