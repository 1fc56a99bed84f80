/**
 * The Secrets Manager client and the one command the authorizer uses, re-exported statically so that
 * `secret-loader.ts`'s dynamic import of this module keeps only them in the bundle.
 */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
