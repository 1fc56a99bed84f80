/**
 * The "forget me" function behind `GET|POST {reservedPrefix}forget` (HTTP API, Lambda proxy, payload
 * 2.0): verifies the device cookie with the signing key ring, erases the device (device-rights.ts) and
 * deletes the cookie. A function of its own, so the authorizer stays database-free: this one alone may
 * read the key ring and erase items of the table (lib/tracked-function.ts, `bindTableEraser`).
 *
 * Settings, read at cold start with the authorizer's and consumer's names: COOKIE_NAME, COOKIE_DOMAIN,
 * SIGNING_KEYS_SECRET_ARN (or SIGNING_KEYS), TABLE_NAME, RETENTION_DAYS.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDynamoClient, documentClientOf } from '../aggregator/dynamodb-client';
import { FUNCTION_SETTINGS as S, envText, readEnv, type Env } from '../contract/function-settings';
import { cookieSettingsProblems, createSetCookieBuilder, defaultCookieName } from '../identity/cookie-attributes';
import { parseKeyRing, type KeyRing } from '../identity/key-ring';
import { forgetDevice, type RightsTable } from './device-rights';
import { forgetAnswer, planForget, type ForgetRequest } from './forget-endpoint';

export interface ForgetConfig {
  readonly cookieName: string;
  readonly cookieDomain?: string;
  readonly tableName: string;
  readonly retentionDays: number;
  readonly keyRing: { readonly inline: string } | { readonly secretArn: string };
}

export class ForgetConfigError extends Error {
  override name = 'ForgetConfigError';
}

/** Throws ForgetConfigError listing every problem (never a secret). */
export function loadForgetConfig(env: Env): ForgetConfig {
  const problems: string[] = [];
  const cookieDomain = readEnv(S.cookieDomain, env, problems, 'authorizer');
  const cookieName = readEnv(S.cookieName, env, problems, 'authorizer') ?? defaultCookieName(cookieDomain);
  problems.push(...cookieSettingsProblems({ name: cookieName, domain: cookieDomain }, { name: S.cookieName.env, domain: S.cookieDomain.env }));
  const tableName = readEnv(S.tableName, env, problems, 'consumer');
  const retentionDays = readEnv(S.retentionDays, env, problems, 'consumer');
  const secretArn = envText(S.signingKeysSecretArn, env);
  const inline = envText(S.signingKeys, env);
  if ((secretArn === undefined) === (inline === undefined)) problems.push(`set exactly one of ${S.signingKeysSecretArn.env} and ${S.signingKeys.env}`);
  if (problems.length > 0 || tableName === undefined) throw new ForgetConfigError(`Invalid forget-endpoint configuration:\n- ${problems.join('\n- ')}`);
  return { cookieName, cookieDomain, tableName, retentionDays, keyRing: secretArn !== undefined ? { secretArn } : { inline: inline ?? '' } };
}

export interface ForgetDeps {
  readonly config: ForgetConfig;
  readonly keyRing: KeyRing;
  readonly table: Omit<RightsTable, 'now'>;
  readonly now?: () => number;
  /** One line per request, no identifier (the erased device id is not logged either). */
  readonly log?: (fields: Record<string, unknown>) => void;
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const value = event.headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function createForgetHandler(deps: ForgetDeps) {
  const cookies = createSetCookieBuilder({ name: deps.config.cookieName, domain: deps.config.cookieDomain });
  const now = deps.now ?? Date.now;
  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const request: ForgetRequest = {
      method: event.requestContext?.http?.method ?? 'GET',
      cookieSources: [...(Array.isArray(event.cookies) ? event.cookies.filter((c) => typeof c === 'string') : []), header(event, 'cookie') ?? ''],
      ...(header(event, 'sec-fetch-site') === undefined ? {} : { secFetchSite: header(event, 'sec-fetch-site') }),
      ...(header(event, 'accept') === undefined ? {} : { accept: header(event, 'accept') }),
    };
    const action = typeof event.rawPath === 'string' && event.rawPath.startsWith('/') ? event.rawPath : '/';
    const plan = planForget(request, deps.config.cookieName, deps.keyRing, Math.floor(now() / 1000));
    if (plan.kind === 'confirm') return forgetAnswer('confirm', request, cookies.deletion, action);
    if (plan.kind === 'refuse') {
      deps.log?.({ outcome: 'refused', status: plan.status });
      return forgetAnswer('refused', request, cookies.deletion, action, plan);
    }
    if (plan.deviceId === undefined) return forgetAnswer('nothing_held', request, cookies.deletion, action);
    try {
      const result = await forgetDevice(plan.deviceId, { ...deps.table, now: now() });
      deps.log?.({ outcome: 'erased', deletedItems: result.deletedItems });
      return forgetAnswer('erased', request, cookies.deletion, action);
    } catch (error) {
      deps.log?.({ outcome: 'failed', error: error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : 'unknown' });
      return forgetAnswer('failed', request, cookies.deletion, action);
    }
  };
}

// ---- Default wiring from the environment (the deployed function and `npm start`) ----

async function loadKeyRing(config: ForgetConfig): Promise<KeyRing> {
  if ('inline' in config.keyRing) return parseKeyRing(config.keyRing.inline);
  const client = new SecretsManagerClient({ maxAttempts: 3 });
  try {
    const secret = await client.send(new GetSecretValueCommand({ SecretId: config.keyRing.secretArn }));
    return parseKeyRing(secret.SecretString ?? '');
  } finally {
    client.destroy();
  }
}

let ready: Promise<ReturnType<typeof createForgetHandler>> | undefined;

async function defaultHandler(env: Env) {
  const config = loadForgetConfig(env);
  const keyRing = await loadKeyRing(config);
  // The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself (`npm start` points it at DynamoDB Local).
  const client = documentClientOf(createDynamoClient());
  return createForgetHandler({
    config,
    keyRing,
    table: { client, tableName: config.tableName, retentionDays: config.retentionDays },
    log: (fields) => process.stdout.write(`${JSON.stringify({ level: fields.outcome === 'failed' ? 'ERROR' : 'INFO', message: 'forget', ...fields })}\n`),
  });
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  ready ??= defaultHandler(process.env).catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return (await ready)(event);
}
