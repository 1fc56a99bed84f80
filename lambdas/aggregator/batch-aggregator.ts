/**
 * One SQS batch in, the ids of the records to retry out. Validates every record, plans the writes
 * (grouped by device and session), runs each group through the store, and maps every failure to
 * exactly the records of its group: an invalid message fails alone, a failed device write fails that
 * device's records, a failed session write fails that session's records. Nothing here talks to AWS.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { planBatch, type DeviceGroup, type PlannedRecord } from '../aggregation/batch-plan';
import { deviceDeltaFor } from '../aggregation/device-merge';
import { DAY_MS, timestampVerdict } from '../aggregation/retention';
import { parseQueueBody, type CookielessViewMessage, type QueueMessage } from '../contract/page-view-message';
import { StatsDelta } from '../statistics/stats-delta';
import type { StatisticsStore } from './dynamodb-statistics-store';
import { DeviceErasedError, StatisticsWriteError } from './errors';
import type { SessionStore, WriteObserver } from './session-store';
import { emptyCounts, type AggregatorCounts } from './telemetry';

export interface IncomingRecord {
  recordId: string;
  body: string;
}

export interface BatchOutcome {
  failedRecordIds: string[];
  counts: AggregatorCounts;
}

export interface BatchAggregatorDeps {
  store: SessionStore;
  logger: Logger;
  /** Device groups written at once; each needs at most a few sequential requests. */
  concurrency?: number;
  /** The consumer's clock (epoch ms), for the timestamp window; defaults to Date.now. */
  now?: () => number;
  /** Daily statistics, updated from the writes each batch made; none when absent. */
  statistics?: { store: StatisticsStore; timeZone: string };
}

export { forEachLimited } from '../aggregation/concurrency';
import { forEachLimited } from '../aggregation/concurrency';

function errorFields(error: unknown) {
  return error instanceof Error
    ? {
        errorName: error.name,
        errorMessage: error.message,
        ...(error.cause instanceof Error ? { causeName: error.cause.name, causeMessage: error.cause.message.slice(0, 300) } : {}),
      }
    : { errorName: 'unknown', errorMessage: String(error) };
}

/**
 * `signal` aborts the batch (the Lambda deadline): writes in flight fail, groups not started yet are
 * reported failed without a request.
 */
