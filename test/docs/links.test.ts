/** Every relative link in README.md and docs/*.md names a file that exists and, with `#anchor`, one of its headings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, brokenLinks, documentationFiles, headingAnchors, headingSlug, linkTargets } from './markdown-links';

describe('documentation links', () => {
  it('all resolve: files exist and anchors name headings', () => {
    const files = documentationFiles();
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((file) => brokenLinks(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('the README links every file in docs/', () => {
    const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
    const linked = new Set(linkTargets(readme).map((target) => target.split('#')[0]));
    const docs = documentationFiles().filter((file) => !file.endsWith('README.md'));
    expect(docs.map((file) => `docs/${file.split('/').pop() ?? ''}`).filter((path) => !linked.has(path))).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(headingSlug('Local runtime (`npm start`)')).toBe('local-runtime-npm-start');
    expect(headingSlug("API Gateway mapping limits (from AWS's documentation)")).toBe('api-gateway-mapping-limits-from-awss-documentation');
    expect(headingSlug('One skip rule, and what API Gateway does with odd paths')).toBe('one-skip-rule-and-what-api-gateway-does-with-odd-paths');
    expect(headingSlug('Page-path latency: p99_ms')).toBe('page-path-latency-p99_ms');
    expect([...headingAnchors('# Notes\n## Notes\n```\n# not a heading\n```\n## Notes')]).toEqual(['notes', 'notes-1', 'notes-2']);
  });

  it('catches a missing file, a missing heading and a link out of the repository, and ignores code and URLs', () => {
    const file = join(REPOSITORY_ROOT, 'docs', 'example.md');
    const sample = [
      '# Example',
      'See [here](#example), [the README](../README.md#architecture) and [AWS](https://aws.amazon.com/#nothing).',
      'Broken: [gone](gone.md), [heading](../README.md#no-such-heading), [self](#nowhere), [out](../../elsewhere.md).',
      'Code: `[not](a-link.md)`',
      '```md',
      '[not a link either](missing.md)',
      '```',
    ].join('\n');
    expect(brokenLinks(file, sample)).toEqual([
      'docs/example.md: gone.md (no such file)',
      'docs/example.md: ../README.md#no-such-heading (no such heading)',
      'docs/example.md: #nowhere (no such heading)',
      'docs/example.md: ../../elsewhere.md (leaves the repository)',
    ]);
  });
});
