/**
 * What counts as a page view, with a real browser: headless Chromium browses the demo site through the
 * local front door of `npm start`, whose pages load scripts outside the skip paths (`/assets/app.js`,
 * `/_next/static/chunks/main.js`), fetch JSON from tracked paths (`/data.json`, `/data`), embed an
 * iframe and prefetch a page. Only the document navigations are counted, the demo's 404 page included
 * (the authorizer answers before the origin does: docs/formats.md#what-counts-as-a-page-view), and
 * every other request gets the reason code the docs give it, read from the front door's access lines.
 */
import { expect, it } from 'vitest';
import { BROWSER_UA, eventually } from '../e2e/local-runtime-process';
import { pipelineWithBrowser } from './headless-chromium';

const run = pipelineWithBrowser();

/** The reasons the authorizer gave for `GET <path>`, from `npm start`'s access lines (`front door  GET /x -> 200 (reason, ...)`). */
function reasonsFor(path: string): string[] {
  const reasons: string[] = [];
  for (const [, linePath, flags] of run.local.output().matchAll(/front door {2}GET (\S+) -> \d+ \(([^)]*)\)/g)) {
    if (linePath === path) reasons.push(flags?.split(', ')[0] ?? '');
  }
  return reasons;
}

it('counts only the document navigations of a visit; scripts, JSON, an iframe and a prefetch are identified, not counted', async () => {
  const context = await run.browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const deviceIdsAtOrigin = new Map<string, string>();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    deviceIdsAtOrigin.set(path, response.headers()['x-demo-received-device-id'] ?? '');
  });

  await page.goto(`${run.local.frontDoorUrl}/`);
  const deviceId = (await page.textContent('#device-id'))?.trim() ?? '';
  expect(deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  // app.js ran and both of its fetches came back; main.js ran; the iframe loaded.
  await Promise.all([page.waitForSelector('#data:not(:empty)'), page.waitForSelector('#live:not(:empty)')]);
  expect(await page.textContent('#data')).toBe('loaded /data.json');
  expect(await page.textContent('#live')).toBe('loaded /data');
  expect(await page.getAttribute('html', 'data-chunk')).toBe('main');
  expect(await page.frameLocator('#widget').locator('p').textContent()).toContain('widget');
  // Chromium prefetches <link rel="prefetch"> once the page is idle.
  await eventually('the prefetch of /about', async () => (reasonsFor('/about').length > 0 ? true : undefined), 15_000);

  await Promise.all([page.waitForURL('**/products'), page.click('#nav-products')]);
  await Promise.all([page.waitForURL('**/pricing'), page.click('#nav-pricing')]);
  const missing = await page.goto(`${run.local.frontDoorUrl}/no-such-page`);
  expect(missing?.status()).toBe(404);
  expect((await page.textContent('#device-id'))?.trim()).toBe(deviceId);

  // Four navigations, 404 included; none of the ~20 other requests.
  const record = await eventually('four page views', async () => {
    const stored = await run.local.device(deviceId);
    return stored && stored.device.pageViews >= 4 ? stored : undefined;
  });
  // Later batches would have arrived by now with the 1-second batching window; look once more.
  await new Promise((resolveWait) => setTimeout(resolveWait, 2_500));
  const settled = (await run.local.device(deviceId)) ?? record;
  expect(settled.device.pageViews).toBe(4);
  expect(settled.sessions).toHaveLength(1);
  expect(settled.sessions[0]).toMatchObject({ pageViews: 4, entryPath: '/', exitPath: '/no-such-page' });

  for (const path of ['/', '/products', '/pricing', '/no-such-page']) expect(reasonsFor(path), path).toEqual(['tracked']);
  // Outside the skip paths: scripts and JSON by their extension, whatever the browser sent.
  for (const path of ['/assets/app.js', '/_next/static/chunks/main.js', '/data.json']) {
    expect(reasonsFor(path).length, path).toBeGreaterThanOrEqual(1);
    expect(new Set(reasonsFor(path)), path).toEqual(new Set(['static_file']));
  }
  // No extension: fetch() and the iframe are not top-level document navigations.
  expect(new Set(reasonsFor('/data'))).toEqual(new Set(['not_document']));
  expect(reasonsFor('/widget')).toEqual(['not_document']);
  expect(reasonsFor('/about')).toEqual(['prefetch']);
  // The skip path never reaches the authorizer.
  expect(run.local.output()).toMatch(/front door {2}GET \/static\/site\.css -> \d+ \(skip route, no authorizer\)/);
  // Identified, not counted: the origin got the visitor's device id with each of them.
  for (const path of ['/assets/app.js', '/data.json', '/data', '/widget']) expect(deviceIdsAtOrigin.get(path), path).toBe(deviceId);
  await context.close();
});

it('counts a prefetched page the visitor then opens: the browser asks again for a page without caching headers', async () => {
  const context = await run.browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const before = reasonsFor('/about').length;
  await page.goto(`${run.local.frontDoorUrl}/`);
  const deviceId = (await page.textContent('#device-id'))?.trim() ?? '';
  await eventually('the prefetch of /about', async () => (reasonsFor('/about').length > before ? true : undefined), 15_000);
  await Promise.all([page.waitForURL('**/about'), page.click('#nav-about')]);
  expect(await page.title()).toContain('About');
  // The demo's pages send no Cache-Control: the navigation is a request of its own, and it is counted.
  expect(reasonsFor('/about').slice(before)).toEqual(['prefetch', 'tracked']);
  const record = await eventually('two page views', async () => {
    const stored = await run.local.device(deviceId);
    return stored && stored.device.pageViews >= 2 ? stored : undefined;
  });
  expect(record.sessions[0]).toMatchObject({ pageViews: 2, entryPath: '/', exitPath: '/about' });
  await context.close();
});
