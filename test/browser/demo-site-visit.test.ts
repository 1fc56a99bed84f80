/**
 * A real browser visit: headless Chromium clicks through three pages of the demo site behind the local
 * front door, keeps the device cookie between pages on its own (Secure cookies are accepted on
 * http://localhost), and the stored session shows exactly those three page views.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  BROWSER_UA,
  eventually,
  newDataDir,
  removeDataDir,
  startLocalProcess,
  testEnv,
  type LocalProcess,
} from '../e2e/local-runtime-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let local: LocalProcess;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  dataDir = newDataDir();
  local = await startLocalProcess(testEnv(dataDir));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  const code = await local?.stop();
  removeDataDir(dataDir);
  expect(code).toBe(0);
});

it('tracks a three-page visit made by clicking links, with the cookie kept by the browser', async () => {
  // Headless Chromium says "HeadlessChrome" in its user agent, which the authorizer rightly treats as a
  // bot; a visitor's browser says "Chrome".
  const context = await browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();

  await page.goto(`${local.frontDoorUrl}/`);
  expect(await page.title()).toContain('Home');
  const deviceId = (await page.textContent('#device-id'))?.trim() ?? '';
  expect(deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);

  await Promise.all([page.waitForURL('**/products'), page.click('#nav-products')]);
  expect(await page.title()).toContain('Products');
  expect((await page.textContent('#device-id'))?.trim()).toBe(deviceId);

  await Promise.all([page.waitForURL('**/pricing'), page.click('#nav-pricing')]);
  expect(await page.title()).toContain('Pricing');
  expect((await page.textContent('#device-id'))?.trim()).toBe(deviceId);

  const [cookie] = (await context.cookies()).filter((candidate) => candidate.name === '__Host-device_fp');
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });

  const record = await eventually('three page views', async () => {
    const stored = await local.device(deviceId);
    return stored && stored.device.pageViews >= 3 ? stored : undefined;
  });
  expect(record.device.pageViews).toBe(3);
  expect(record.sessions).toHaveLength(1);
  expect(record.sessions[0]).toMatchObject({ pageViews: 3, entryPath: '/', exitPath: '/pricing' });
  await context.close();
});
