import { describe, expect, it } from 'vitest';
import { classifyDevice } from '../../lambdas/identity/device-class';
import { createUserAgentProfiler, profileUserAgent } from '../../lambdas/identity/user-agent-profile';
import { USER_AGENTS } from './user-agents';

describe('classifyDevice', () => {
  it.each([
    ['chromeWindows', 'chrome', 'windows', 'desktop'],
    ['edgeWindows', 'edge', 'windows', 'desktop'],
    ['firefoxLinux', 'firefox', 'linux', 'desktop'],
    ['safariMac', 'safari', 'macos', 'desktop'],
    ['safariIphone', 'safari', 'ios', 'mobile'],
    ['chromeIphone', 'chrome', 'ios', 'mobile'],
    ['chromeAndroid', 'chrome', 'android', 'mobile'],
    ['samsungAndroid', 'samsung', 'android', 'mobile'],
    ['operaMac', 'opera', 'macos', 'desktop'],
    ['chromebook', 'chrome', 'chromeos', 'desktop'],
  ] as const)('%s -> %s on %s (%s)', (name, browser, os, type) => {
    expect(classifyDevice(USER_AGENTS[name])).toEqual({ browser, os, type });
  });

  it('falls back to other for unknown agents', () => {
    expect(classifyDevice('curl/8.5.0')).toEqual({ browser: 'other', os: 'other', type: 'desktop' });
  });
});

describe('user agent profile', () => {
  it('flags bots (isbot), command-line clients and missing user agents', () => {
    expect(profileUserAgent(USER_AGENTS.googlebot).isBot).toBe(true);
    expect(profileUserAgent('HTTPie/3.2.2').isBot).toBe(true);
    expect(profileUserAgent(undefined).isBot).toBe(true);
    expect(profileUserAgent('   ').isBot).toBe(true);
    expect(profileUserAgent(USER_AGENTS.chromeWindows).isBot).toBe(false);
  });

  it('memoises per user agent and stays bounded', () => {
    const profiler = createUserAgentProfiler(2);
    const first = profiler(USER_AGENTS.chromeWindows);
    expect(profiler(USER_AGENTS.chromeWindows)).toBe(first);
    profiler(USER_AGENTS.firefoxLinux);
    profiler(USER_AGENTS.safariMac); // capacity reached: the cache starts over
    expect(profiler(USER_AGENTS.chromeWindows)).not.toBe(first);
    expect(profiler(USER_AGENTS.chromeWindows)).toEqual(first);
  });

  it('handles absurdly long user agents', () => {
    expect(createUserAgentProfiler()(`${USER_AGENTS.chromeWindows} ${'x'.repeat(100_000)}`).device.browser).toBe('chrome');
  });
});
