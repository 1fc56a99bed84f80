/**
 * Every browser test's setup: `npm start` in a fresh data folder and Debian's headless Chromium, both
 * started before the file's tests and stopped after them (the local process must exit cleanly).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { newDataDir, removeDataDir, startLocalProcess, testEnv, type LocalProcess } from '../e2e/local-runtime-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserFixture {
  readonly local: LocalProcess;
  readonly browser: Browser;
}

export function useLocalRuntimeAndChromium(): BrowserFixture {
  let local: LocalProcess | undefined;
  let browser: Browser | undefined;
  let dataDir = '';
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    dataDir = newDataDir();
    local = await startLocalProcess(testEnv(dataDir));
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
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('used before beforeAll ran');
    return value;
  };
  return {
    get local() {
      return started(local);
    },
    get browser() {
      return started(browser);
    },
  };
}
