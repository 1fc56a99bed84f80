/**
 * The two jose functions the JWT verifier uses. `jwt-verifier.ts` imports this module dynamically:
 * a dynamic `import('jose')` would keep the whole library (JWE, key management...) in the bundle, while
 * this static re-export lets the bundler keep only what verification needs.
 */
export { createRemoteJWKSet, jwtVerify } from 'jose';
