/**
 * Replaces `@smithy/core/event-streams` in the Lambda bundles only (an esbuild alias set in
 * `lib/lambda-bundling.ts`). The SDK's protocol base class imports it dynamically, which keeps the whole
 * event-stream codec (~15 KB minified) in a bundle even though no operation these functions call (SQS
 * SendMessage, Secrets Manager GetSecretValue, DynamoDB item writes) streams events. If one ever does,
 * it fails loudly here instead of silently misbehaving.
 */
const MESSAGE = 'event streams are not bundled into this function (see lib/lambda-bundling.ts)';

export class EventStreamSerde {
  constructor() {
    throw new Error(MESSAGE);
  }
}

export function eventStreamSerdeProvider(): never {
  throw new Error(MESSAGE);
}
