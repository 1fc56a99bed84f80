/**
 * The Secrets Manager client, the one command the authorizer uses and the HTTP handler it is given,
 * re-exported statically so that `secret-loader.ts`'s dynamic import of this module keeps only them in
 * the bundle (a dynamic `import('@smithy/node-http-handler')` kept its whole index, whose HTTP/2
 * handler made Node load `node:http2` on the first invocation).
 */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
export { NodeHttpHandler } from '@smithy/node-http-handler';
