/**
 * What the dashboard's server and page share (and its browser test reads): the config the page asks
 * for, the panels it draws, and how figures are written. No value import from the server side, so the
 * page bundle stays the page and chart.js.
 */
import type { SessionDimensionKey, StatsRange } from '../../lambdas/read-api/stats-reader';

/** The range the page opens with: the last 30 days (today included). */
export const DEFAULT_DASHBOARD_DAYS = 30;
/** Rows per table (and bars per chart): the top ones of the range. */
export const DASHBOARD_ROWS = 10;

export interface DashboardConfig {
  source: string;
  tableName: string;
  timeZone: string;
  today: string;
  defaultRange: StatsRange;
}

/** The range totals shown as figures, in order. */
export const TOTAL_FIGURES = [
  { key: 'visitors', label: 'Visitors (daily, summed)' },
  { key: 'newVisitors', label: 'New visitors' },
  { key: 'sessions', label: 'Sessions' },
  { key: 'pageViews', label: 'Page views' },
  { key: 'bounceRate', label: 'Bounce rate' },
  { key: 'avgSessionDurationMs', label: 'Avg. session duration' },
] as const;

/** The session-counting panels, in order, with their titles. */
export const SESSION_PANELS: ReadonlyArray<{ key: SessionDimensionKey; title: string; column: string }> = [
  { key: 'entryPages', title: 'Entry pages', column: 'Path' },
  { key: 'exitPages', title: 'Exit pages', column: 'Path' },
  { key: 'referrers', title: 'Referrers', column: 'Origin' },
  { key: 'utmSources', title: 'UTM source', column: 'Source' },
  { key: 'utmMediums', title: 'UTM medium', column: 'Medium' },
  { key: 'utmCampaigns', title: 'UTM campaign', column: 'Campaign' },
  { key: 'browsers', title: 'Browsers', column: 'Browser' },
  { key: 'operatingSystems', title: 'Operating systems', column: 'OS' },
  { key: 'deviceTypes', title: 'Device types', column: 'Type' },
];

export const formatCount = (value: number): string => value.toLocaleString('en-US');

/** A rate as a percentage with one decimal; `-` when there is none (no sessions). */
export const formatRate = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)} %`);

/** `2 min 05 s`, `42 s`, `1 h 03 min`; `-` when there is none. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
