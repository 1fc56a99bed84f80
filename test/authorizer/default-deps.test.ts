/** The default wiring: config, secrets read once through the injected reader, JWT from a secret ARN. */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, createDefaultDeps } from '../../lambdas/authorizer/handler';
import { SIGNING_KEYS, captureOutput, httpApiEvent } from './authorizer-fixtures';

const KEYS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:visitor-gate-keys-AbCdEf';
const JWT_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:visitor-gate-jwt-AbCdEf';
const JWT_SECRET = 'a-shared-jwt-secret-of-32-characters-or-more';
const BASE_ENV = { QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', AWS_REGION: 'eu-west-1' };

function reader(values: Record<string, string>) {
  const calls: string[] = [];
  return {
    calls,
    read: async (arn: string) => {
      calls.push(arn);
      const value = values[arn];
      if (value === undefined) throw new Error(`no secret ${arn}`);
      return value;
    },
  };
}

describe('createDefaultDeps', () => {
  it('reads the key ring and the JWT secret from Secrets Manager ARNs, once each', async () => {
    const secrets = reader({ [KEYS_ARN]: SIGNING_KEYS, [JWT_ARN]: JWT_SECRET });
    const deps = await createDefaultDeps({ ...BASE_ENV, SIGNING_KEYS_SECRET_ARN: KEYS_ARN, JWT_SECRET_ARN: JWT_ARN, JWT_ISSUER: 'iss' }, secrets.read);
    expect(secrets.calls).toEqual([KEYS_ARN, JWT_ARN]);
    expect(deps.keyRing.currentKeyId).toBe('k1');
    expect(deps.jwtVerifier).toBeDefined();
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setIssuer('iss').setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));
    const output = captureOutput();
    try {
      const response = await createAuthorizerHandler(deps)(httpApiEvent({ path: '/api/me', headers: { authorization: `Bearer ${token}` } }));
      expect(response).toMatchObject({ context: { reason: 'authenticated', userId: 'u-1' } });
    } finally {
      output.restore();
    }
  });

  it('writes no metric lines when POWERTOOLS_METRICS_DISABLED=true, and writes them otherwise', async () => {
    const emfLines = async (env: Record<string, string>) => {
      const deps = await createDefaultDeps({ ...BASE_ENV, SIGNING_KEYS, ...env });
      const output = captureOutput();
      try {
        await createAuthorizerHandler({ ...deps, publisher: { publish: async () => undefined } })(httpApiEvent({ path: '/api/me' }));
        return output.lines().filter((line) => line.includes('"_aws"'));
      } finally {
        output.restore();
      }
    };
    expect(await emfLines({ POWERTOOLS_METRICS_DISABLED: 'true' })).toEqual([]);
    // The first invocation of an environment is written at once: its counters, then its skip reason.
    expect(await emfLines({ POWERTOOLS_METRICS_DISABLED: 'false' })).toEqual([
      expect.stringContaining('"NewDevices":1'),
      expect.stringContaining('"reason":"untracked_path","SkippedRequests":1'),
    ]);
  });

  it('fails with a clear message, naming the secret but not its value, when the secret holds no valid key ring', async () => {
    const secrets = reader({ [KEYS_ARN]: '{"current":"k1","k1":"short-secret"}' });
    const error = await createDefaultDeps({ ...BASE_ENV, SIGNING_KEYS_SECRET_ARN: KEYS_ARN }, secrets.read).catch((e: unknown) => e);
    expect(String(error)).toMatch(/Invalid signing key ring in the SIGNING_KEYS_SECRET_ARN secret: key "k1" must be a string of at least 32 characters/);
    expect(String(error)).not.toContain('short-secret');
  });

  it('fails when the secret cannot be read', async () => {
    const secrets = reader({});
    await expect(createDefaultDeps({ ...BASE_ENV, SIGNING_KEYS_SECRET_ARN: KEYS_ARN }, secrets.read)).rejects.toThrow(/no secret/);
  });
});

describe('createSecretsManagerReader', () => {
  it('loads the Secrets Manager client lazily and reports an unreachable service as SecretLoadError', async () => {
    const { createSecretsManagerReader } = await import('../../lambdas/authorizer/secret-loader');
    const { freePort } = await import('../../local-runtime/free-port');
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${await freePort()}`;
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    try {
      const error = await createSecretsManagerReader()(KEYS_ARN).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'SecretLoadError' });
      expect(String(error)).toContain(KEYS_ARN);
    } finally {
      process.env = saved;
    }
  });
});
