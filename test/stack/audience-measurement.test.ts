/**
 * The audience-measurement preset at synth: `-c audienceMeasurement=cnil` as `cdk synth` reads it
 * (propsFromContext, then resolveTrackingSettings, which bin/app.ts runs before any resource exists).
 */
import { describe, expect, it } from 'vitest';
import { CNIL_LIMITS } from '../../lib/audience-measurement';
import { TrackingSettingsError, propsFromContext, resolveTrackingSettings } from '../../lib/tracking-settings';

const ORIGIN = 'https://origin.example.com';
const synthWith = (values: Record<string, string>) => () => resolveTrackingSettings(propsFromContext((key) => ({ originUrl: ORIGIN, audienceMeasurement: 'cnil', ...values })[key]));

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof TrackingSettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('audienceMeasurement: cnil', () => {
  it('applies a cookie that visits do not extend, and keeps the defaults that fit', () => {
    const settings = synthWith({})();
    expect(settings.cookieRenewal).toBe('fixed');
    expect(settings.cookieMaxAgeSeconds).toBeLessThanOrEqual(CNIL_LIMITS.cookieMaxAgeSeconds);
    expect(settings.retentionDays).toBeLessThanOrEqual(CNIL_LIMITS.retentionDays);
    // 13 months and 25 months, exactly at the limits, pass.
    expect(synthWith({ cookieMaxAgeSeconds: String(393 * 86_400), retentionDays: '750' })().cookieMaxAgeSeconds).toBe(393 * 86_400);
    // Without the preset, a sliding 400-day cookie is allowed.
    expect(resolveTrackingSettings({ originUrl: ORIGIN, cookieMaxAgeSeconds: 400 * 86_400 }).cookieRenewal).toBe('sliding');
  });

  it('refuses a 400-day cookie with a clear message', () => {
    expect(synthWith({ cookieMaxAgeSeconds: String(400 * 86_400) })).toThrow(TrackingSettingsError);
    expect(problemsOf(synthWith({ cookieMaxAgeSeconds: String(400 * 86_400) }))).toEqual([
      'audienceMeasurement: cnil allows cookieMaxAgeSeconds of at most 33955200 (13 months, counted as 393 days; got 34560000, 400 days)',
    ]);
  });

  it('refuses JWT user linking, a sliding cookie and data kept longer than 25 months, all at once', () => {
    const problems = problemsOf(
      synthWith({ jwtJwksUrl: 'https://id.example.com/jwks.json', jwtIssuer: 'https://id.example.com/', cookieRenewal: 'sliding', retentionDays: '800' }),
    );
    expect(problems).toEqual([
      'audienceMeasurement: cnil needs cookieRenewal "fixed": a sliding cookie is extended by every visit (the CNIL limit is 13 months without extension)',
      'audienceMeasurement: cnil allows retentionDays of at most 750 (data kept at most 25 months; got 800)',
      'audienceMeasurement: cnil forbids linking visitors to users: unset jwtJwksUrl, jwtIssuer (JWT user linking)',
    ]);
    expect(problemsOf(synthWith({ jwtSecretArn: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:jwt-AbCdEf', jwtIssuer: 'x' })).join('\n')).toMatch(
      /forbids linking visitors to users: unset jwtSecretArn, jwtIssuer/,
    );
  });
});
