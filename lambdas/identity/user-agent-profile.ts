/**
 * What the authorizer needs from a user agent (bot or not, coarse device class), memoised per user
 * agent string. A warm instance sees the same few hundred user agents over and over, and `isbot` costs
 * ~2 µs per call (a large regular expression), so a small bounded cache takes it off the hot path.
 */
import { isbot } from 'isbot';
import type { DeviceClass } from '../contract/page-view-message';
import { classifyDevice } from './device-class';

export interface UserAgentProfile {
  readonly isBot: boolean;
  readonly device: DeviceClass;
}

/** Longer user agents are not cached (and are treated by isbot like any other). */
const MAX_CACHED_USER_AGENT_LENGTH = 512;
/** Longer user agents are cut before matching: real ones stay under ~300 characters. */
const MAX_USER_AGENT_LENGTH = 2048;

export type UserAgentProfiler = (userAgent: string | undefined) => UserAgentProfile;

const MISSING: UserAgentProfile = Object.freeze({
  // Every browser sends a user agent; a request without one is a script.
  isBot: true,
  device: Object.freeze({ browser: 'other', os: 'other', type: 'desktop' as const }),
});

export function profileUserAgent(userAgent: string | undefined): UserAgentProfile {
  if (userAgent === undefined || userAgent.trim() === '') return MISSING;
  const ua = userAgent.length > MAX_USER_AGENT_LENGTH ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : userAgent;
  return { isBot: isbot(ua), device: classifyDevice(ua) };
}

/** A memoising profiler holding at most `capacity` entries (cleared wholesale when full: cheap and bounded). */
export function createUserAgentProfiler(capacity = 1000): UserAgentProfiler {
  const cache = new Map<string, UserAgentProfile>();
  return (userAgent) => {
    if (userAgent === undefined || userAgent.length > MAX_CACHED_USER_AGENT_LENGTH) return profileUserAgent(userAgent);
    const hit = cache.get(userAgent);
    if (hit !== undefined) return hit;
    const profile = profileUserAgent(userAgent);
    if (cache.size >= capacity) cache.clear();
    cache.set(userAgent, profile);
    return profile;
  };
}
