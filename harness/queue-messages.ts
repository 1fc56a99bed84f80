/** Builders for valid queue messages (schema in lambdas/contract/page-view-message.ts), for tests. */
import { randomBytes } from 'node:crypto';
import type { IdentifyMessage, PageViewMessage } from '../lambdas/contract/page-view-message';

/** Default message time: an hour before the real clock, so retention and TTLs are measured from today. */
const anHourAgo = () => Date.now() - 3_600_000;

/** A fresh opaque id like the authorizer mints (128 random bits, base64url). */
export function opaqueId(): string {
  return randomBytes(16).toString('base64url');
}

export function pageView(overrides: Partial<PageViewMessage> = {}): PageViewMessage {
  return {
    type: 'page_view',
    v: 1,
    id: opaqueId(),
    deviceId: opaqueId(),
    sessionId: opaqueId(),
    sessionStarted: false,
    ts: anHourAgo(),
    path: '/',
    device: { browser: 'firefox', os: 'linux', type: 'desktop' },
    ...overrides,
  };
}

export function identify(overrides: Partial<IdentifyMessage> = {}): IdentifyMessage {
  return {
    type: 'identify',
    v: 1,
    id: opaqueId(),
    deviceId: opaqueId(),
    userId: 'user-1',
    ts: anHourAgo(),
    ...overrides,
  };
}

/** `count` views of one session, `gapMs` apart, the first one opening the session. */
export function sessionViews(
  count: number,
  base: { deviceId: string; sessionId?: string; startTs: number; gapMs?: number; paths?: string[] },
): PageViewMessage[] {
  const sessionId = base.sessionId ?? opaqueId();
  return Array.from({ length: count }, (_, index) =>
    pageView({
      deviceId: base.deviceId,
      sessionId,
      sessionStarted: index === 0,
      ts: base.startTs + index * (base.gapMs ?? 30_000),
      path: base.paths?.[index] ?? `/page-${index}`,
    }),
  );
}
