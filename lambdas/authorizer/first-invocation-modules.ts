/**
 * Everything the authorizer loads on its first invocation and not at module load: the SQS adapter, the
 * Secrets Manager client and Powertools (logger and metrics). Handler and secret loader import this one module
 * dynamically. In the Lambda bundle it is its own file beside `index.js` (`AUTHORIZER_LAZY_MODULES` in
 * lib/lambda-bundling.ts), so V8 does not pre-parse the AWS SDK at module load; the first invocation,
 * which runs that code anyway, compiles it once.
 *
 * The SDK pieces are re-exported statically so the bundler keeps only them: a dynamic
 * `import('@smithy/node-http-handler')` kept its whole index, whose HTTP/2 handler made Node load
 * `node:http2` on the first invocation.
 */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
export { NodeHttpHandler } from '@smithy/node-http-handler';
export { createLogger, createMetrics, publishCounts } from '../observability/powertools';
export { SqsPageViewPublisher, sharedSqsClient, sqsBodySender } from './sqs-page-view-publisher';
