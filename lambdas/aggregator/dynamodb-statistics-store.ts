/**
 * Writes a batch's statistics delta: one ADD per statistics item the batch changed, at most 100 items
 * per TransactWriteItems. A transaction, not plain updates, because an ADD is not idempotent: the
 * ClientRequestToken makes a retried request (a timeout whose first attempt was applied, a conflict)
 * apply once. Costs 2 write units per item (transactional writes bill double), once per batch, not
 * per view: a batch of the deployed shape carries hundreds of views (bench:aggregator).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DIMENSIONS, parseStatsSortKey, STATS_ATTRIBUTES, STATS_LAYOUT_VERSION, TOTAL_COUNTERS } from '../contract/statistics-layout';
import { itemSizeBytes, writeUnitsFor } from './item-size';
import { TABLE_KEYS } from '../contract/table-layout';
import { statsExpiresAtSeconds } from '../statistics/calendar-day';
import { StatsDelta, type StatsItemDelta } from '../statistics/stats-delta';
import { COOKIELESS_MARKER_PREFIX, COOKIELESS_MARKER_SORT_KEY } from '../contract/table-layout';
import { StatisticsWriteError } from './errors';

/** DynamoDB's limit of actions in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/**
 * Attempts of one transaction (each with the SDK's own retries): others' transactions on the same
 * items (the day's total) cancel it, and a network error may hide an applied one; its token makes every
 * retry safe.
 */
const MAX_ATTEMPTS = 8;

/** Errors no retry can fix. */
const PERMANENT_ERRORS = new Set(['ValidationException', 'IdempotentParameterMismatchException', 'ResourceNotFoundException', 'AccessDeniedException']);

export interface StatisticsStore {
  /** Adds the delta to the statistics items. Throws when it could not (after retries). */
  apply(delta: StatsDelta, signal?: AbortSignal): Promise<void>;
  /**
   * Counts cookieless views once each: every view's id is kept in a marker item (until `keepUntilMs`
   * after its time, the consumer's retention) written in the same transaction as its counts, so a
   * redelivered view is recognised by its marker. Returns the ids already counted and those it could
   * not write (their records can be retried: nothing of them was written).
   */
  countCookieless(views: readonly CookielessView[], timeZone: string, keepForMs: number, signal?: AbortSignal): Promise<{ duplicates: string[]; failed: string[] }>;
}

export interface CookielessView {
  id: string;
  ts: number;
  path: string;
}

/** Views per cookieless transaction: a marker each plus at most two statistics items each, under 100 actions. */
const COOKIELESS_VIEWS_PER_TRANSACTION = 30;

export interface DynamoStatisticsStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionMonths: number;
  /**
   * Receives the write units of every transaction, as DynamoDB bills them: 2 per item per KB of the
   * item's largest size (its key and every counter it can hold). Computed here because DynamoDB Local
   * reports a transaction's ConsumedCapacity as 2 whatever it holds.
   */
  onCapacity?: (writeUnits: number, items: number) => void;
}

/** A transactional write costs twice a plain one. */
const TRANSACTIONAL_WRITE_FACTOR = 2;

/** The size the item can reach: its keys, layout version, TTL and every counter its kind holds. */
function largestItemBytes(item: StatsItemDelta): number {
  const parsed = parseStatsSortKey(item.sk);
  const counters: readonly string[] = parsed?.kind === 'dimension' ? DIMENSIONS[parsed.dimension] : TOTAL_COUNTERS;
  const numbers = [STATS_ATTRIBUTES.layoutVersion, TABLE_KEYS.ttlAttribute, ...counters];
  return itemSizeBytes({
    [TABLE_KEYS.partitionKey]: { S: item.pk },
    [TABLE_KEYS.sortKey]: { S: item.sk },
    ...Object.fromEntries(numbers.map((name) => [name, { N: '-12345678901234567890' }])),
  });
}

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** Math.min(attempt, 5)));

function isRetryable(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return false;
  if (error instanceof TransactionCanceledException) return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
  return !(error instanceof Error && PERMANENT_ERRORS.has(error.name));
}

