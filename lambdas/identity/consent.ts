/**
 * Consent mode (`consentMode: required`), as one pure decision the use case (authorize-visitor.ts) asks
 * before any identity work: does this request carry the site's consent cookie with the consent value?
 * The site's consent banner sets that cookie; visitor-gate only reads it. Without consent the visitor
 * gets no cookie, no identifier and no page view (a device cookie set before is deleted: that is how a
 * withdrawal takes effect on the next request), and optionally a cookieless view for the statistics.
 */
import { findCookieValues } from './request-cookies';

export interface ConsentSettings {
  readonly mode: 'off' | 'required';
  readonly cookieName: string;
  readonly cookieValue: string;
  /** Count views without consent in the statistics only (a `cookieless_view`, no identifier). */
  readonly countWithoutConsent: boolean;
}

export const CONSENT_OFF: ConsentSettings = Object.freeze({ mode: 'off', cookieName: 'vg_consent', cookieValue: 'yes', countWithoutConsent: false });

/** Values of the consent cookie read per request (a browser sends one; duplicates come from paths/domains). */
const MAX_CONSENT_VALUES = 4;

/** True when the request may be identified: consent mode is off, or a consent cookie holds the consent value. */
export function hasConsent(cookieSources: readonly string[], settings: ConsentSettings): boolean {
  if (settings.mode === 'off') return true;
  return findCookieValues(cookieSources, settings.cookieName, MAX_CONSENT_VALUES).includes(settings.cookieValue);
}
