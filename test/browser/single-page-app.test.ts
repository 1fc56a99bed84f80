/**
 * The beacon script in a real browser: headless Chromium loads the demo's single-page section through
 * the local front door (one document load, counted by the front door) and navigates five times without
 * loading a document (pushState three times, back, replaceState to a new path) plus once with only a
 * query change (not a view). The stored session holds exactly six views, entry and exit as walked. With
 * GPC on, the script sends nothing and the browser gets no cookie.
 */
import type { Page } from 'playwright-core';
import { pipelineWithBrowser } from './headless-chromium';
import { expect, it } from 'vitest';
import { BROWSER_UA, eventually } from '../e2e/local-runtime-process';

const fixture = pipelineWithBrowser();

/** Beacon requests the page makes, and document loads. */
function watch(page: Page): { beacons: string[]; documents: string[] } {
  const seen = { beacons: [] as string[], documents: [] as string[] };
  page.on('request', (request) => {
    if (request.url().includes('/_vg/view')) seen.beacons.push(request.postData() ?? '');
    if (request.resourceType() === 'document') seen.documents.push(new URL(request.url()).pathname);
  });
  return seen;
}

async function walk(page: Page): Promise<void> {
  const route = () => page.textContent('#spa-route');
  await page.click('#spa-one');
  await expect.poll(route).toBe('/spa/one');
  await page.click('#spa-two');
  await expect.poll(route).toBe('/spa/two');
  await page.click('#spa-three');
  await expect.poll(route).toBe('/spa/three');
  await page.goBack();
  await expect.poll(route).toBe('/spa/two');
  await page.click('#spa-replace');
  await expect.poll(route).toBe('/spa/four');
  await page.click('#spa-filter');
  await expect.poll(route).toBe('/spa/four?tab=2');
}

it('counts one document load and five client-side navigations as six views of one session', async () => {
  const context = await fixture.browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const seen = watch(page);

  await page.goto(`${fixture.local.frontDoorUrl}/spa`);
  const deviceId = (await page.textContent('#device-id'))?.trim() ?? '';
  expect(deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  await walk(page);

  expect(seen.documents).toEqual(['/spa']);
  await expect.poll(() => seen.beacons.length).toBe(5);
  await eventually('six page views', async () => {
    const stored = await fixture.local.device(deviceId);
    return stored && stored.device.pageViews >= 6 ? stored : undefined;
  });
  // Anything sent twice would have arrived by now (the queue's batching window is 1 s locally).
  await new Promise((resolveWait) => setTimeout(resolveWait, 2_500));
  const settled = await fixture.local.device(deviceId);
  expect(settled?.device.pageViews).toBe(6);
  expect(settled?.sessions).toHaveLength(1);
  expect(settled?.sessions[0]).toMatchObject({ pageViews: 6, entryPath: '/spa', exitPath: '/spa/four' });
  // The daily statistics count the beacon's views like any other.
  const stats = await fixture.local.statsAroundToday();
  expect(stats.totals).toMatchObject({ pageViews: 6, sessions: 1, visitors: 1 });
  expect(stats.entryPages).toEqual([{ value: '/spa', sessions: 1 }]);
  expect(stats.exitPages).toEqual([{ value: '/spa/four', sessions: 1 }]);
  expect(stats.pages.reduce((sum, page) => sum + page.views, 0)).toBe(6);
  await context.close();
});

it('sends nothing and sets no cookie with GPC on', async () => {
  const context = await fixture.browser.newContext({ userAgent: BROWSER_UA, extraHTTPHeaders: { 'Sec-GPC': '1' } });
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const page = await context.newPage();
  const seen = watch(page);
  const before = fixture.local.output().split('\n').filter((line) => line.includes('(tracked')).length;

  await page.goto(`${fixture.local.frontDoorUrl}/spa`);
  expect(await page.evaluate(() => typeof (globalThis as unknown as { visitorGate?: unknown }).visitorGate)).toBe('object');
  await walk(page);
  await page.evaluate(() => (globalThis as unknown as { visitorGate: { view(): void } }).visitorGate.view());
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));

  expect(seen.beacons).toEqual([]);
  expect((await page.textContent('#device-id'))?.trim()).toBe('(none)');
  expect(await context.cookies()).toEqual([]);
  expect(fixture.local.output().split('\n').filter((line) => line.includes('(tracked')).length).toBe(before);
  await context.close();
});
