/**
 * Relative links in the repository's Markdown and the headings they point at, read the way GitHub renders
 * them, so a moved section or a renamed file shows up as a broken link in a test rather than on the site.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');

/** README.md and every Markdown file in docs/, as absolute paths. */
export function documentationFiles(): string[] {
  const docs = join(REPOSITORY_ROOT, 'docs');
  return [join(REPOSITORY_ROOT, 'README.md'), ...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => join(docs, name))];
}

/** The lines of a Markdown text outside fenced code blocks (they hold no links and no headings). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').filter((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return false;
    }
    return fence === undefined;
  });
}

/** GitHub's anchor for a heading: its text lower-cased, punctuation but `-` and `_` dropped, each space a `-`. */
export function headingSlug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown text's headings give, repeats numbered as GitHub numbers them (`-1`, `-2`). */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = headingSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of a Markdown text's inline links (`[text](target)`), code spans and blocks left out. */
export function linkTargets(markdown: string): string[] {
  return proseLines(markdown)
    .map((line) => line.replace(/`[^`]*`/g, ''))
    .flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? ''));
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Every broken relative link of one file, as `file: target (reason)`. */
export function brokenLinks(file: string, markdown: string, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): string[] {
  const where = relative(REPOSITORY_ROOT, file);
  return linkTargets(markdown)
    .filter((target) => !isExternal(target))
    .flatMap((target) => {
      const [path = '', anchor] = target.split('#', 2);
      const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (linked !== REPOSITORY_ROOT && !linked.startsWith(REPOSITORY_ROOT + sep)) return [`${where}: ${target} (leaves the repository)`];
      if (path !== '' && !existsSync(linked)) return [`${where}: ${target} (no such file)`];
      if (anchor === undefined || !linked.endsWith('.md')) return [];
      const text = linked === file ? markdown : readFile(linked);
      return headingAnchors(text).has(decodeURIComponent(anchor)) ? [] : [`${where}: ${target} (no such heading)`];
    });
}
