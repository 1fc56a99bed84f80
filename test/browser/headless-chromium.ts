/**
 * What the browser tests share: Debian's Chromium, headless (playwright-core drives it; nothing is
 * downloaded; CHROMIUM_PATH points elsewhere), against `npm start` on free ports.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { newDataDir, removeDataDir, startLocalProcess, testEnv, type LocalProcess } from '../e2e/local-runtime-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
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
}

export interface BrowserRun {
  local: LocalProcess;
  browser: Browser;
}

/**
 * Starts `npm start` (demo site, fast test settings) and Chromium before the file's tests and stops both
 * after them (`npm start` must exit cleanly); the returned object is filled in before the first test.
 */
export function pipelineWithBrowser(): BrowserRun {
  const run = {} as BrowserRun;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = newDataDir();
    run.local = await startLocalProcess(testEnv(dataDir));
    run.browser = await launchChromium();
  });
  afterAll(async () => {
    await run.browser?.close();
    const code = await run.local?.stop();
    removeDataDir(dataDir);
    expect(code).toBe(0);
  });
  return run;
}
