/** What the identity use case reads from a request, whichever gateway event carried it (authorizer-event.ts). */
import type { Utm } from '../contract/page-view-message';
import type { NavigationHeaders } from './navigation';

/** The navigation headers (`Accept`, fetch metadata, prefetch markers) are optional: absent when not sent. */
export interface RequestFacts extends NavigationHeaders {
  readonly method: string;
  /** Canonical (request-path.ts): what skip rules are applied to and page views record. */
  readonly path: string;
  readonly utm: Utm | undefined;
  readonly userAgent: string | undefined;
  readonly secGpc: string | undefined;
  readonly dnt: string | undefined;
  readonly authorization: string | undefined;
  readonly referer: string | undefined;
  /** Whole Cookie headers and/or HTTP API 2.0 `cookies` elements, in request order. */
  readonly cookieSources: readonly string[];
  readonly requestId: string | undefined;
}
