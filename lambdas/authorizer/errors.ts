/**
 * The authorizer's typed errors. Only misconfiguration may fail an invocation (cold start); every
 * other error is mapped to an "allow" response in one place, `handler.ts`.
 */
export class AuthorizerConfigError extends Error {
  override readonly name = 'AuthorizerConfigError';
  constructor(readonly problems: readonly string[], options?: ErrorOptions) {
    super(`Invalid authorizer configuration:\n- ${problems.join('\n- ')}`, options);
  }
}

/** Loading a secret (key ring, JWT secret) failed; the cold start fails and the next invocation retries. */
export class SecretLoadError extends Error {
  override readonly name = 'SecretLoadError';
}

/** Sending a queue message failed after the client's bounded retries. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}
