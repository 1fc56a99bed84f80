/** Pure pieces of the local runtime: batch verdicts, replay-log scanning, settings. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAuthorizerConfig } from '../../lambdas/authorizer/config';
import { applyHandlerEnvironment, LOCAL_SQS_TIMEOUT_MS } from '../../local-runtime/aws-clients';
import { readLocalSettings } from '../../local-runtime/settings';
import { judgeBatchResponse } from '../../local-runtime/sqs-lambda-event';
import { REPLAY_MARKER } from '../../lambdas/contract/replay-record';
import { keepUnpublishedRecords, scanUnpublishedLog } from '../../local-runtime/unpublished-log';
import { SIGNING_KEYS } from '../authorizer/authorizer-fixtures';

describe('judgeBatchResponse (ReportBatchItemFailures)', () => {
  const ids = new Set(['m1', 'm2', 'm3']);
  it('treats no answer, an empty object and an empty list as success', () => {
    expect(judgeBatchResponse(undefined, ids)).toEqual({ outcome: 'all-succeeded' });
    expect(judgeBatchResponse({}, ids)).toEqual({ outcome: 'all-succeeded' });
    expect(judgeBatchResponse({ batchItemFailures: [] }, ids)).toEqual({ outcome: 'all-succeeded' });
  });
  it('fails only the listed records', () => {
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual({
      outcome: 'some-failed',
      failedMessageIds: new Set(['m2']),
    });
  });
  it('fails the whole batch for an identifier that is empty or not in the batch', () => {
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, ids).outcome).toBe('all-failed');
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 'other' }] }, ids).outcome).toBe('all-failed');
    expect(judgeBatchResponse({ batchItemFailures: 'm1' }, ids).outcome).toBe('all-failed');
  });
});

describe('scanUnpublishedLog', () => {
  const message = (id: string) => ({
    type: 'page_view',
    v: 1,
    id,
    deviceId: 'dddddddddddddddddddddd',
    sessionId: 'ssssssssssssssssssssss',
    sessionStarted: true,
    ts: 1_700_000_000_000,
    path: '/',
    device: { browser: 'chrome', os: 'linux', type: 'desktop' },
  });
  const line = (queueMessage: unknown) => JSON.stringify({ level: 'ERROR', replayMarker: REPLAY_MARKER, queueMessage });

  it('finds marked records, skips duplicates within the file and invalid messages', () => {
    const text = [
      line(message('aaaaaaaaaaaaaaaaaaaaaa')),
      `2026-01-01T00:00:00Z\treq\tERROR\t${line(message('bbbbbbbbbbbbbbbbbbbbbb'))}`,
      line(message('aaaaaaaaaaaaaaaaaaaaaa')),
      line({ type: 'page_view', v: 99 }),
      JSON.stringify({ level: 'INFO', message: 'mentions visitor-gate.unpublished-message in text only' }),
      '{ broken json visitor-gate.unpublished-message',
    ].join('\n');
    const scan = scanUnpublishedLog(text);
    expect(scan.found).toBe(4);
    expect(scan.messages.map((found) => found.id)).toEqual(['aaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbb']);
    expect(scan.duplicatesInFile).toBe(1);
    expect(scan.invalid).toBe(1);
  });
});

describe('readLocalSettings', () => {
  it('has the documented defaults and derives the visibility timeout like the stack', () => {
    const settings = readLocalSettings({});
    expect(settings).toMatchObject({ port: 3000, demoOriginPort: 3001, sqsPort: 9324, dynamoDbPort: 8000, batchSize: 100, batchWindowSeconds: 5 });
    expect(settings.visibilityTimeoutSeconds).toBe(6 * 30 + 5);
    expect(settings.maxReceiveCount).toBe(5);
    expect(settings.dataDir).toMatch(/\.local-data$/);
  });
  it('refuses bad values with a clear message', () => {
    expect(() => readLocalSettings({ PORT: 'eighty' })).toThrow(/^PORT must be an integer from 0 to 65535 \(got "eighty"\)$/);
    expect(() => readLocalSettings({ ORIGIN_URL: 'ftp://example.com' })).toThrow(/ORIGIN_URL must be an http\(s\) URL/);
    expect(() => readLocalSettings({ BATCH_SIZE: '50', BATCH_WINDOW_SECONDS: '0' })).toThrow(/BATCH_WINDOW_SECONDS/);
    expect(() => readLocalSettings({ PORT: 'eighty', SQS_PORT: '-1' })).toThrow(/^invalid settings:\n {2}- PORT .*\n {2}- SQS_PORT /);
  });
  it('takes an origin as deployed, without a path (the request path is forwarded as is), over http or https', () => {
    expect(readLocalSettings({ ORIGIN_URL: 'http://localhost:5173/' }).originUrl).toBe('http://localhost:5173');
    expect(readLocalSettings({ ORIGIN_URL: 'https://staging.example.com' }).originUrl).toBe('https://staging.example.com');
    expect(() => readLocalSettings({ ORIGIN_URL: 'http://localhost:5173/app' })).toThrow(/ORIGIN_URL must be an origin without credentials, path, query or fragment/);
  });
  it('refuses a variable whose name is a near miss of one of ours, with a hint', () => {
    expect(() => readLocalSettings({ SESSION_TIMEOUT_SECOND: '60' })).toThrow('SESSION_TIMEOUT_SECOND is not a visitor-gate setting: did you mean SESSION_TIMEOUT_SECONDS?');
    expect(() => readLocalSettings({ batch_size: '5' })).toThrow(/did you mean BATCH_SIZE\?/);
    // Names far from ours are other programs' business.
    expect(readLocalSettings({ HOST: 'x', PATH: '/usr/bin', NODE_OPTIONS: '', SESSION: 'x' }).port).toBe(3000);
  });
});

describe('the handler environment of npm start', () => {
  it('gives the authorizer SQS timeouts sized for one busy process, within what its configuration accepts', () => {
    const env: NodeJS.ProcessEnv = {};
    applyHandlerEnvironment({ queueUrl: 'http://sqs.us-east-1.localhost:9324/000000000000/q', tableName: 't', dynamoDbEndpoint: 'http://127.0.0.1:8000', signingKeys: SIGNING_KEYS }, env);
    const { sqsTimeouts } = loadAuthorizerConfig(env);
    expect(sqsTimeouts).toEqual({ connectMs: LOCAL_SQS_TIMEOUT_MS, requestMs: LOCAL_SQS_TIMEOUT_MS });
    expect(sqsTimeouts.requestMs).toBeGreaterThan(loadAuthorizerConfig({ QUEUE_URL: env.QUEUE_URL, SIGNING_KEYS }).sqsTimeouts.requestMs);
    // A value the user set wins.
    const own: NodeJS.ProcessEnv = { SQS_REQUEST_TIMEOUT_MS: '500' };
    applyHandlerEnvironment({ queueUrl: 'http://127.0.0.1:9324/000000000000/q', tableName: 't', dynamoDbEndpoint: 'http://127.0.0.1:8000', signingKeys: SIGNING_KEYS }, own);
    expect(own.SQS_REQUEST_TIMEOUT_MS).toBe('500');
  });
});

describe('keepUnpublishedRecords', () => {
  it('appends marked lines to the file, also when a record arrives in pieces, and stops when told', () => {
    const dir = mkdtempSync(join(tmpdir(), 'visitor-gate-kept-'));
    const path = join(dir, 'kept.log');
    const written: string[] = [];
    const stream = { write: (chunk: string | Uint8Array) => written.push(String(chunk)) > 0 } as unknown as NodeJS.WriteStream;
    const record = JSON.stringify({ level: 'ERROR', replayMarker: REPLAY_MARKER, queueMessage: { id: 'x' } });
    try {
      const stop = keepUnpublishedRecords(path, [stream]);
      stream.write('front door  GET / -> 200\n');
      stream.write(record.slice(0, 20));
      stream.write(Buffer.from(`${record.slice(20)}\nunrelated\n`));
      stop();
      stream.write(`${record}\n`);
      expect(readFileSync(path, 'utf8')).toBe(`${record}\n`);
      // The output itself is unchanged.
      expect(written.join('')).toBe(`front door  GET / -> 200\n${record}\nunrelated\n${record}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
