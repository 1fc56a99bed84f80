import { describe, expect, it } from 'vitest';
import { advanceSession, isSessionLive } from '../../lambdas/identity/session-window';
import { NOW_SECONDS, sequentialIds, testSessionId } from './test-keys';

const LIMITS = { timeoutSeconds: 1800, maxSeconds: 86_400 };

describe('session window (injected clock)', () => {
  const session = { id: testSessionId(5), startSeconds: NOW_SECONDS, lastActivitySeconds: NOW_SECONDS };

  it('opens a session when there is none', () => {
    const step = advanceSession(undefined, NOW_SECONDS, LIMITS, sequentialIds(100));
    expect(step).toEqual({ started: true, session: { id: testSessionId(100), startSeconds: NOW_SECONDS, lastActivitySeconds: NOW_SECONDS } });
  });

  it('continues the session within the timeout and moves last activity', () => {
    const step = advanceSession(session, NOW_SECONDS + 1799, LIMITS, sequentialIds(100));
    expect(step).toEqual({ started: false, session: { ...session, lastActivitySeconds: NOW_SECONDS + 1799 } });
  });

  it('opens a new session after the idle timeout', () => {
    const step = advanceSession(session, NOW_SECONDS + 1800, LIMITS, sequentialIds(100));
    expect(step.started).toBe(true);
    expect(step.session.id).toBe(testSessionId(100));
  });

  it('opens a new session after the maximum length even when active', () => {
    let current = session;
    let now = NOW_SECONDS;
    const ids = sequentialIds(100);
    // A page view every 20 minutes keeps the session alive until it reaches 24 hours.
    while (now - NOW_SECONDS < 86_400 - 1200) {
      now += 1200;
      const step = advanceSession(current, now, LIMITS, ids);
      expect(step.started).toBe(false);
      current = step.session;
    }
    const step = advanceSession(current, now + 1200, LIMITS, ids);
    expect(step.started).toBe(true);
  });

  it('never moves last activity backwards when a clock is behind', () => {
    const step = advanceSession(session, NOW_SECONDS - 5, LIMITS, sequentialIds(100));
    expect(step.session.lastActivitySeconds).toBe(NOW_SECONDS);
  });

  it('reports liveness', () => {
    expect(isSessionLive(undefined, NOW_SECONDS, LIMITS)).toBe(false);
    expect(isSessionLive(session, NOW_SECONDS + 10, LIMITS)).toBe(true);
    expect(isSessionLive(session, NOW_SECONDS + 1800, LIMITS)).toBe(false);
  });
});
