/**
 * Synthetic but plausible traffic for the local table (`npm run seed-demo`, `npm start -- --seed-demo`),
 * so the dashboard has something to show on a first run. Seeded, so a given day always gets the same
 * traffic; times relative to `now`. It goes through the real consumer (SQS events to its handler), so
 * sessions, devices and statistics are what the pipeline itself would store.
 *
 * The shape: sessions spread over the day (a peak in the afternoon, quiet nights) and the week (quieter
 * weekends), a slowly growing site; visitors who come back; entry pages by where visitors come from;
 * 1 to about 8 views per session with human pauses, about 40 % bounces.
 */
import type { SQSEvent } from 'aws-lambda';
import { FUNCTION_SETTINGS, readEnv, type Env } from '../lambdas/contract/function-settings';
import type { PageViewMessage } from '../lambdas/contract/page-view-message';
import { MAX_MESSAGES_PER_BODY, queueBody } from '../lambdas/contract/queue-body';
import { pick, seededRandom, type Random } from '../harness/seeded-random';
import { toSqsEvent } from './sqs-lambda-event';
import { LOCAL_API } from './http-api-authorizer-event';

const DAY_MS = 86_400_000;
export const DEMO_DAYS = 21;
const SEED = 2_024;

/** Where a visitor goes next from a page: links, the first ones likelier. */
const LINKS: Record<string, string[]> = {
  '/': ['/products', '/pricing', '/blog', '/about', '/docs', '/signup'],
  '/products': ['/pricing', '/docs', '/signup', '/'],
  '/pricing': ['/signup', '/products', '/contact', '/'],
  '/about': ['/contact', '/blog', '/'],
  '/blog': ['/blog/first-party-cookies', '/blog/serverless-analytics', '/'],
  '/blog/first-party-cookies': ['/blog/serverless-analytics', '/products', '/blog'],
  '/blog/serverless-analytics': ['/docs/getting-started', '/products', '/blog'],
  '/docs': ['/docs/getting-started', '/pricing', '/'],
  '/docs/getting-started': ['/signup', '/docs', '/pricing'],
  '/contact': ['/', '/about'],
  '/signup': ['/pricing', '/'],
};

interface Source {
  weight: number;
  referrer?: { origin: string; path: string };
  utm?: PageViewMessage['utm'];
  entries: string[];
}
const SOURCES: Source[] = [
  { weight: 34, entries: ['/', '/', '/pricing', '/docs'] },
  { weight: 30, referrer: { origin: 'https://www.google.com', path: '/' }, entries: ['/', '/blog/first-party-cookies', '/blog/serverless-analytics', '/docs/getting-started', '/pricing'] },
  { weight: 7, referrer: { origin: 'https://duckduckgo.com', path: '/' }, entries: ['/', '/blog/first-party-cookies', '/docs'] },
  { weight: 8, referrer: { origin: 'https://news.ycombinator.com', path: '/item' }, entries: ['/blog/serverless-analytics'] },
  { weight: 5, referrer: { origin: 'https://github.com', path: '/visitor-gate' }, entries: ['/', '/docs/getting-started'] },
  { weight: 8, utm: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch' }, entries: ['/products', '/pricing'] },
  { weight: 5, referrer: { origin: 'https://t.co', path: '/' }, utm: { utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch-week' }, entries: ['/', '/blog/serverless-analytics'] },
  { weight: 3, referrer: { origin: 'https://www.google.com', path: '/' }, utm: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'brand' }, entries: ['/', '/pricing'] },
];
const DEVICE_CLASSES: Array<{ weight: number; device: PageViewMessage['device'] }> = [
  { weight: 30, device: { browser: 'chrome', os: 'windows', type: 'desktop' } },
  { weight: 20, device: { browser: 'safari', os: 'ios', type: 'mobile' } },
  { weight: 16, device: { browser: 'chrome', os: 'android', type: 'mobile' } },
  { weight: 12, device: { browser: 'safari', os: 'macos', type: 'desktop' } },
  { weight: 8, device: { browser: 'firefox', os: 'windows', type: 'desktop' } },
  { weight: 6, device: { browser: 'edge', os: 'windows', type: 'desktop' } },
  { weight: 5, device: { browser: 'firefox', os: 'linux', type: 'desktop' } },
  { weight: 3, device: { browser: 'chrome', os: 'macos', type: 'desktop' } },
];

function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  let left = random() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items[items.length - 1] as T;
}

function opaqueId(random: Random): string {
  const bytes = Buffer.alloc(16);
  for (let index = 0; index < 16; index += 1) bytes[index] = Math.floor(random() * 256);
  return bytes.toString('base64url');
}

/** Relative traffic of an hour of the day (UTC): quiet at night, a peak mid-afternoon. */
const hourWeight = (hour: number) => 0.15 + Math.max(0, Math.sin(((hour - 6) / 18) * Math.PI));

export interface DemoTrafficOptions {
  /** The newest view is before this instant (epoch ms). */
  now: number;
  /** Days back from `now` (the consumer refuses views older than RETENTION_DAYS). */
  days?: number;
  /** Sessions on an average weekday at the end of the period. */
  sessionsPerDay?: number;
}

export interface DemoTraffic {
  views: PageViewMessage[];
  sessions: number;
  devices: number;
}

/** The demo's page views, in time order. */
export function demoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const days = options.days ?? DEMO_DAYS;
  const perDay = options.sessionsPerDay ?? 90;
  const firstDay = Math.floor(options.now / DAY_MS) - days + 1;
  const views: PageViewMessage[] = [];
  const known: Array<{ deviceId: string; device: PageViewMessage['device'] }> = [];
  let sessions = 0;
  for (let offset = 0; offset < days; offset += 1) {
    const dayStart = (firstDay + offset) * DAY_MS;
    // The same calendar day gets the same traffic, whenever the seed runs.
    const random = seededRandom(SEED + firstDay + offset);
    const weekday = new Date(dayStart).getUTCDay();
    const weekly = weekday === 0 || weekday === 6 ? 0.55 : 1;
    const growth = 0.7 + (0.3 * offset) / Math.max(1, days - 1);
    const count = Math.round(perDay * weekly * growth * (0.85 + random() * 0.3));
    const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, weight: hourWeight(hour) }));
    for (let index = 0; index < count; index += 1) {
      let ts = dayStart + weighted(random, hours).hour * 3_600_000 + Math.floor(random() * 3_600_000);
      if (ts >= options.now - 60_000) continue; // not in the future
      const returning = known.length > 0 && random() < 0.3;
      const visitor = returning ? pick(random, known) : { deviceId: opaqueId(random), device: weighted(random, DEVICE_CLASSES).device };
      if (!returning) known.push(visitor);
      const source = returning && random() < 0.6 ? (SOURCES[0] as Source) : weighted(random, SOURCES);
      const sessionId = opaqueId(random);
      sessions += 1;
      let path = pick(random, source.entries);
      // 40 % bounce; the others go on with a chance to stop after each view.
      let length = 1;
      if (random() >= 0.4) while (length < 12 && (length === 1 || random() < 0.65)) length += 1;
      for (let step = 0; step < length; step += 1) {
        views.push({
          type: 'page_view',
          v: 1,
          id: opaqueId(random),
          deviceId: visitor.deviceId,
          sessionId,
          sessionStarted: step === 0,
          ts,
          path,
          ...(step === 0 && source.referrer ? { referrer: source.referrer } : {}),
          ...(step === 0 && source.utm ? { utm: source.utm } : {}),
          device: visitor.device,
        });
        ts += Math.round(8_000 * Math.exp(random() * Math.log(40))); // 8 s .. 5 min, log-uniform
        if (ts >= options.now - 60_000) break;
        path = pick(random, LINKS[path] ?? ['/']);
      }
    }
  }
  views.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  return { views, sessions, devices: known.length };
}

