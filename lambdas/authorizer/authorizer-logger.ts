/**
 * The authorizer's Powertools logger (structured JSON on stdout). It only logs warnings and errors on
 * the request path; log records never carry cookie values, keys or IP addresses (the handler logs
 * chosen fields, never the event).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export function createAuthorizerLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'visitor-gate' });
}
