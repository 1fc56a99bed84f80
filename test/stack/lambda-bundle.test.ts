/**
 * The authorizer bundled with the stack's settings (`bundleLambda` in `lib/lambda-bundling.ts`: CommonJS,
 * arrow functions lowered, the Lambda-only substitutes, index.js plus its lazy modules) and run as Lambda
 * runs it: a plain `node` process with the function's NODE_OPTIONS that requires the bundle and calls
 * `handler`. It must publish a page view to a real SQS server (fauxqs) with credentials from the
 * environment only, as Lambda provides them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_LAZY_MODULES, LAMBDA_NODE_OPTIONS, bundleLambda, type LambdaBundle } from '../../lib/lambda-bundling';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalSqs, type LocalSqsServer } from '../../local-runtime/sqs-server';
import { parseQueueMessage } from '../../lambdas/contract/page-view-message';
import { SIGNING_KEYS, httpApiEvent } from '../authorizer/authorizer-fixtures';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const RESULT = 'HANDLER-RESULT ';

describe('the authorizer Lambda bundle', () => {
  let dir: string;
  let bundle: LambdaBundle;
  let sqs: LocalSqsServer;
  let queueUrl: string;
  let client: SQSClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vg-bundle-'));
    bundle = await bundleLambda(resolve(repoRoot, 'lambdas/authorizer/handler.ts'), dir, AUTHORIZER_LAZY_MODULES);
    sqs = await startLocalSqs();
    ({ queueUrl } = sqs.createQueues({ name: 'bundle-views', deadLetterName: 'bundle-views-dlq', visibilityTimeoutSeconds: 30, maxReceiveCount: 3 }));
    client = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await sqs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The function's configuration, without credentials. */
  const functionEnv = () => ({
    QUEUE_URL: queueUrl,
    SIGNING_KEYS,
    AWS_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
  });

  /** Runs `handler(event)` from the bundle in a fresh process whose environment is exactly `env`. */
  async function invokeBundle(env: Record<string, string>): Promise<{ context: Record<string, unknown>; output: string }> {
    const script = `require(${JSON.stringify(bundle.main)}).handler(JSON.parse(process.argv[1])).then((r) => console.log(${JSON.stringify(RESULT)} + JSON.stringify(r)));`;
    const event = JSON.stringify(httpApiEvent({ path: '/pricing' }));
    const { stdout, stderr } = await run(process.execPath, [...LAMBDA_NODE_OPTIONS, '-e', script, event], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
    expect(line, stdout).toBeDefined();
    return { ...(JSON.parse((line ?? '').slice(RESULT.length)) as { context: Record<string, unknown> }), output: `${stdout}\n${stderr}` };
  }

  it('is CommonJS without arrow functions or the default credential chain, the AWS SDK in a lazy module', () => {
    const files = [bundle.main, ...Object.values(bundle.lazyFiles)];
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['first-invocation-modules.js', 'index.js', 'jose-functions.js']);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).toMatch(/^"use strict";/);
      expect(code, file).not.toMatch(/[\w)]=>/);
      expect(code, file).not.toContain('defaultProvider::fromSSO');
    }
    const index = readFileSync(bundle.main, 'utf8');
    expect(index).toContain('require("./first-invocation-modules")');
    expect(index).not.toContain('AWS SDK for JavaScript (v3)');
    expect(readFileSync(bundle.lazyFiles['./first-invocation-modules'] ?? '', 'utf8')).toContain('AWS SDK for JavaScript (v3)');
  });

  it('bundles no module twice, except the typed errors the SQS adapter throws', () => {
    // Each file bundles its own copy of what it imports: a module in two files would have two states.
    const owners = new Map<string, string[]>();
    for (const [file, metafile] of Object.entries(bundle.metafiles)) {
      for (const output of Object.values(metafile.outputs)) {
        for (const input of Object.keys(output.inputs)) owners.set(input, [...(owners.get(input) ?? []), file]);
      }
    }
    const shared = [...owners].filter(([, files]) => files.length > 1).map(([input]) => input);
    expect(shared).toEqual(['lambdas/authorizer/errors.ts']);
  });

  it('publishes a page view to a real SQS server with environment credentials', async () => {
    const response = await invokeBundle({
      ...functionEnv(),
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: 'session-token-as-lambda-sets-it',
    });
    expect(response.context.reason).toBe('tracked');
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const parsed = (received.Messages ?? []).map((m) => parseQueueMessage(m.Body ?? ''));
    expect(parsed).toHaveLength(1);
    const [result] = parsed;
    expect(result?.ok && result.message.type === 'page_view' ? result.message.deviceId : undefined).toBe(response.context.deviceId);
  }, 60_000);

  it('without credentials in the environment, still allows and logs the page view for replay', async () => {
    const response = await invokeBundle(functionEnv());
    // The substitute has no other source to fall back on: the send fails, the request is still allowed.
    expect(response.context.reason).toBe('tracked');
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(received.Messages ?? []).toHaveLength(0);
    const record = response.output.split('\n').find((l) => l.includes('visitor-gate.unpublished-message'));
    expect(record, response.output).toBeDefined();
    expect(record).toMatch(/credentials/i);
  }, 60_000);
});