/** Lambda SQS events of at most `batchSize` messages, each a version 2 body of up to `perBody` views. */
export function demoEvents(views: readonly PageViewMessage[], batchSize = 100, perBody = 10): SQSEvent[] {
  const queue = { queueArn: `arn:aws:sqs:${LOCAL_API.region}:${LOCAL_API.accountId}:demo-traffic`, region: LOCAL_API.region };
  const messages = [];
  const size = Math.min(perBody, MAX_MESSAGES_PER_BODY);
  for (let index = 0; index < views.length; index += size) {
    const sent = String(views[index]?.ts ?? 0);
    messages.push({
      MessageId: `demo-${index}`,
      ReceiptHandle: `demo-${index}`,
      Body: queueBody(views.slice(index, index + size).map((view) => JSON.stringify(view))),
      Attributes: { SentTimestamp: sent, ApproximateFirstReceiveTimestamp: sent },
    });
  }
  const events: SQSEvent[] = [];
  for (let index = 0; index < messages.length; index += batchSize) events.push(toSqsEvent(messages.slice(index, index + batchSize), queue));
  return events;
}

export type ConsumerInvoke = (event: SQSEvent) => Promise<unknown>;

/**
 * Runs the events through the consumer, as the event source mapping would: records reported failed
 * are sent again (up to 3 times, then it throws; nothing is dropped silently).
 */
export async function feedConsumer(events: readonly SQSEvent[], invoke: ConsumerInvoke): Promise<void> {
  for (const event of events) {
    let records = event.Records;
    for (let attempt = 1; records.length > 0; attempt += 1) {
      const response = (await invoke({ Records: records })) as { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined;
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      records = records.filter((record) => failed.has(record.messageId));
      if (records.length > 0 && attempt >= 3) throw new Error(`the consumer failed ${records.length} demo messages 3 times`);
    }
  }
}

/** The demo's days: DEMO_DAYS, fewer when RETENTION_DAYS would make the consumer refuse the oldest views. */
export function demoDays(env: Env): number {
  const retentionDays = readEnv(FUNCTION_SETTINGS.retentionDays, env, [], 'consumer');
  return Math.max(1, Math.min(DEMO_DAYS, retentionDays - 1));
}

/** Generates the demo traffic up to now and runs it through the consumer. The same day, a second run changes nothing (ids repeat). */
export async function seedDemoTraffic(invoke: ConsumerInvoke, env: Env = process.env, now = Date.now()): Promise<DemoTraffic & { days: number }> {
  const days = demoDays(env);
  const traffic = demoTraffic({ now, days });
  await feedConsumer(demoEvents(traffic.views), invoke);
  return { ...traffic, days };
}