export function createDynamoStatisticsStore(options: DynamoStatisticsStoreOptions): StatisticsStore {
  const { client, tableName, retentionMonths, onCapacity } = options;

  function update(item: StatsItemDelta) {
    const counters = Object.entries(item.counters);
    const names = Object.fromEntries(counters.map(([counter], index) => [`#c${index}`, counter]));
    const values = Object.fromEntries(counters.map(([, amount], index) => [`:c${index}`, amount]));
    return {
      Update: {
        TableName: tableName,
        Key: { [TABLE_KEYS.partitionKey]: item.pk, [TABLE_KEYS.sortKey]: item.sk },
        UpdateExpression: `SET #v = :v, #ttl = :ttl ADD ${counters.map((_, index) => `#c${index} :c${index}`).join(', ')}`,
        ExpressionAttributeNames: { ...names, '#v': STATS_ATTRIBUTES.layoutVersion, '#ttl': TABLE_KEYS.ttlAttribute },
        ExpressionAttributeValues: { ...values, ':v': STATS_LAYOUT_VERSION, ':ttl': statsExpiresAtSeconds(item.day, retentionMonths) },
      },
    };
  }

  async function transact(items: readonly StatsItemDelta[], signal: AbortSignal | undefined): Promise<void> {
    // One token for every attempt: DynamoDB applies a token's transaction once (within 10 minutes).
    const token = crypto.randomUUID();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await client.send(new TransactWriteCommand({ TransactItems: items.map(update), ClientRequestToken: token }), { abortSignal: signal });
        onCapacity?.(items.reduce((sum, item) => sum + TRANSACTIONAL_WRITE_FACTOR * writeUnitsFor(largestItemBytes(item)), 0), items.length);
        return;
      } catch (error) {
        if (!isRetryable(error, signal) || attempt + 1 >= MAX_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  }

  async function countCookielessChunk(views: CookielessView[], timeZone: string, keepForMs: number, signal: AbortSignal | undefined, duplicates: string[]) {
    let remaining = views;
    for (let attempt = 0; remaining.length > 0; attempt += 1) {
      const delta = new StatsDelta(timeZone);
      for (const view of remaining) delta.addCookielessView(view);
      const markers = remaining.map((view) => ({
        Put: {
          TableName: tableName,
          Item: {
            [TABLE_KEYS.partitionKey]: `${COOKIELESS_MARKER_PREFIX}${view.id}`,
            [TABLE_KEYS.sortKey]: COOKIELESS_MARKER_SORT_KEY,
            [TABLE_KEYS.ttlAttribute]: Math.ceil((view.ts + keepForMs) / 1000),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
        },
      }));
      const items = delta.items();
      try {
        await client.send(new TransactWriteCommand({ TransactItems: [...markers, ...items.map(update)], ClientRequestToken: crypto.randomUUID() }), { abortSignal: signal });
        onCapacity?.(
          TRANSACTIONAL_WRITE_FACTOR * markers.length + items.reduce((sum, item) => sum + TRANSACTIONAL_WRITE_FACTOR * writeUnitsFor(largestItemBytes(item)), 0),
          markers.length + items.length,
        );
        return;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const counted = new Set(remaining.filter((_, index) => reasons[index]?.Code === 'ConditionalCheckFailed').map((view) => view.id));
        if (counted.size > 0) {
          duplicates.push(...counted);
          remaining = remaining.filter((view) => !counted.has(view.id));
          continue;
        }
        if (!isRetryable(error, signal) || attempt + 1 >= MAX_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  }

  return {
    async countCookieless(views, timeZone, keepForMs, signal) {
      const duplicates: string[] = [];
      const failed: string[] = [];
      // The same id twice in one batch: the marker's condition would cancel its own transaction.
      const distinct = [...new Map(views.map((view) => [view.id, view])).values()];
      duplicates.push(...views.slice(distinct.length).map((view) => view.id));
      for (let index = 0; index < distinct.length; index += COOKIELESS_VIEWS_PER_TRANSACTION) {
        const chunk = distinct.slice(index, index + COOKIELESS_VIEWS_PER_TRANSACTION);
        try {
          await countCookielessChunk(chunk, timeZone, keepForMs, signal, duplicates);
        } catch {
          failed.push(...chunk.map((view) => view.id).filter((id) => !duplicates.includes(id)));
        }
      }
      return { duplicates, failed };
    },
    async apply(delta, signal) {
      const items = delta.items();
      const unapplied: StatsItemDelta[] = [];
      let cause: unknown;
      for (let index = 0; index < items.length; index += MAX_TRANSACTION_ITEMS) {
        const chunk = items.slice(index, index + MAX_TRANSACTION_ITEMS);
        try {
          await transact(chunk, signal);
        } catch (error) {
          unapplied.push(...chunk);
          cause = error;
        }
      }
      if (unapplied.length > 0) throw new StatisticsWriteError(unapplied, { cause });
    },
  };
}
