/**
 * `npm run seed-demo`: plausible synthetic traffic, written through the real consumer into the local
 * table; what it reports is what the table holds, and a second run the same day changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStats } from '../../lambdas/read-api/stats-reader';
import { addDays, calendarDay } from '../../lambdas/statistics/calendar-day';
import { DAY_MS } from '../../lambdas/aggregation/retention';
import { listRecentDevices } from '../../lambdas/read-api/device-reader';
import { DEMO_DAYS, demoDays, demoEvents, demoTraffic } from '../../local-runtime/demo-traffic';
import { createLocalTable } from '../../local-runtime/table';
import { parseQueueBody } from '../../lambdas/contract/page-view-message';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { newDataDir, removeDataDir, runCommand } from './local-runtime-process';

describe('demoTraffic', () => {
  const now = Date.now();
  const traffic = demoTraffic({ now });
  const sessions = new Map<string, typeof traffic.views>();
  for (const view of traffic.views) sessions.set(view.sessionId, [...(sessions.get(view.sessionId) ?? []), view]);

  it('spans the last three weeks up to now, in time order, the same for the same day', () => {
    expect(traffic.views.length).toBeGreaterThan(3_000);
    expect(Math.min(...traffic.views.map((view) => view.ts))).toBeGreaterThan(now - DEMO_DAYS * DAY_MS);
    expect(Math.max(...traffic.views.map((view) => view.ts))).toBeLessThan(now);
    expect(traffic.views.every((view, index) => index === 0 || (traffic.views[index - 1]?.ts ?? 0) <= view.ts)).toBe(true);
    expect(demoTraffic({ now: now + 1 }).views.slice(0, 50)).toEqual(traffic.views.slice(0, 50));
  });

  it('has sessions that open with an entry view, bounces, returning visitors, referrers and campaigns', () => {
    expect(sessions.size).toBe(traffic.sessions);
    const list = [...sessions.values()];
    expect(list.every((views) => views[0]?.sessionStarted === true && views.slice(1).every((view) => !view.sessionStarted))).toBe(true);
    expect(list.every((views) => views.every((view, index) => index === 0 || view.ts - (views[index - 1]?.ts ?? 0) < 30 * 60_000))).toBe(true);
    const bounceShare = list.filter((views) => views.length === 1).length / list.length;
    expect(bounceShare).toBeGreaterThan(0.3);
    expect(bounceShare).toBeLessThan(0.55);
    expect(traffic.devices).toBeLessThan(traffic.sessions * 0.85);
    const entries = list.map((views) => views[0]);
    expect(new Set(entries.map((view) => view?.referrer?.origin)).size).toBeGreaterThan(4);
    expect(new Set(entries.map((view) => view?.utm?.utm_campaign).filter(Boolean)).size).toBe(3);
    expect(new Set(traffic.views.map((view) => view.path)).size).toBeGreaterThan(8);
    expect(new Set(traffic.views.map((view) => `${view.device.browser}/${view.device.os}`)).size).toBeGreaterThan(5);
  });

  it('becomes valid queue bodies, and stays inside RETENTION_DAYS', () => {
    const events = demoEvents(traffic.views);
    const views = events.flatMap((event) => event.Records).flatMap((record) => {
      const parsed = parseQueueBody(record.body);
      return parsed.ok ? parsed.messages : [];
    });
    expect(views).toEqual(traffic.views);
    expect(events.every((event) => event.Records.length <= 100)).toBe(true);
    expect(demoDays({ RETENTION_DAYS: '7' })).toBe(6);
    expect(demoDays({})).toBe(DEMO_DAYS);
  });
});

describe('npm run seed-demo', () => {
  const TABLE = 'seed-demo-test';
  let dynamo: LocalDynamo;
  let dataDir: string;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await createLocalTable(dynamo.client, TABLE);
    dataDir = newDataDir();
  });
  afterAll(async () => {
    await dynamo?.stop();
    removeDataDir(dataDir);
  });

  it('writes what it reports through the consumer, and a second run the same day adds nothing', async () => {
    const env = { DATA_DIR: dataDir, DYNAMODB_PORT: String(dynamo.server.port), TABLE_NAME: TABLE, POWERTOOLS_LOG_LEVEL: 'WARN' };
    const stored = async () => {
      const devices = await listRecentDevices({ client: dynamo.documentClient, tableName: TABLE, limit: 100_000, consistentRead: true });
      return {
        devices: devices.length,
        sessions: devices.reduce((sum, record) => sum + record.device.sessionCount, 0),
        views: devices.reduce((sum, record) => sum + record.device.pageViews, 0),
      };
    };
    // The daily statistics the consumer wrote say the same (days in UTC, the default time zone).
    const today = calendarDay(Date.now(), 'UTC');
    const statistics = async () => {
      const report = await getStats({ from: addDays(today, -DEMO_DAYS - 1), to: addDays(today, 1) }, { client: dynamo.documentClient, tableName: TABLE, consistentRead: true });
      return { views: report.totals.pageViews, sessions: report.totals.sessions };
    };
    const first = await runCommand('bin/seed-demo.ts', [], env);
    expect(first.code, first.stderr).toBe(0);
    const match = /seed-demo: (\d+) page views, (\d+) sessions, (\d+) devices over 21 days/.exec(first.stdout);
    expect(match, first.stdout).not.toBeNull();
    const reported = { views: Number(match?.[1]), sessions: Number(match?.[2]), devices: Number(match?.[3]) };
    expect(await stored()).toEqual(reported);
    expect(await statistics()).toEqual({ views: reported.views, sessions: reported.sessions });

    const second = await runCommand('bin/seed-demo.ts', [], env);
    expect(second.code, second.stderr).toBe(0);
    expect(await stored()).toEqual(reported);
    expect(await statistics()).toEqual({ views: reported.views, sessions: reported.sessions });
  }, 300_000);
});
