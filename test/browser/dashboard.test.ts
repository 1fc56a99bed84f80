/**
 * The dashboard in a real Chromium against a year of statistics in DynamoDB Local: every figure the
 * page shows (totals, every day, the top rows of every table beside a chart) equals getStats for the
 * same range, for the opening range and after choosing another one in the range picker. The test saves
 * a screenshot, test-results/dashboard.png, for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStats, type StatsRange, type StatsReport } from '../../lambdas/read-api/stats-reader';
import { addDays, calendarDay, daysBetween } from '../../lambdas/statistics/calendar-day';
import { startDashboard, type Dashboard } from '../../dashboard/server';
import { DASHBOARD_ROWS, DEFAULT_DASHBOARD_DAYS, SESSION_PANELS, TOTAL_FIGURES, formatCount, formatDuration, formatRate } from '../../dashboard/page/contract';
import { startDynamo, type LocalDynamo } from '../../harness/local-aws';
import { seededRandom } from '../../harness/seeded-random';
import { putStatsDays, randomStatsDay } from '../../harness/stats-items';
import { createLocalTable } from '../../local-runtime/table';
import { REPOSITORY_ROOT } from '../docs/markdown-links';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(REPOSITORY_ROOT, 'test-results', 'dashboard.png');
const TABLE = 'dashboard-test';
const TIME_ZONE = 'UTC';

let dynamo: LocalDynamo;
let dashboard: Dashboard;
let browser: Browser;
const today = calendarDay(Date.now(), TIME_ZONE);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  dynamo = await startDynamo();
  await createLocalTable(dynamo.client, TABLE);
  // A year of days, a few of them empty.
  const random = seededRandom(13);
  const days = daysBetween(addDays(today, -364), today).filter(() => random() > 0.03);
  const items = await putStatsDays(dynamo.documentClient, TABLE, days.map((day) => randomStatsDay(random, day)));
  process.stdout.write(`dashboard test: ${days.length} days, ${items} statistics items seeded\n`);
  dashboard = await startDashboard({ client: dynamo.documentClient, tableName: TABLE, source: 'test', timeZone: TIME_ZONE, port: 0, consistentRead: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await dynamo?.stop();
});

const expected = (range: StatsRange) => getStats(range, { client: dynamo.documentClient, tableName: TABLE, top: DASHBOARD_ROWS, consistentRead: true });

async function waitLoaded(page: Page, range: StatsRange): Promise<void> {
  await page.waitForSelector(`main[data-loaded="true"][data-from="${range.from}"][data-to="${range.to}"]`);
}

/** Rows of a figure table: the label and each numeric cell's raw value and text. */
async function tableRows(page: Page, figure: string) {
  return page.$$eval(`table[data-figure="${figure}"] tbody tr[data-value]`, (rows) =>
    rows.map((row) => ({
      value: row.getAttribute('data-value'),
      cells: Object.fromEntries([...row.querySelectorAll('td[data-field]')].map((cell) => [cell.getAttribute('data-field'), { raw: cell.getAttribute('data-raw'), text: cell.textContent }])),
    })),
  );
}

const rawOf = (value: number | null) => (value === null ? '' : String(value));

