/**
 * What one batch changes in the daily statistics, computed from the writes the store made: each session
 * item write is a transition from the state it replaced to the state it stored, and the statistics move
 * by the difference of the two states' contributions. So the statistics always equal the sum of the
 * contributions of the session items as stored (a redelivery changes no item, so it adds nothing), and
 * a session whose entry moves to an earlier view (out-of-order delivery) moves its figures with it, to
 * another day if need be. Pure: the caller passes the time zone.
 */
import type { SessionState } from '../aggregation/session-merge';
import {
  DIRECT_REFERRER,
  dimensionSortKey,
  statsPartition,
  totalSortKey,
  type Dimension,
  type TotalCounter,
} from '../contract/statistics-layout';
import { calendarDay } from './calendar-day';

/** One statistics item's counter changes; `day` decides the item's TTL. */
export interface StatsItemDelta {
  pk: string;
  sk: string;
  day: string;
  counters: Record<string, number>;
}

/** The part of a session state the statistics read. */
export type SessionFigures = Pick<SessionState, 'start' | 'lastActivity' | 'pageViews' | 'entryPath' | 'exitPath' | 'referrer' | 'utm' | 'device' | 'pages'>;

/** A device write's effect on the visitor counts. */
export interface VisitorTransition {
  /** Days on which this write made the device a visitor (it added the day). */
  newVisitDays: readonly string[];
  /** `firstSeen` before and after the write (the device is a new visitor on the day of its first session). */
  firstSeenBefore?: number;
  firstSeenAfter?: number;
}

export class StatsDelta {
  readonly #items = new Map<string, StatsItemDelta>();

  constructor(readonly timeZone: string) {}

  #add(day: string, sk: string, counter: string, amount: number): void {
    if (amount === 0) return;
    const pk = statsPartition(day);
    const key = `${pk}\u0000${sk}`;
    let item = this.#items.get(key);
    if (!item) {
      item = { pk, sk, day, counters: {} };
      this.#items.set(key, item);
    }
    item.counters[counter] = (item.counters[counter] ?? 0) + amount;
  }

  #total(day: string, counter: TotalCounter, amount: number): void {
    this.#add(day, totalSortKey(day), counter, amount);
  }

  #dimension(day: string, dimension: Dimension, value: string, counter: string, amount: number): void {
    this.#add(day, dimensionSortKey(day, dimension, value), counter, amount);
  }

  /** Adds (`sign` 1) or removes (-1) everything one session item contributes. */
  #session(session: SessionFigures, sign: 1 | -1): void {
    const day = calendarDay(session.start, this.timeZone);
    this.#total(day, 'sessions', sign);
    this.#total(day, 'pageViews', sign * session.pageViews);
    this.#total(day, 'bounces', session.pageViews === 1 ? sign : 0);
    this.#total(day, 'durationMs', sign * (session.lastActivity - session.start));
    for (const [path, views] of Object.entries(session.pages)) {
      this.#dimension(day, 'page', path, 'views', sign * views);
      this.#dimension(day, 'page', path, 'visits', sign);
    }
    this.#dimension(day, 'entry', session.entryPath, 'sessions', sign);
    this.#dimension(day, 'exit', session.exitPath, 'sessions', sign);
    this.#dimension(day, 'referrer', session.referrer?.origin ?? DIRECT_REFERRER, 'sessions', sign);
    if (session.utm?.utm_source !== undefined) this.#dimension(day, 'utm_source', session.utm.utm_source, 'sessions', sign);
    if (session.utm?.utm_medium !== undefined) this.#dimension(day, 'utm_medium', session.utm.utm_medium, 'sessions', sign);
    if (session.utm?.utm_campaign !== undefined) this.#dimension(day, 'utm_campaign', session.utm.utm_campaign, 'sessions', sign);
    this.#dimension(day, 'browser', session.device.browser, 'sessions', sign);
    this.#dimension(day, 'os', session.device.os, 'sessions', sign);
    this.#dimension(day, 'device', session.device.type, 'sessions', sign);
  }

  /** A session item write: `before` undefined when the write created the item. */
  addSessionWrite(before: SessionFigures | undefined, after: SessionFigures): void {
    if (before) this.#session(before, -1);
    this.#session(after, 1);
  }

  /**
   * A page view counted without consent (`cookieless_view`): it adds to the day's page views and its
   * path's views, nothing else (no session, no visitor, no visit).
   */
  addCookielessView(view: { ts: number; path: string }): void {
    const day = calendarDay(view.ts, this.timeZone);
    this.#total(day, 'pageViews', 1);
    this.#dimension(day, 'page', view.path, 'views', 1);
  }

  addVisitorWrite(transition: VisitorTransition): void {
    for (const day of transition.newVisitDays) this.#total(day, 'visitors', 1);
    const { firstSeenBefore: before, firstSeenAfter: after } = transition;
    if (after === undefined || before === after) return;
    const afterDay = calendarDay(after, this.timeZone);
    if (before !== undefined) {
      const beforeDay = calendarDay(before, this.timeZone);
      if (beforeDay === afterDay) return;
      this.#total(beforeDay, 'newVisitors', -1);
    }
    this.#total(afterDay, 'newVisitors', 1);
  }

  /** Every item with at least one non-zero counter change, in a stable order. */
  items(): StatsItemDelta[] {
    const items: StatsItemDelta[] = [];
    for (const item of this.#items.values()) {
      const counters = Object.fromEntries(Object.entries(item.counters).filter(([, amount]) => amount !== 0));
      if (Object.keys(counters).length > 0) items.push({ ...item, counters });
    }
    return items.sort((a, b) => (a.pk + a.sk < b.pk + b.sk ? -1 : a.pk + a.sk > b.pk + b.sk ? 1 : 0));
  }

  get isEmpty(): boolean {
    return this.items().length === 0;
  }
}
