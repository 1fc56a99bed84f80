/**
 * The headers both front doors manage: the identity headers the origin receives, set from the
 * authorizer's context, every other spelling of them that a client could send, and the responses that
 * carry the authorizer's Set-Cookie. One home for both front doors: this file imports nothing, so the
 * local runtime (which must not load aws-cdk-lib) and the stack share it.
 *
 * CGI and WSGI servers expose a header as `HTTP_` + its name upper-cased with `-` turned into `_`, so
 * `x_device_id` and `X-Device_Id` reach such an origin as the same `HTTP_X_DEVICE_ID` as ours (Puma's
 * CVE-2024-45614 is this clobbering). Letter case needs no variants: header names are case-insensitive.
 */
export const IDENTITY_HEADERS = {
  'x-device-id': 'deviceId',
  'x-session-id': 'sessionId',
  'x-user-id': 'userId',
} as const;

export type IdentityHeader = keyof typeof IDENTITY_HEADERS;

/** The spellings of `header` with any of its `-` written as `_`, other than `header` itself. */
export function confusableSpellings(header: string): string[] {
  let spellings = [''];
  for (const char of header) {
    spellings = char === '-' ? spellings.flatMap((s) => [`${s}-`, `${s}_`]) : spellings.map((s) => s + char);
  }
  return spellings.filter((spelling) => spelling !== header);
}

/** Every name a client may not send the origin: our headers and their confusable spellings, lower-case. */
export const FORBIDDEN_CLIENT_HEADERS: readonly string[] = Object.keys(IDENTITY_HEADERS).flatMap((header) => [
  header,
  ...confusableSpellings(header),
]);

/** Whether an origin that folds `_` into `-` would read `name` as one of our identity headers. */
export function isIdentityHeaderSpelling(name: string): boolean {
  return Object.hasOwn(IDENTITY_HEADERS, name.toLowerCase().replaceAll('_', '-'));
}

/**
 * Status codes whose responses get the authorizer's Set-Cookie. HTTP API response mappings are keyed
 * by exact status code (200-599, no ranges or wildcards), so every code the origin commonly returns is
 * listed; a response with any other code simply carries no cookie (the visitor gets it next time).
 */
export const SET_COOKIE_STATUS_CODES = [
  200, 201, 202, 203, 204, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409,
  410, 412, 413, 415, 422, 429, 500, 501, 502, 503, 504,
] as const;
