/**
 * Set-Cookie values for the device cookie: HttpOnly, Secure, SameSite=Lax, Path=/, optional Domain,
 * and a Max-Age. The settings are validated once (at cold start) so the hot path only concatenates.
 */
/** Browsers cap cookie lifetime at 400 days (RFC 6265bis); we refuse longer rather than pretend. */
export const MAX_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;
const HOST_PREFIX = '__Host-';
const SECURE_PREFIX = '__Secure-';
const DEFAULT_COOKIE_STEM = 'device_fp';

/**
 * The default name: `__Host-device_fp` for a host-only cookie, `__Secure-device_fp` with a Domain.
 * Against cookie tossing: browsers store a `__Host-` cookie only when this very host set it with Secure,
 * Path=/ and no Domain, so a sibling subdomain, a longer Path or a plain-http page cannot plant or shadow
 * one, and a browser holds at most one. `__Secure-` only keeps plain-http pages from setting it (the
 * subdomains a Domain cookie is shared with are trusted by that choice).
 */
export function defaultCookieName(domain: string | undefined): string {
  return `${domain === undefined ? HOST_PREFIX : SECURE_PREFIX}${DEFAULT_COOKIE_STEM}`;
}

/** RFC 6265 cookie-name: an RFC 7230 token. */
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
/** A host name, optionally with a leading dot. */
const COOKIE_DOMAIN_PATTERN = /^\.?(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface CookieAttributeSettings {
  readonly name: string;
  readonly domain?: string;
}

/**
 * Returns the problems with the settings (empty when valid), for the config loader to report together;
 * `names` are the settings' names as that loader's user knows them (CDK keys or environment variables).
 */
export function cookieSettingsProblems(settings: CookieAttributeSettings, names: { readonly name: string; readonly domain: string }): string[] {
  const problems: string[] = [];
  if (!COOKIE_NAME_PATTERN.test(settings.name)) {
    problems.push(`${names.name} ${JSON.stringify(settings.name)} is not a valid cookie name (RFC 6265 token, at most 64 characters)`);
  }
  if (settings.domain !== undefined) {
    if (settings.name.startsWith(HOST_PREFIX)) {
      problems.push(`${names.name} starts with "${HOST_PREFIX}", which browsers only accept without a Domain: unset ${names.domain}`);
    }
    if (!COOKIE_DOMAIN_PATTERN.test(settings.domain)) {
      problems.push(`${names.domain} ${JSON.stringify(settings.domain)} is not a valid host name`);
    }
  }
  return problems;
}

export interface SetCookieBuilder {
  /** Sets the device cookie for `maxAgeSeconds`. */
  set(value: string, maxAgeSeconds: number): string;
  /** Deletes the device cookie (Max-Age=0), for visitors who must not keep one (bots, GPC, DNT). */
  readonly deletion: string;
  /**
   * A Set-Cookie that changes nothing (deletes a cookie that never exists), for requests that do no
   * identity work: the gateway maps `setCookie` unconditionally and an empty value would fail the mapping.
   */
  readonly noChange: string;
}

export function createSetCookieBuilder(settings: CookieAttributeSettings): SetCookieBuilder {
  const domain = settings.domain === undefined ? '' : `; Domain=${settings.domain}`;
  const attributes = `; Path=/${domain}; HttpOnly; Secure; SameSite=Lax`;
  return {
    set: (value, maxAgeSeconds) => `${settings.name}=${value}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${attributes}`,
    deletion: `${settings.name}=; Max-Age=0${attributes}`,
    noChange: `${settings.name}_unchanged=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
  };
}
