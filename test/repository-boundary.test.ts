/**
 * The project reads nothing outside its repository: someone who clones it has no sibling folders and
 * none of the build machine's paths. This scans every source, script and config file for paths that
 * leave the repository, so a test that reaches outside fails here on the day it is written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const SCANNED_FOLDERS = ['bin', 'lib', 'lambdas', 'test', 'bench', 'events', 'examples', '.ci'];
const SCANNED_EXTENSIONS = /\.(ts|js|mjs|cjs|json|sh|py)$|^run$/;
/**
 * Machine folders a checkout must not depend on. URL paths (`/docs/start`) and the system locations a
 * test may name (`/usr/bin/chromium`) are not among them; temporary folders come from `os.tmpdir()`.
 */
const MACHINE_FOLDERS = /^\/(work|home|root|Users|mnt|opt|srv|var|etc|tmp)\//;

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (name === 'node_modules' || name === 'cdk.out') return [];
    if (statSync(path).isDirectory()) return filesUnder(path);
    return SCANNED_EXTENSIONS.test(name) ? [path] : [];
  });
}

const insideRepo = (path: string) => path === REPO_ROOT || path.startsWith(REPO_ROOT + sep);
/** An existing file or folder, or a module specifier without its extension. */
const exists = (path: string) => ['', '.ts', '.js', '.json'].some((extension) => existsSync(path + extension));

/** Every problem in one file's text, as `line: reason`. */
export function outsidePaths(file: string, text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${relative(REPO_ROOT, file)}:${index + 1}`;
    for (const match of line.matchAll(/['"`](\/[A-Za-z][^'"`\s]*)/g)) {
      const path = match[1] ?? '';
      if (MACHINE_FOLDERS.test(path)) problems.push(`${where}: absolute path ${path}`);
    }
    // A relative path that climbs out of the repository, from the file's own folder or (when it names
    // nothing there) from the repository's root, as a path joined to a `repoRoot` variable is.
    for (const match of line.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*|\.\.)['"`]/g)) {
      // Of a template literal, the part before its first substitution.
      const relativePath = (match[1] ?? '').split('${')[0] ?? '';
      const fromFile = resolve(dirname(file), relativePath);
      const leaves = !insideRepo(fromFile) || (!exists(fromFile) && !insideRepo(resolve(REPO_ROOT, relativePath)));
      if (leaves) problems.push(`${where}: ${relativePath} leaves the repository`);
    }
  });
  return problems;
}

describe('repository boundary', () => {
  it('no file names a path outside the repository', () => {
    const files = SCANNED_FOLDERS.flatMap((folder) => filesUnder(resolve(REPO_ROOT, folder)));
    expect(files.length).toBeGreaterThan(50);
    const problems = files.flatMap((file) => outsidePaths(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches the ways a path can leave the repository', () => {
    const file = resolve(REPO_ROOT, 'test/aggregator/example.test.ts');
    const dots = '..';
    const sample = [
      `const a = resolve(root, '${dots}/sibling/fixtures/x.json');`,
      `const b = '/${'work'}/sibling/fixtures';`,
      `const c = resolve(import.meta.dirname, '${dots}/${dots}/${dots}/elsewhere');`,
      `const ok = resolve(import.meta.dirname, '${dots}/${dots}');`,
      `const browser = '/usr/bin/chromium';`,
    ].join('\n');
    expect(outsidePaths(file, sample).map((problem) => problem.split(':')[1])).toEqual(['1', '2', '3']);
  });
});
