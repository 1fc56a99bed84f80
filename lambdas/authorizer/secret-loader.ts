/**
 * Reads secrets (the key ring, an HS256 JWT secret) from AWS Secrets Manager once per cold start.
 * The client is imported lazily (`first-invocation-modules.ts`): local runs and tests that pass secrets
 * inline never load it.
 */
import { SecretLoadError } from './errors';

export type SecretReader = (secretArn: string) => Promise<string>;

export function createSecretsManagerReader(): SecretReader {
  let clientPromise: Promise<{ send(arn: string): Promise<string | undefined> }> | undefined;
  const client = () =>
    (clientPromise ??= import('./first-invocation-modules').then(({ SecretsManagerClient, GetSecretValueCommand, NodeHttpHandler }) => {
      const sm = new SecretsManagerClient({
        // Cold start only, so a little more patience than the queue gets; still bounded.
        requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true }),
        maxAttempts: 3,
      });
      return { send: async (arn: string) => (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString };
    }));
  return async (secretArn) => {
    let value: string | undefined;
    try {
      value = await (await client()).send(secretArn);
    } catch (cause) {
      throw new SecretLoadError(`could not read secret ${secretArn} from Secrets Manager: ${(cause as Error).name ?? 'Error'}`, { cause });
    }
    if (value === undefined || value === '') throw new SecretLoadError(`secret ${secretArn} has no SecretString`);
    return value;
  };
}
