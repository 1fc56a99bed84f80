/**
 * A real browser visit: headless Chromium clicks through three pages of the demo site behind the local
 * front door, keeps the device cookie between pages on its own (Secure cookies are accepted on
 * http://localhost), and the stored session shows exactly those three page views.
 */
import { useLocalRuntimeAndChromium } from './chromium';
import { expect, it } from 'vitest';
import { BROWSER_UA, eventually } from '../e2e/local-runtime-process';

const fixture = useLocalRuntimeAndChromium();

it('tracks a three-page visit made by clicking links, with the cookie kept by the browser', async () => {
  // Headless Chromium says "HeadlessChrome" in its user agent, which the authorizer rightly treats as a
  // bot; a visitor's browser says "Chrome".
  const context = await fixture.browser.newContext({ userAgent: BROWSER_UA });
  const page = await context.newPage();

  await page.goto(`${fixture.local.frontDoorUrl}/`);
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
    const stored = await fixture.local.device(deviceId);
    return stored && stored.device.pageViews >= 3 ? stored : undefined;
  });
  expect(record.device.pageViews).toBe(3);
  expect(record.sessions).toHaveLength(1);
  expect(record.sessions[0]).toMatchObject({ pageViews: 3, entryPath: '/', exitPath: '/pricing' });
  await context.close();
});
