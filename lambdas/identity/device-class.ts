/**
 * Coarse device class from a user agent: browser family, OS family, mobile or desktop. A dozen
 * ordered checks, not a UA database: the figures downstream only need families, and a full parser
 * (ua-parser-js is ~20 KB minified plus per-call regex sweeps) would weigh on every cold start.
 * Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", iOS also says "Mac OS X".
 */
import type { DeviceClass } from '../contract/page-view-message';

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'edge'],
  [/\bOPR\/|\bOpera\b|\bOPT\//, 'opera'],
  [/\bSamsungBrowser\//, 'samsung'],
  [/\bFirefox\/|\bFxiOS\//, 'firefox'],
  [/\bCriOS\/|\bChrome\/|\bChromium\//, 'chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\/|\bAppleWebKit\/.*\bMobile\/\w+$/, 'safari'],
];

const OPERATING_SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bWindows\b/, 'windows'],
  [/\biPhone\b|\biPad\b|\biPod\b/, 'ios'],
  [/\bAndroid\b/, 'android'],
  [/\bCrOS\b/, 'chromeos'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macos'],
  [/\bLinux\b|\bX11\b/, 'linux'],
];

const MOBILE = /\bMobi|\bAndroid\b|\biPhone\b|\biPad\b|\biPod\b|\bTablet\b/;

function firstMatch(userAgent: string, table: ReadonlyArray<readonly [RegExp, string]>): string {
  for (const [pattern, family] of table) if (pattern.test(userAgent)) return family;
  return 'other';
}

export function classifyDevice(userAgent: string): DeviceClass {
  return {
    browser: firstMatch(userAgent, BROWSERS),
    os: firstMatch(userAgent, OPERATING_SYSTEMS),
    type: MOBILE.test(userAgent) ? 'mobile' : 'desktop',
  };
}
