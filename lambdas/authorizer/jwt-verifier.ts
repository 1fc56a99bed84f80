/**
 * Optional bearer-token verification with `jose`, loaded lazily (dynamic import) only when JWT is
 * configured, so anonymous-only deployments never pay its module load. The remote key set is created
 * once and cached for the life of the instance (jose refetches on unknown `kid`, rate-limited).
 * An invalid, expired or unverifiable token is "not authenticated", never an error.
 */
import type { JwtSettings } from './config';

export interface VerifiedUser {
  readonly sub: string;
}

export interface JwtVerifier {
  /** Resolves the token's subject, or undefined when the token does not verify. Never rejects. */
  verify(token: string): Promise<VerifiedUser | undefined>;
}

/** Tokens longer than this are not even parsed. */
const MAX_TOKEN_LENGTH = 8192;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** JWKS fetches happen on the request path: fail fast rather than hold the page. */
export const JWKS_TIMEOUT_MS = 1500;
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** `secret` is the HS* shared secret when the key source is a secret (inline or read from Secrets Manager). */
export function createJwtVerifier(settings: JwtSettings, secret?: string): JwtVerifier {
  type Verify = (token: string) => Promise<{ payload: { sub?: unknown } }>;
  let verifyPromise: Promise<Verify> | undefined;
  const load = () =>
    (verifyPromise ??= import('./jose-functions').then((jose): Verify => {
      const options = {
        issuer: settings.issuer,
        audience: settings.audience === undefined ? undefined : [...settings.audience],
        algorithms: settings.keySource.kind === 'jwks' ? ASYMMETRIC_ALGORITHMS : HMAC_ALGORITHMS,
      };
      if (settings.keySource.kind === 'jwks') {
        const keySet = jose.createRemoteJWKSet(new URL(settings.keySource.url), { timeoutDuration: JWKS_TIMEOUT_MS });
        return (token) => jose.jwtVerify(token, keySet, options);
      }
      const key = new TextEncoder().encode(secret ?? '');
      return (token) => jose.jwtVerify(token, key, options);
    }));
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) return undefined;
      try {
        const { payload } = await (await load())(token);
        return typeof payload.sub === 'string' && payload.sub !== '' ? { sub: payload.sub } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined;
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  return token === '' ? undefined : token;
}