export async function aggregateBatch(
  records: readonly IncomingRecord[],
  deps: BatchAggregatorDeps,
  signal?: AbortSignal,
  statisticsSignal?: AbortSignal,
): Promise<BatchOutcome> {
  const counts = emptyCounts();
  const delta = deps.statistics ? new StatsDelta(deps.statistics.timeZone) : undefined;
  const observer: WriteObserver | undefined = delta && {
    sessionWritten: (before, after) => delta.addSessionWrite(before, after),
    deviceWritten: (transition) => delta.addVisitorWrite(transition),
  };
  const failed = new Set<string>();
  const valid: Array<{ recordId: string; message: QueueMessage }> = [];

  for (const record of records) {
    const parsed = parseQueueBody(record.body);
    if (parsed.ok) {
      // A record of several messages fails if any of them fails; its redelivery is deduplicated by view id.
      for (const message of parsed.messages) valid.push({ recordId: record.recordId, message });
      continue;
    }
    // Reported failed, so after the queue's maxReceiveCount it rests in the dead-letter queue.
    counts.InvalidMessages += 1;
    failed.add(record.recordId);
    deps.logger.warn('invalid queue message', {
      messageId: record.recordId,
      reason: parsed.reason,
      detail: parsed.detail.slice(0, 1000),
      bodyLength: record.body.length,
    });
  }

  // A message is trusted no further than its id: a timestamp outside the window would write an item
  // already expired, or move a session's activity and expiry into the future. Rejected like an invalid
  // message: reported failed, so after maxReceiveCount it rests in the dead-letter queue.
  const nowMs = (deps.now ?? Date.now)();
  const inWindow = valid.filter(({ recordId, message }) => {
    const verdict = timestampVerdict(message.ts, nowMs, deps.store.retentionDays);
    if (verdict === 'ok') return true;
    counts.RejectedMessages += 1;
    failed.add(recordId);
    deps.logger.warn('queue message rejected: timestamp out of range', { messageId: recordId, reason: verdict, ts: message.ts, now: nowMs });
    return false;
  });
  const deviceRecords: PlannedRecord[] = [];
  const cookieless: { recordId: string; view: CookielessViewMessage }[] = [];
  for (const { recordId, message } of inWindow) {
    // No identifier (consent mode without consent): statistics' page views only; see docs/privacy.md.
    if (message.type === 'cookieless_view') cookieless.push({ recordId, view: message });
    else deviceRecords.push({ recordId, message });
  }
  const recordsOfView = new Map<string, string[]>();
  for (const { recordId, message } of deviceRecords) {
    const ids = recordsOfView.get(message.id) ?? [];
    if (!ids.includes(recordId)) ids.push(recordId);
    recordsOfView.set(message.id, ids);
  }

  const plan = planBatch(deviceRecords);
  counts.DuplicatePageViews += plan.duplicatesInBatch;

  const writeDeviceGroup = async (group: DeviceGroup) => {
    if (signal?.aborted) {
      const ids = [...group.identifyRecordIds, ...group.sessions.flatMap((session) => session.recordIds)];
      for (const id of ids) failed.add(id);
      deps.logger.error('batch deadline reached; the device group was not written and will be retried', { deviceId: group.deviceId, records: ids.length });
      return;
    }
    const deviceDelta = deviceDeltaFor(group);
    if (deviceDelta) {
      try {
        // Before the sessions: if it fails, the session-start records are retried and redo it.
        await deps.store.writeDevice(deviceDelta, signal, observer);
      } catch (error) {
        if (error instanceof DeviceErasedError) {
          // Queued before the erasure: dropped and counted, never retried (it must not reach the DLQ).
          counts.ErasedDeviceMessages += (group.identify ? 1 : 0) + group.sessions.reduce((sum, session) => sum + session.views.length, 0);
          return;
        }
        const ids = [...group.identifyRecordIds, ...group.sessions.flatMap((session) => session.recordIds)];
        for (const id of ids) failed.add(id);
        deps.logger.error('device write failed; its records will be retried', { deviceId: group.deviceId, records: ids.length, ...errorFields(error) });
        return;
      }
    }
    await Promise.all(
      group.sessions.map(async (session) => {
        try {
          const outcome = await deps.store.writeSession(session, signal, observer);
          counts.AggregatedPageViews += outcome.added;
          counts.DuplicatePageViews += outcome.duplicates;
          for (const view of outcome.rejected) {
            const ids = recordsOfView.get(view.id) ?? [];
            counts.RejectedMessages += ids.length;
            for (const id of ids) failed.add(id);
          }
          if (outcome.rejected.length > 0) {
            deps.logger.warn('views rejected: the session is past its last part', { deviceId: session.deviceId, sessionId: session.sessionId, views: outcome.rejected.length });
          }
          if (outcome.coverage) await deps.store.writeDevice(outcome.coverage, signal, observer);
        } catch (error) {
          if (error instanceof DeviceErasedError) {
            counts.ErasedDeviceMessages += session.views.length;
            return;
          }
          for (const id of session.recordIds) failed.add(id);
          deps.logger.error('session write failed; its records will be retried', {
            deviceId: session.deviceId,
            sessionId: session.sessionId,
            records: session.recordIds.length,
            ...errorFields(error),
          });
        }
      }),
    );
  };

  await forEachLimited(plan.devices, deps.concurrency ?? 16, writeDeviceGroup);
  if (cookieless.length > 0) {
    if (deps.statistics) {
      const result = await deps.statistics.store.countCookieless(
        cookieless.map(({ view }) => view),
        deps.statistics.timeZone,
        deps.store.retentionDays * DAY_MS,
        statisticsSignal,
      );
      const failedIds = new Set(result.failed);
      // Nothing of a failed view was written (marker and counts are one transaction): its record is retried.
      for (const { recordId, view } of cookieless) if (failedIds.has(view.id)) failed.add(recordId);
      counts.CookielessPageViews += cookieless.length - result.duplicates.length - result.failed.length;
      counts.DuplicatePageViews += result.duplicates.length;
      if (failedIds.size > 0) deps.logger.error('cookieless views not counted; their records will be retried', { views: failedIds.size });
    } else {
      counts.CookielessPageViews += cookieless.length;
    }
  }
  if (deps.statistics && delta && !delta.isEmpty) {
    try {
      await deps.statistics.store.apply(delta, statisticsSignal);
    } catch (error) {
      // The sessions are counted: failing their records would not bring the statistics back (a retry
      // finds every view counted). Logged in full (anonymous counts) so an operator can add them.
      const unapplied = error instanceof StatisticsWriteError ? error.unapplied : delta.items();
      counts.StatisticsWriteFailures += unapplied.length;
      deps.logger.error('statistics update failed; these counts are missing from the daily statistics', { unapplied, ...errorFields(error) });
    }
  }
  counts.FailedRecords = failed.size;
  // Keep the event's order, which is what SQS and the logs show.
  const failedRecordIds = records.map((record) => record.recordId).filter((id) => failed.has(id));
  return { failedRecordIds, counts };
}
