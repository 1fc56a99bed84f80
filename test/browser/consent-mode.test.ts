/**
 * Consent mode in a real browser: headless Chromium on the demo site behind `npm start` with
 * CONSENT_MODE=required. Before consent: no device cookie and nothing stored; after the site's banner
 * sets the consent cookie: the cookie and the views; after a withdrawal: the cookie is deleted on the
 * next request and that request is not counted. Then the visitor asks to be forgotten on the
 * endpoint's own page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localDocumentClient } from '../../local-runtime/aws-clients';
import type { RuntimeInfo } from '../../local-runtime/runtime-file';
import { BROWSER_UA, eventually, newDataDir, removeDataDir, startLocalProcess, testEnv, type LocalProcess } from '../e2e/local-runtime-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DEVICE_COOKIE = '__Host-device_fp';

let local: LocalProcess;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir, { CONSENT_MODE: 'required', CONSENT_COOKIE_NAME: 'site_consent', CONSENT_COOKIE_VALUE: 'granted' }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  const code = await local?.stop();
  removeDataDir(dataDir);
  expect(code).toBe(0);
});

/** What the site's consent banner does: a first-party cookie set from the page. */
const setConsent = (page: Page, value: 'granted' | 'denied') => page.evaluate(`document.cookie = "site_consent=${value}; path=/; SameSite=Lax"`);

it('sets no cookie and counts nothing before consent, both after it, and deletes the cookie after withdrawal', async () => {
  const info = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  const documents = localDocumentClient(info.dynamoDbEndpoint);
  const storedItems = async () => (await documents.send(new ScanCommand({ TableName: info.tableName, ConsistentRead: true }))).Items ?? [];
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();
  const deviceCookies = async () => (await context.cookies()).filter((cookie) => cookie.name === DEVICE_COOKIE);
  try {
    // Before consent: the origin gets no identifier, the browser no cookie, the table nothing.
    await page.goto(`${local.frontDoorUrl}/`);
    expect((await page.textContent('#device-id'))?.trim()).toBe('(none)');
    await Promise.all([page.waitForURL('**/products'), page.click('#nav-products')]);
    expect(await deviceCookies()).toEqual([]);

    // Consent given: the next page gets a device and is counted, and so is the one after.
    await setConsent(page, 'granted');
    await Promise.all([page.waitForURL('**/pricing'), page.click('#nav-pricing')]);
    const deviceId = (await page.textContent('#device-id'))?.trim() ?? '';
    expect(deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(await deviceCookies()).toHaveLength(1);
    await page.goto(`${local.frontDoorUrl}/`);
    const record = await eventually('two views after consent', async () => {
      const stored = await local.device(deviceId);
      return stored && stored.device.pageViews >= 2 ? stored : undefined;
    });
    expect(record.device.pageViews).toBe(2);
    // The two views before consent left no device: the only device partition is this one (statistics
    // items, STATS#..., hold no identifier).
    const devicePartitions = new Set((await storedItems()).map((item) => String(item.pk)).filter((pk) => pk.startsWith('DEVICE#')));
    expect([...devicePartitions]).toEqual([`DEVICE#${deviceId}`]);

    // Withdrawn (the banner sets another value): the next response deletes the device cookie.
    await setConsent(page, 'denied');
    await Promise.all([page.waitForURL('**/products'), page.click('#nav-products')]);
    expect((await page.textContent('#device-id'))?.trim()).toBe('(none)');
    expect(await deviceCookies()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await local.device(deviceId))?.device.pageViews).toBe(2);

    // Consent again, then "forget me" on the endpoint's own page: the cookie and the data go.
    await setConsent(page, 'granted');
    await page.goto(`${local.frontDoorUrl}/`);
    const again = (await page.textContent('#device-id'))?.trim() ?? '';
    expect(await deviceCookies()).toHaveLength(1);
    await page.goto(`${local.frontDoorUrl}/_vg/forget`);
    await Promise.all([page.waitForURL('**/_vg/forget'), page.click('#forget')]);
    expect(await page.getAttribute('#outcome', 'data-outcome')).toBe('erased');
    expect(await deviceCookies()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await local.device(again)).toBeUndefined();
  } finally {
    await context.close();
    documents.destroy();
  }
});
