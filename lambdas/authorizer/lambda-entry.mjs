// The authorizer's Lambda entry (handler `lambda-entry.handler`), shipped beside the CommonJS bundle.
// An ES module because the Node runtime waits for its top-level await before it asks for the first
// event: the internal extension must be registered by then (see lambda-extension-client.ts).
// `createRequire` keeps index.js CommonJS (no ES-module facades of node:http at load).
import { createRequire } from 'node:module';

const authorizer = createRequire(import.meta.url)('./index.js');
await authorizer.startAfterResponseExtension();
export const handler = authorizer.handler;
