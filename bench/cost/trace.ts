/**
 * The synthetic month-shaped trace `npm run bench:cost` drives the authorizer with: human sessions of
 * about 4 page views (1 + geometric, mean 4) with 5 s to 5 min between views (log-uniform), a share of
 * returning visitors (a second or third session 40 min to 3 h after the last one, past the 30-minute
 * session timeout, with the cookie kept), a share of visitors sending `Sec-GPC: 1`, and crawler
 * requests (bot user agents, no cookie). Pure and seeded: the same seed gives the same trace.
 */
import type { Random } from '../../harness/seeded-random';

export type VisitorKind = 'human' | 'gpc' | 'bot';

export interface TraceRequest {
  /** Milliseconds after the trace's start. */
  readonly at: number;
  /** Index of the visitor (its cookie jar); bots never keep a cookie. */
  readonly visitor: number;
  readonly kind: VisitorKind;
  readonly path: string;
  readonly query?: string;
  readonly referer?: string;
}

export interface TraceShape {
  /** Visitors (humans, GPC included) whose first session starts within `spanSeconds`. */
  readonly visitors: number;
  readonly spanSeconds: number;
  readonly meanViewsPerSession: number;
  readonly minGapSeconds: number;
  readonly maxGapSeconds: number;
  /** Share of visitors who come back (2 or 3 sessions). */
  readonly returningShare: number;
  /** Share of visitors sending Sec-GPC: 1. */
  readonly gpcShare: number;
  /** Share of all requests that come from crawlers. */
  readonly botShare: number;
}

export const TRACE_SHAPE: TraceShape = {
  visitors: 1200,
  spanSeconds: 2 * 3600,
  meanViewsPerSession: 4,
  minGapSeconds: 5,
  maxGapSeconds: 300,
  returningShare: 0.3,
  gpcShare: 0.05,
  botShare: 0.1,
};

export const HUMAN_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
] as const;
export const BOT_USER_AGENT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const PATHS = ['/', '/pricing', '/docs', '/docs/start', '/docs/api', '/blog', '/blog/cookies', '/blog/serverless', '/about', '/features', '/customers'];
const REFERERS = ['https://www.google.com/', 'https://news.ycombinator.com/item?id=1', 'https://duckduckgo.com/'];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

function viewsInSession(random: Random, mean: number): number {
  // 1 + geometric (failures before success) with p = 1/mean: mean `mean`, a long tail.
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - p));
}

function gapMs(random: Random, shape: TraceShape): number {
  const { minGapSeconds: min, maxGapSeconds: max } = shape;
  return Math.round(1000 * min * Math.exp(random() * Math.log(max / min)));
}

export function generateTrace(random: Random, shape: TraceShape = TRACE_SHAPE): TraceRequest[] {
  const requests: TraceRequest[] = [];
  for (let visitor = 0; visitor < shape.visitors; visitor += 1) {
    const kind: VisitorKind = random() < shape.gpcShare ? 'gpc' : 'human';
    const sessions = random() < shape.returningShare ? 2 + Math.floor(random() * 2) : 1;
    let at = Math.round(random() * shape.spanSeconds * 1000);
    for (let session = 0; session < sessions; session += 1) {
      const views = viewsInSession(random, shape.meanViewsPerSession);
      for (let view = 0; view < views; view += 1) {
        if (view > 0) at += gapMs(random, shape);
        const first = view === 0;
        requests.push({
          at,
          visitor,
          kind,
          path: pick(random, PATHS),
          ...(first && random() < 0.2 ? { query: 'utm_source=newsletter&utm_medium=email' } : {}),
          ...(first && random() < 0.5 ? { referer: pick(random, REFERERS) } : {}),
        });
      }
      at += Math.round((40 + random() * 140) * 60_000);
    }
  }
  const humanRequests = requests.length;
  const bots = Math.round((humanRequests * shape.botShare) / (1 - shape.botShare));
  for (let bot = 0; bot < bots; bot += 1) {
    requests.push({ at: Math.round(random() * shape.spanSeconds * 1000), visitor: -1 - bot, kind: 'bot', path: pick(random, PATHS) });
  }
  return requests.sort((a, b) => a.at - b.at);
}
