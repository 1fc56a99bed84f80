import { describe, expect, it } from 'vitest';
import { classifyRequest, type ClassifiableRequest, type ClassificationSettings } from '../../lambdas/identity/request-classification';

const SETTINGS: ClassificationSettings = {
  skipPrefixes: ['/static/', '/media/', '/health/', '/favicon.ico', '/robots.txt'],
  untrackedPrefixes: ['/api/'],
  honorPrivacySignals: true,
  isBot: (userAgent) => userAgent === 'bot',
};

function request(overrides: Partial<ClassifiableRequest> = {}): ClassifiableRequest {
  return { method: 'GET', path: '/pricing', userAgent: 'browser', ...overrides };
}

describe('classifyRequest', () => {
  it('tracks GET page views', () => {
    expect(classifyRequest(request(), SETTINGS)).toEqual({ kind: 'track', reason: 'tracked' });
  });

  it.each(['/static/app.js', '/media/a.png', '/health/live', '/favicon.ico', '/robots.txt'])('skips %s without asking about bots', (path) => {
    const isBot = () => {
      throw new Error('must not be called for skip paths');
    };
    expect(classifyRequest(request({ path }), { ...SETTINGS, isBot })).toEqual({ kind: 'skip', reason: 'skip_path' });
  });

  it('reads skip entries as the routes do: greedy under a trailing slash (at least one more character), else exact', () => {
    for (const path of ['/favicon.ico.html', '/favicon.ico/', '/robots.txt2', '/static/', '/health/', '/statics/x']) {
      expect(classifyRequest(request({ path }), SETTINGS).reason, path).toBe('tracked');
    }
  });

  it('identifies but does not track untracked prefixes and non-GET methods', () => {
    expect(classifyRequest(request({ path: '/api/cart' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'untracked_path' });
    expect(classifyRequest(request({ method: 'POST' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'not_page_view' });
    expect(classifyRequest(request({ method: 'HEAD' }), SETTINGS)).toEqual({ kind: 'identify', reason: 'not_page_view' });
  });

  it('refuses bots', () => {
    expect(classifyRequest(request({ userAgent: 'bot' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'bot' });
  });

  it('honours Sec-GPC: 1 and DNT: 1 before anything but skip paths', () => {
    expect(classifyRequest(request({ secGpc: '1' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'privacy_signal' });
    expect(classifyRequest(request({ dnt: '1', path: '/api/x', userAgent: 'bot' }), SETTINGS)).toEqual({ kind: 'refuse', reason: 'privacy_signal' });
    expect(classifyRequest(request({ dnt: '0', secGpc: '0' }), SETTINGS).reason).toBe('tracked');
  });

  it('can be told to ignore privacy signals', () => {
    expect(classifyRequest(request({ secGpc: '1' }), { ...SETTINGS, honorPrivacySignals: false }).reason).toBe('tracked');
  });

  it('matches prefixes exactly as configured (case-sensitive, from the start)', () => {
    expect(classifyRequest(request({ path: '/STATIC/x' }), SETTINGS).reason).toBe('tracked');
    expect(classifyRequest(request({ path: '/x/static/y' }), SETTINGS).reason).toBe('tracked');
  });
});
