/**
 * Replaces `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild alias set in
 * `lib/lambda-bundling.ts`). In Lambda the execution role's credentials are always in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the default chain's SSO, INI,
 * process, web-identity and instance-metadata providers (and the STS/SSO clients they bundle, ~135 KB
 * minified) are dead weight that every cold start parses. Tests and local runs use the real chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** Same name and call shape as the default chain's export, which SDK clients call with their config. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider => fromEnv(init);
