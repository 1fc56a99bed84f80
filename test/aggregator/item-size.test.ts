/**
 * The item-size rules the store uses to bill failed conditional writes (DynamoDB returns no capacity
 * for them) agree with the capacity DynamoDB Local reports for successful writes of the same items.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession } from '../../lambdas/aggregation/session-merge';
import { itemSizeBytes, writeUnitsFor } from '../../lambdas/aggregator/item-size';
import { sessionToItem } from '../../lambdas/aggregator/table-items';
import { createLocalTable } from '../../local-runtime/table';
import { opaqueId } from '../../harness/queue-messages';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';

const TABLE = 'item-size';
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.stop());

function sessionWithViews(count: number) {
  const views = Array.from({ length: count }, (_, index) => ({
    id: opaqueId(),
    ts: Date.now() - 3_600_000 + index * 60_000,
    path: `/docs/page-${index}`,
    sessionStarted: index === 0,
    device: { browser: 'chrome', os: 'windows', type: 'desktop' as const },
    ...(index === 0 ? { referrer: { origin: 'https://www.google.com', path: '/' }, utm: { utm_source: 'news' } } : {}),
  }));
  return sessionToItem(newSession(opaqueId(), opaqueId(), views, 30), 'test-token');
}

describe('item size', () => {
  it('bills session items of every size like DynamoDB Local does', async () => {
    const seen = new Set<number>();
    for (const count of [1, 4, 10, 25, 30, 31, 32, 33, 34, 35, 40, 60, 80, 120]) {
      const item = sessionWithViews(count);
      const result = await dynamo.documentClient.send(new PutCommand({ TableName: TABLE, Item: item, ReturnConsumedCapacity: 'TOTAL' }));
      const estimated = writeUnitsFor(itemSizeBytes(marshall(item)));
      seen.add(estimated);
      expect({ count, units: estimated }).toEqual({ count, units: result.ConsumedCapacity?.CapacityUnits });
    }
    // The sizes tried cross the 1 KB and 2 KB boundaries (and more: every view here has its own path).
    expect([...seen]).toEqual(expect.arrayContaining([1, 2, 3]));
  });
});
