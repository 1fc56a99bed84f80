import { describe, expect, it } from 'vitest';
import { canonicalPath, isSkipPath, skipRoutePath } from '../../lambdas/identity/request-path';

describe('canonicalPath', () => {
  it('returns an already canonical path as it is', () => {
    for (const path of ['/', '/pricing', '/static/app.js', '/a/b/', '/.well-known/x', '/a..b/c.', '/caf%C3%A9', '/café']) {
      expect(canonicalPath(path), path).toBe(path);
    }
  });

  it('resolves dot segments, never above the root', () => {
    expect(canonicalPath('/static/../pricing')).toBe('/pricing');
    expect(canonicalPath('/static/./app.js')).toBe('/static/app.js');
    expect(canonicalPath('/../../a/b')).toBe('/a/b');
    expect(canonicalPath('/a/b/..')).toBe('/a/');
    expect(canonicalPath('/a/.')).toBe('/a/');
    expect(canonicalPath('/..')).toBe('/');
  });

  it('merges runs of slashes', () => {
    expect(canonicalPath('//static/x')).toBe('/static/x');
    expect(canonicalPath('/static//x///')).toBe('/static/x/');
  });

  it('decodes escapes of unreserved characters and of "/" only, once', () => {
    expect(canonicalPath('/%73tatic/x')).toBe('/static/x');
    expect(canonicalPath('/static/%2e%2E/pricing')).toBe('/pricing');
    expect(canonicalPath('/static/..%2Fpricing')).toBe('/pricing');
    expect(canonicalPath('/%7Euser/%41')).toBe('/~user/A');
    expect(canonicalPath('/a%20b/%3F/%25/%zz/%')).toBe('/a%20b/%3F/%25/%zz/%');
    expect(canonicalPath('/%2573tatic/x')).toBe('/%2573tatic/x');
  });

  it('makes any string a path', () => {
    expect(canonicalPath('')).toBe('/');
    expect(canonicalPath('pricing')).toBe('/pricing');
  });
});

describe('isSkipPath and skipRoutePath', () => {
  const entries = ['/static/', '/favicon.ico'];

  it('matches under an entry ending in "/" (at least one more character), else exactly', () => {
    expect(isSkipPath('/static/x', entries)).toBe(true);
    expect(isSkipPath('/static/a/b.js', entries)).toBe(true);
    expect(isSkipPath('/static/', entries)).toBe(false);
    expect(isSkipPath('/favicon.ico', entries)).toBe(true);
    expect(isSkipPath('/favicon.ico.html', entries)).toBe(false);
    expect(isSkipPath('/favicon.ico/', entries)).toBe(false);
  });

  it('gives the route each entry becomes', () => {
    expect(entries.map(skipRoutePath)).toEqual(['/static/{proxy+}', '/favicon.ico']);
  });
});
