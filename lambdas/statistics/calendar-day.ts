/**
 * Calendar days of the statistics, `YYYY-MM-DD` in the configured IANA time zone. Pure apart from the
 * runtime's time-zone data (Intl); formatters are cached per zone because building one costs far more
 * than using it.
 */
import { DAY_PATTERN } from '../contract/statistics-layout';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA formats dates as YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar day, in `timeZone`, of the instant `epochMs`. */
export function calendarDay(epochMs: number, timeZone: string): string {
  return formatterFor(timeZone).format(epochMs);
}

/** Whether `day` is a real `YYYY-MM-DD` date. */
export function isCalendarDay(day: string): boolean {
  if (!DAY_PATTERN.test(day)) return false;
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, date));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === date;
}

function utcMidnight(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date);
}

function dayOfUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` plus `days` calendar days (negative goes back). */
export function addDays(day: string, days: number): string {
  return dayOfUtc(utcMidnight(day) + days * 86_400_000);
}

/** Every day from `from` to `to`, both included (empty when `to` is before `from`). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let ms = utcMidnight(from), end = utcMidnight(to); ms <= end; ms += 86_400_000) days.push(dayOfUtc(ms));
  return days;
}

/** The months (`YYYY-MM`) that the days from `from` to `to` fall in, in order. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const label = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (label > last) break;
    months.push(label);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/**
 * TTL (epoch seconds) of a statistics item of `day`, kept `months` calendar months after the day ends
 * (UTC; a day of another zone is at most 14 hours off, which a retention counted in months ignores).
 */
export function statsExpiresAtSeconds(day: string, months: number): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Math.floor(Date.UTC(year, month - 1 + months, date + 1) / 1000);
}
