/**
 * Erasure end to end, as a visitor asks for it: `npm start`, a visitor browses, one more view is in
 * flight (held, then queued behind a 10-second batching window) when the visitor POSTs the forget
 * endpoint; that view is consumed after the erasure, and still the device is gone, the cookie deleted,
 * and nothing outside the device's partition (statistics) changed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devicePartition } from '../../lambdas/aggregator/table-items';
import { localDocumentClient, localSqsClient } from '../../local-runtime/aws-clients';
import type { RuntimeInfo } from '../../local-runtime/runtime-file';
import { cookiePair, eventually, newDataDir, removeDataDir, runCommand, startLocalProcess, testEnv, visit, type LocalProcess } from './local-runtime-process';

let local: LocalProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir, { BATCH_WINDOW_SECONDS: '10' }));
});

afterAll(async () => {
  const code = await local?.stop();
  removeDataDir(dataDir);
  expect(code).toBe(0);
});

const consumerBatches = () => [...local.output().matchAll(/consumer {4}batch of (\d+): (\d+) done, (\d+) failed/g)];

it('erases a visitor who asks, and a view queued before the erasure does not bring the device back', async () => {
  const info = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  const documents = localDocumentClient(info.dynamoDbEndpoint);
  const sqs = localSqsClient(info.sqsEndpoint);
  try {
    const scan = async () => ((await documents.send(new ScanCommand({ TableName: info.tableName, ConsistentRead: true }))).Items ?? []);
    // A statistics item, as the consumer writes them: no identifier, its own partition.
    await documents.send(new PutCommand({ TableName: info.tableName, Item: { pk: 'STATS#day', sk: 'TOTAL', pageViews: 41 } }));

    const first = await visit(local.frontDoorUrl, '/');
    const cookie = cookiePair(first.setCookies) ?? '';
    const deviceId = first.receivedDeviceId;
    expect(cookie).not.toBe('');
    await visit(local.frontDoorUrl, '/products', { cookie });
    await eventually('two views stored', async () => ((await local.device(deviceId))?.device.pageViews === 2 ? true : undefined));
    // The records are visible before their batch ends (and is logged): wait until the queue holds
    // nothing, neither waiting nor in a batch, before counting batches.
    await eventually('the queue empty', async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: info.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0' ? true : undefined;
    });
    const others = async () => (await scan()).filter((item) => item.pk !== devicePartition(deviceId));
    const before = await others();
    expect(before).toContainEqual({ pk: 'STATS#day', sk: 'TOTAL', pageViews: 41 });
    const batchesBefore = consumerBatches().length;

    // One more view, then at once the erasure: the view waits in the queue for the batching window.
    const inFlight = await visit(local.frontDoorUrl, '/pricing', { cookie });
    expect(inFlight.receivedDeviceId).toBe(deviceId);
    const confirm = await visit(local.frontDoorUrl, '/_vg/forget', { cookie });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('<form method="post" action="/_vg/forget">');
    expect(confirm.setCookies).toEqual([]);
    const forgotten = await visit(local.frontDoorUrl, '/_vg/forget', { cookie, method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
    expect(forgotten.status).toBe(200);
    expect(forgotten.body).toContain('data-outcome="erased"');
    expect(forgotten.setCookies).toEqual([expect.stringMatching(/^__Host-device_fp=; Max-Age=0; Path=\//)]);
    expect(consumerBatches().length, 'the view was consumed before the erasure').toBe(batchesBefore);

    // The queued view is consumed after the erasure, without failing (no retry, no dead letter).
    const batch = await eventually('the queued view consumed', async () => consumerBatches()[batchesBefore]);
    expect(batch.slice(1)).toEqual(['1', '1', '0']);
    expect(await local.device(deviceId)).toBeUndefined();
    const partition = (await scan()).filter((item) => item.pk === devicePartition(deviceId));
    expect(partition.map((item) => item.sk)).toEqual(['DEVICE']);
    expect(partition[0]).toHaveProperty('erasedAt');
    expect(await others()).toEqual(before);

    // The browser keeps no cookie: the next visit is a new device.
    const after = await visit(local.frontDoorUrl, '/');
    expect(after.receivedDeviceId).not.toBe(deviceId);

    // A cross-site POST erases nothing.
    const crossSite = await visit(local.frontDoorUrl, '/_vg/forget', { cookie: cookiePair(after.setCookies) ?? '', method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.setCookies).toEqual([]);

    // The export of an erased device holds only its tombstone.
    const exported = await runCommand('bin/visitor-rights.ts', ['export', deviceId], local.env);
    expect(exported.code).toBe(0);
    const held = JSON.parse(exported.stdout) as { devices: Array<{ record: unknown; items: Array<Record<string, unknown>> }> };
    expect(held.devices[0]?.record).toBeNull();
    expect(held.devices[0]?.items.map((item) => item.sk)).toEqual(['DEVICE']);
  } finally {
    documents.destroy();
    sqs.destroy();
  }
});
