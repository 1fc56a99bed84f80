import { defineConfig } from 'vitest/config';

// `npm run test:browser`: headless Chromium (Debian's /usr/bin/chromium) against `npm start`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
