/**
 * What the authorizer hands API Gateway for every request: a flat context that the front door maps to
 * the origin's identity headers (lib/identity-headers.ts) and the access log reads. Shared by the
 * authorizer, both front doors and the demo origin.
 */

/**
 * The value of `deviceId`, `sessionId` and `userId` when there is none (privacy signals, bots, skip paths,
 * the error fallback, anonymous visitors' `userId`). The gateway overwrites the origin's identity headers
 * from these keys, and AWS does not document what a missing or empty mapped value does (skip the
 * overwrite and let a client's own header through, or fail the request), so they are never missing or
 * empty. `-` is what API Gateway's access logs print for "no value"; origins treat it as absent.
 */
export const NO_VALUE = '-';

/** Why a request was or was not counted (request-classification.ts). */
export const REASON_CODES = [
  'tracked',
  'untracked_path',
  'not_page_view',
  'static_file',
  'prefetch',
  'not_document',
  'skip_path',
  'bot',
  'privacy_signal',
  'authenticated',
  'no_consent',
] as const;
/** A reason code, or `error` for the fallback context. */
export type ContextReason = (typeof REASON_CODES)[number] | 'error';

/** Flat: HTTP API simple responses allow only strings, numbers and booleans as context values. */
export type AuthorizerContext = {
  /** 22-character base64url device id, or `NO_VALUE`. */
  readonly deviceId: string;
  /** 22-character base64url id of the live session, or `NO_VALUE`. */
  readonly sessionId: string;
  /** The authenticated user's JWT `sub`, or `NO_VALUE`. */
  readonly userId: string;
  readonly isNewDevice: boolean;
  readonly isNewSession: boolean;
  readonly tracked: boolean;
  readonly reason: ContextReason;
  /** Always a whole Set-Cookie value (a deletion when the visitor gets no cookie). */
  readonly setCookie: string;
};
