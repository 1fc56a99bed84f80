/** The README stays an entry page (what it is, the picture, quick start, where to read next); details live in docs/. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './markdown-links';

/** 12 KiB: room for the entry page, none for a reference section. */
const README_MAX_BYTES = 12_288;

describe('README.md', () => {
  it(`is at most ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(join(REPOSITORY_ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });
});