async function expectPageShows(page: Page, stats: StatsReport): Promise<void> {
  for (const { key } of TOTAL_FIGURES) {
    const shown = await page.$eval(`[data-total="${key}"]`, (node) => ({ raw: node.getAttribute('data-raw'), text: node.textContent }));
    const value = stats.totals[key];
    const text = key === 'bounceRate' ? formatRate(stats.totals.bounceRate) : key === 'avgSessionDurationMs' ? formatDuration(stats.totals.avgSessionDurationMs) : formatCount(stats.totals[key]);
    expect(shown, key).toEqual({ raw: rawOf(value), text });
  }
  const days = await tableRows(page, 'days');
  expect(days.map((row) => row.value)).toEqual([...stats.days].reverse().map((day) => day.day));
  for (const day of stats.days) {
    const row = days.find((candidate) => candidate.value === day.day);
    expect(row?.cells, day.day).toEqual({
      visitors: { raw: String(day.visitors), text: formatCount(day.visitors) },
      newVisitors: { raw: String(day.newVisitors), text: formatCount(day.newVisitors) },
      sessions: { raw: String(day.sessions), text: formatCount(day.sessions) },
      pageViews: { raw: String(day.pageViews), text: formatCount(day.pageViews) },
      bounceRate: { raw: rawOf(day.bounceRate), text: formatRate(day.bounceRate) },
      avgSessionDurationMs: { raw: rawOf(day.avgSessionDurationMs), text: formatDuration(day.avgSessionDurationMs) },
    });
  }
  expect(await tableRows(page, 'pages')).toEqual(
    stats.pages.map((row) => ({ value: row.path, cells: { views: { raw: String(row.views), text: formatCount(row.views) }, visits: { raw: String(row.visits), text: formatCount(row.visits) } } })),
  );
  for (const { key } of SESSION_PANELS) {
    expect(stats[key].length, key).toBeGreaterThan(0);
    expect(await tableRows(page, key), key).toEqual(stats[key].map((row) => ({ value: row.value, cells: { sessions: { raw: String(row.sessions), text: formatCount(row.sessions) } } })));
  }
  // One chart per panel, drawn.
  const canvases = await page.$$eval('section.panel canvas', (nodes) => nodes.map((node) => (node as unknown as { width: number }).width));
  expect(canvases).toHaveLength(3 + 1 + SESSION_PANELS.length);
  expect(canvases.every((width) => width > 0)).toBe(true);
}

it('shows exactly what getStats returns, for the opening range and a year chosen in the range picker', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));

  await page.goto(dashboard.url);
  const opening = { from: addDays(today, 1 - DEFAULT_DASHBOARD_DAYS), to: today };
  await waitLoaded(page, opening);
  await expectPageShows(page, await expected(opening));

  await page.click('button[data-days="365"]');
  const year = { from: addDays(today, -364), to: today };
  await waitLoaded(page, year);
  const yearStats = await expected(year);
  await expectPageShows(page, yearStats);
  expect(yearStats.totals.sessions).toBeGreaterThan(10_000);

  // A range typed in the picker, across a month boundary.
  const typed = { from: addDays(today, -40), to: addDays(today, -20) };
  await page.fill('#from', typed.from);
  await page.fill('#to', typed.to);
  await page.click('button[type=submit]');
  await waitLoaded(page, typed);
  await expectPageShows(page, await expected(typed));

  expect(errors).toEqual([]);
  // A bad range is refused with its reason (the browser logs the 400), and nothing breaks.
  await page.fill('#from', typed.to);
  await page.fill('#to', typed.from);
  await page.click('button[type=submit]');
  await page.waitForSelector('#status.error');
  expect(await page.textContent('#status')).toContain('is after');

  await page.click('button[data-days="90"]');
  await waitLoaded(page, { from: addDays(today, -89), to: today });
  mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  process.stdout.write(`dashboard screenshot: ${SCREENSHOT}\n`);

  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  // Everything the page loaded came from the dashboard itself (no CDN).
  expect(requests.every((url) => url.startsWith(dashboard.url))).toBe(true);

  // The year's JSON, as the page gets it (one getStats call: 13 Queries); timed for the report, not asserted.
  const started = performance.now();
  const response = await fetch(`${dashboard.url}api/stats?from=${year.from}&to=${year.to}`);
  const body = await response.text();
  process.stdout.write(`dashboard: a year of statistics as JSON in ${(performance.now() - started).toFixed(0)} ms (${body.length} bytes)\n`);
  expect(response.status).toBe(200);
  await page.close();
});

it('answers only on 127.0.0.1 to its own host names, GET only', async () => {
  expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const port = new URL(dashboard.url).port;
  const { request } = await import('node:http');
  const status = (host: string, method = 'GET') =>
    new Promise<number>((resolveStatus, reject) => {
      const call = request({ host: '127.0.0.1', port, path: '/api/config', method, headers: { host } }, (response) => {
        response.resume();
        resolveStatus(response.statusCode ?? 0);
      });
      call.once('error', reject);
      call.end();
    });
  expect(await status(`127.0.0.1:${port}`)).toBe(200);
  expect(await status(`localhost:${port}`)).toBe(200);
  expect(await status(`attacker.example:${port}`)).toBe(403);
  expect(await status(`127.0.0.1:${port}`, 'POST')).toBe(405);
  const bad = await fetch(`${dashboard.url}api/stats?from=2024-13-01&to=${today}`);
  expect(bad.status).toBe(400);
});
