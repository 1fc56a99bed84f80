/**
 * `npm run stats -- [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--json] [--table <name> --region <r> | --stack <name>]`:
 * the daily statistics of a range (getStats) as a readable table, or JSON. Default range: the last
 * 7 days in STATS_TIME_ZONE. Figures: docs/statistics.md.
 */
import { parseArgs } from 'node:util';
import { checkStatsRange, getStats, recentRange, SESSION_DIMENSIONS, type StatsReport } from '../lambdas/read-api/stats-reader';
import { addDays, isCalendarDay } from '../lambdas/statistics/calendar-day';
import { formatCount, formatDuration, formatRate, SESSION_PANELS } from '../dashboard/page/contract';
import { openTable, TABLE_TARGET_OPTIONS, TABLE_TARGET_USAGE } from '../local-runtime/table-access';
import { readLocalSettings } from '../local-runtime/settings';

/** The last days shown by default, today included. */
const DEFAULT_DAYS = 7;
/** Rows per dimension in the table (JSON has them all). */
const TOP_ROWS = 10;

const USAGE = `Usage: npm run stats -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json] [table options]

The daily statistics of a range, both days included (default: the last ${DEFAULT_DAYS} days, in STATS_TIME_ZONE).
--json prints getStats' result instead of tables.
${TABLE_TARGET_USAGE}`;

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run stats: ${message}\n`);
  process.exit(code);
}

/** Columns padded to their widest cell; numbers right-aligned. */
function textTable(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function report(stats: StatsReport): string {
  const figures = (entry: StatsReport['totals']) => [
    formatCount(entry.visitors),
    formatCount(entry.newVisitors),
    formatCount(entry.sessions),
    formatCount(entry.pageViews),
    formatRate(entry.bounceRate),
    formatDuration(entry.avgSessionDurationMs),
  ];
  const parts = [
    `Statistics ${stats.range.from} to ${stats.range.to} (${stats.days.length} days)`,
    textTable(
      ['Day', 'Visitors', 'New', 'Sessions', 'Page views', 'Bounce rate', 'Avg. duration'],
      [...stats.days.map((day) => [day.day, ...figures(day)]), ['Total', ...figures(stats.totals)]],
      [false, true, true, true, true, true, true],
    ),
    '(Total visitors: daily visitors summed; a device seen on two days counts twice.)',
    `Top pages\n${textTable(['Path', 'Views', 'Visits'], stats.pages.slice(0, TOP_ROWS).map((row) => [row.path, formatCount(row.views), formatCount(row.visits)]), [false, true, true])}`,
  ];
  for (const { key, title, column } of SESSION_PANELS) {
    const rows = stats[key].slice(0, TOP_ROWS).map((row) => [row.value, formatCount(row.sessions)]);
    parts.push(`${title} (${SESSION_DIMENSIONS[key]})\n${textTable([column, 'Sessions'], rows, [false, true])}`);
  }
  return `${parts.join('\n\n')}\n`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...TABLE_TARGET_OPTIONS },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const settings = readLocalSettings();
  const recent = recentRange(DEFAULT_DAYS, settings.statsTimeZone);
  // --to alone: the default number of days ending there.
  const to = values.to ?? recent.to;
  const range = { from: values.from ?? (values.to !== undefined && isCalendarDay(to) ? addDays(to, 1 - DEFAULT_DAYS) : recent.from), to };
  checkStatsRange(range);
  const table = await openTable(values, settings);
  process.stderr.write(`reading table ${table.tableName} from ${table.source}\n`);
  try {
    const stats = await getStats(range, { client: table.client, tableName: table.tableName });
    process.stdout.write(values.json ? `${JSON.stringify(stats, null, 2)}\n` : report(stats));
  } finally {
    await table.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof Error && ['StatsRangeError', 'TableTargetError', 'LocalSettingsError'].includes(error.name);
  fail(error instanceof Error ? (known ? error.message : `${error.name}: ${error.message}`) : String(error), known ? 2 : 1);
});
