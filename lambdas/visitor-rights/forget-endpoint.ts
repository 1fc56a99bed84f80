/**
 * The "forget me" endpoint, `{reservedPrefix}forget` on the front door, as pure decisions: which device
 * the request proves it holds, whether to erase, and the answer. The handler (forget-handler.ts) reads
 * the event, erases, and returns what `forgetAnswer` builds.
 *
 * - `GET` shows a confirmation page whose button POSTs: a link, a prefetch or a crawler never erases.
 * - `POST` erases the device of the (verified) cookie and deletes the cookie. A cross-site POST is refused
 *   (`Sec-Fetch-Site: cross-site`); the cookie is `SameSite=Lax`, so such a POST would not carry it anyway.
 * - `Accept: application/json` gets JSON instead of HTML, for a site's own `fetch`.
 */
import { MAX_COOKIE_VALUES } from '../identity/authorize-visitor';
import { decodeDeviceCookie } from '../identity/cookie-codec';
import type { KeyRing } from '../identity/key-ring';
import { findCookieValues } from '../identity/request-cookies';

/** The endpoint under the reserved prefix. */
export const FORGET_ENDPOINT = 'forget';

export interface ForgetRequest {
  readonly method: string;
  /** Cookie headers and/or HTTP API 2.0's `cookies` entries. */
  readonly cookieSources: readonly string[];
  readonly secFetchSite?: string;
  readonly accept?: string;
}

export type ForgetPlan =
  | { readonly kind: 'confirm' }
  | { readonly kind: 'refuse'; readonly status: 403 | 405; readonly message: string }
  /** Erase `deviceId` (none when the request holds no valid cookie: nothing to erase, the cookie is still deleted). */
  | { readonly kind: 'erase'; readonly deviceId?: string };

export function planForget(request: ForgetRequest, cookieName: string, keyRing: KeyRing, nowSeconds: number): ForgetPlan {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return { kind: 'confirm' };
  if (method !== 'POST') return { kind: 'refuse', status: 405, message: 'Use GET for the confirmation page or POST to erase.' };
  if (request.secFetchSite?.trim().toLowerCase() === 'cross-site') {
    return { kind: 'refuse', status: 403, message: 'Erasure must be asked from this site.' };
  }
  for (const value of findCookieValues(request.cookieSources, cookieName, MAX_COOKIE_VALUES)) {
    // A browser sends no expired cookie; a forged or expired value names no device to erase.
    const decoded = decodeDeviceCookie(value, keyRing, nowSeconds);
    if (decoded.ok) return { kind: 'erase', deviceId: decoded.state.deviceId };
  }
  return { kind: 'erase' };
}

export type ForgetOutcome = 'confirm' | 'erased' | 'nothing_held' | 'refused' | 'failed';

export interface ForgetAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies?: string[];
  readonly body: string;
}

const PAGES: Record<ForgetOutcome, { title: string; text: string }> = {
  confirm: { title: 'Forget this browser', text: 'This erases the visit statistics held about this browser and removes its identifier cookie.' },
  erased: { title: 'Erased', text: 'The visit data held about this browser is erased and its identifier cookie is removed.' },
  nothing_held: { title: 'Nothing held', text: 'This browser has no identifier cookie, so no visit data is linked to it. Any stale cookie is removed.' },
  refused: { title: 'Not erased', text: '' },
  failed: { title: 'Not erased yet', text: 'The erasure could not be completed. Your cookie is kept so you can try again in a moment.' },
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(outcome: ForgetOutcome, text: string, action: string): string {
  const { title } = PAGES[outcome];
  const form = outcome === 'confirm' || outcome === 'failed' ? `<form method="post" action="${escapeHtml(action)}"><button type="submit" id="forget">Forget me</button></form>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head><body><h1>${title}</h1><p id="outcome" data-outcome="${outcome}">${escapeHtml(text)}</p>${form}</body></html>`;
}

/**
 * The response: `deletion` is the device cookie's Set-Cookie deletion (sent once the device is erased
 * or when there was none); `action` is the endpoint's own path, for the confirmation form.
 */
export function forgetAnswer(
  outcome: ForgetOutcome,
  request: Pick<ForgetRequest, 'accept'>,
  deletion: string,
  action: string,
  refusal?: { readonly status: number; readonly message: string },
): ForgetAnswer {
  const statusCode = outcome === 'failed' ? 503 : outcome === 'refused' ? (refusal?.status ?? 403) : 200;
  const text = refusal?.message ?? PAGES[outcome].text;
  const json = request.accept?.toLowerCase().includes('application/json') ?? false;
  return {
    statusCode,
    headers: {
      'content-type': json ? 'application/json' : 'text/html; charset=utf-8',
      // Personal: never cached by a shared cache, and no referrer leaves the page.
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
    ...(outcome === 'erased' || outcome === 'nothing_held' ? { cookies: [deletion] } : {}),
    body: json ? JSON.stringify({ outcome, message: text }) : page(outcome, text, action),
  };
}
