/**
 * Optional JWT: HS256 with a shared secret, and RS256/ES256 through a real JWKS endpoint served over
 * HTTP by this test (jose fetches it with createRemoteJWKSet, as in the cloud).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_VALUE } from '../../lambdas/contract/gateway-context';
import { createJwtVerifier, bearerToken } from '../../lambdas/authorizer/jwt-verifier';
import { NOW_MILLIS, captureOutput, cookiePair, createTestHandler, httpApiEvent, testConfig } from './authorizer-fixtures';

const SECRET = 'a-shared-jwt-secret-of-32-characters-or-more';
const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'web';
type Context = Record<string, unknown>;
const contextOf = (response: unknown) => (response as { context: Context }).context;

async function hsToken(claims: { sub?: string; iss?: string; aud?: string; exp?: number }, secret = SECRET): Promise<string> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(nowSeconds).setIssuer(claims.iss ?? ISSUER).setAudience(claims.aud ?? AUDIENCE);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  jwt.setExpirationTime(claims.exp ?? nowSeconds + 600);
  return jwt.sign(new TextEncoder().encode(secret));
}

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

describe('bearerToken', () => {
  it('reads Bearer tokens case-insensitively and ignores other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('authenticated requests (HS256 shared secret)', () => {
  const config = testConfig({ JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
  const setup = () => {
    const verifier = config.jwt === undefined ? undefined : createJwtVerifier(config.jwt, SECRET);
    return createTestHandler({ config, jwtVerifier: verifier, clock: () => NOW_MILLIS });
  };

  it('marks a valid token authenticated, passes sub on and does not track', async () => {
    const { authorize, deps } = setup();
    const token = await hsToken({ sub: 'user-42' });
    const context = contextOf(await authorize(httpApiEvent({ headers: { authorization: `Bearer ${token}` } })));
    expect(context).toMatchObject({ reason: 'authenticated', userId: 'user-42', tracked: false, isNewDevice: true });
    expect(deps.publisher.messages).toEqual([]);
  });

  it('links a returning device to the user with one identify message, not on every request', async () => {
    const { authorize, deps } = setup();
    const anonymous = contextOf(await authorize(httpApiEvent()));
    const token = await hsToken({ sub: 'user-42' });
    const auth = { authorization: `Bearer ${token}` };
    const first = contextOf(await authorize(httpApiEvent({ headers: auth, cookies: [cookiePair(anonymous.setCookie)] })));
    const second = contextOf(await authorize(httpApiEvent({ headers: auth, cookies: [cookiePair(first.setCookie)] })));
    expect(first).toMatchObject({ deviceId: anonymous.deviceId, userId: 'user-42' });
    expect(second).toMatchObject({ deviceId: anonymous.deviceId, userId: 'user-42' });
    const identifies = deps.publisher.messages.filter((m) => m.type === 'identify');
    expect(identifies).toEqual([{ type: 'identify', v: 1, id: expect.any(String), deviceId: anonymous.deviceId, userId: 'user-42', ts: NOW_MILLIS }]);
  });

  it.each([
    ['a wrong secret', () => hsToken({ sub: 'u' }, 'another-secret-another-secret-another-secret')],
    ['an expired token', () => hsToken({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a wrong issuer', () => hsToken({ sub: 'u', iss: 'https://evil.example.com/' })],
    ['a wrong audience', () => hsToken({ sub: 'u', aud: 'other' })],
    ['no subject', () => hsToken({})],
    ['a subject of exactly "-" (what origins read as no user)', () => hsToken({ sub: NO_VALUE })],
    ['garbage', async () => 'not.a.jwt'],
    ['an alg=none token', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`],
  ])('treats %s as anonymous, never as an error', async (_label, makeToken) => {
    const { authorize, deps } = setup();
    const context = contextOf(await authorize(httpApiEvent({ headers: { authorization: `Bearer ${await makeToken()}` } })));
    expect(context).toMatchObject({ reason: 'tracked', tracked: true, userId: NO_VALUE });
    expect(deps.publisher.messages).toHaveLength(1);
  });

  it('does not verify tokens of bots and privacy-signal requests (no identifier at all)', async () => {
    const { authorize } = setup();
    const token = await hsToken({ sub: 'user-42' });
    const context = contextOf(await authorize(httpApiEvent({ headers: { authorization: `Bearer ${token}`, 'sec-gpc': '1' } })));
    expect(context).toMatchObject({ reason: 'privacy_signal', deviceId: NO_VALUE, sessionId: NO_VALUE, userId: NO_VALUE });
  });
});

describe('authenticated requests (RS256 and ES256 through a remote JWKS)', () => {
  let server: Server;
  let jwksUrl: string;
  let jwksRequests = 0;
  const keys: Record<'RS256' | 'ES256', CryptoKey> = {} as Record<'RS256' | 'ES256', CryptoKey>;

  beforeAll(async () => {
    const rs = await generateKeyPair('RS256');
    const es = await generateKeyPair('ES256');
    keys.RS256 = rs.privateKey;
    keys.ES256 = es.privateKey;
    const jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
      ],
    });
    server = createServer((_req, res) => {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['RS256', 'ES256'] as const)('verifies %s tokens and fetches the key set once', async (alg) => {
    const config = testConfig({ JWT_JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    const verifier = config.jwt === undefined ? undefined : createJwtVerifier(config.jwt);
    const { authorize } = createTestHandler({ config, jwtVerifier: verifier });
    const before = jwksRequests;
    for (const sub of ['a', 'b', 'c']) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rs' : 'es' })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(keys[alg]);
      expect(contextOf(await authorize(httpApiEvent({ headers: { authorization: `Bearer ${token}` } })))).toMatchObject({
        reason: 'authenticated',
        userId: sub,
      });
    }
    expect(jwksRequests - before).toBe(1);
  });

  it('rejects an HS256 token signed with a public-key-looking secret when a JWKS is configured', async () => {
    const config = testConfig({ JWT_JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER });
    const verifier = config.jwt === undefined ? undefined : createJwtVerifier(config.jwt);
    const { authorize } = createTestHandler({ config, jwtVerifier: verifier });
    const token = await hsToken({ sub: 'x' });
    expect(contextOf(await authorize(httpApiEvent({ headers: { authorization: `Bearer ${token}` } }))).reason).toBe('tracked');
  });
});
