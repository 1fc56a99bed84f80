/**
 * The audience-measurement preset (`audienceMeasurement: cnil`): the limits the CNIL sets for audience
 * measurement exempt from consent (CNIL, "Cookies et autres traceurs : solutions pour les outils de
 * mesure d'audience", 2021/2023), applied to the props before the other checks:
 *
 * - the cookie lives at most 13 months and is not extended by visits: `cookieRenewal: fixed` (the preset's
 *   default; `sliding` is refused) and `cookieMaxAgeSeconds` at most 393 days (13 months at their
 *   shortest: 365 + 28 days);
 * - data is kept at most 25 months: `retentionDays` at most 750 (25 months are at least 758 days; the
 *   device item outlives its last session start by 2 days and DynamoDB's TTL deletes up to a few days late);
 * - no user linking: no JWT setting;
 * - first-party only, no cross-site tracking: structural (the front door sets its own host's cookie,
 *   SameSite=Lax; nothing is sent to a third party), so nothing to refuse.
 */
import { DAY_MS } from '../lambdas/aggregation/retention';
import type { AnonymousTrackingProps } from './tracking-settings';

export const CNIL_LIMITS = {
  cookieMaxAgeSeconds: 393 * (DAY_MS / 1000),
  retentionDays: 750,
} as const;

const JWT_PROPS = ['jwtJwksUrl', 'jwtSecretArn', 'jwtIssuer', 'jwtAudience'] as const;

/** The props with the preset's defaults (a fixed-lifetime cookie), and the problems of incompatible ones. */
export function applyAudienceMeasurementPreset(props: AnonymousTrackingProps): { props: AnonymousTrackingProps; problems: string[] } {
  if (props.audienceMeasurement !== 'cnil') return { props, problems: [] };
  const why = 'audienceMeasurement: cnil';
  const problems: string[] = [];
  if (props.cookieRenewal === 'sliding') problems.push(`${why} needs cookieRenewal "fixed": a sliding cookie is extended by every visit (the CNIL limit is 13 months without extension)`);
  if (typeof props.cookieMaxAgeSeconds === 'number' && props.cookieMaxAgeSeconds > CNIL_LIMITS.cookieMaxAgeSeconds) {
    problems.push(`${why} allows cookieMaxAgeSeconds of at most ${CNIL_LIMITS.cookieMaxAgeSeconds} (13 months, counted as 393 days; got ${props.cookieMaxAgeSeconds}, ${Math.round(props.cookieMaxAgeSeconds / 86_400)} days)`);
  }
  if (typeof props.retentionDays === 'number' && props.retentionDays > CNIL_LIMITS.retentionDays) {
    problems.push(`${why} allows retentionDays of at most ${CNIL_LIMITS.retentionDays} (data kept at most 25 months; got ${props.retentionDays})`);
  }
  const jwt = JWT_PROPS.filter((id) => props[id] !== undefined && props[id] !== '');
  if (jwt.length > 0) problems.push(`${why} forbids linking visitors to users: unset ${jwt.join(', ')} (JWT user linking)`);
  return { props: { ...props, cookieRenewal: props.cookieRenewal ?? 'fixed' }, problems };
}
