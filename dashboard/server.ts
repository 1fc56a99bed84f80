/**
 * The statistics dashboard: a web server on 127.0.0.1 only (never a public endpoint) serving one page
 * (dashboard/page/) and the JSON it draws, read with getStats from whatever table the caller opened:
 * DynamoDB Local under `npm start`, or a deployed table with the operator's own credentials
 * (`npm run dashboard -- --stack ...`). The page's script and its chart library are bundled by esbuild
 * on the first request and kept in memory: nothing is fetched from the network.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { getStats, recentRange, StatsRangeError } from '../lambdas/read-api/stats-reader';
import { calendarDay } from '../lambdas/statistics/calendar-day';
import { closeServer } from '../local-runtime/http-api-front-door';
import { DASHBOARD_ROWS, DEFAULT_DASHBOARD_DAYS, type DashboardConfig } from './page/contract';

const PAGE_DIR = join(import.meta.dirname, 'page');
export const DASHBOARD_HOST = '127.0.0.1';

export interface DashboardOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Where the data comes from, shown on the page. */
  source: string;
  /** STATS_TIME_ZONE: what "today" is. */
  timeZone: string;
  /** 0: a free port. */
  port: number;
  /** Strongly consistent reads (tests). */
  consistentRead?: boolean;
  onError?(error: unknown): void;
}

export interface Dashboard {
  url: string;
  stop(): Promise<void>;
}

let bundle: Promise<string> | undefined;

/** The page's script with chart.js, bundled once per process. */
export function pageScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(PAGE_DIR, 'main.ts')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  // A failed build is retried on the next request instead of being kept.
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const json = (response: ServerResponse, status: number, value: unknown) => send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));

/**
 * Only our own names for the host: a page elsewhere that rebinds its DNS name to 127.0.0.1 would
 * otherwise read the statistics through the visitor's browser.
 */
function hostAllowed(request: IncomingMessage, port: number): boolean {
  return [`${DASHBOARD_HOST}:${port}`, `localhost:${port}`].includes(request.headers.host ?? '');
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  let port = options.port;
  const html = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8');

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!hostAllowed(request, port)) return send(response, 403, 'text/plain', 'unknown host\n');
    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only\n');
    const url = new URL(request.url ?? '/', `http://${DASHBOARD_HOST}`);
    switch (url.pathname) {
      case '/':
        return send(response, 200, 'text/html; charset=utf-8', html);
      case '/page.js':
        return send(response, 200, 'text/javascript; charset=utf-8', await pageScript());
      case '/api/config': {
        const config: DashboardConfig = {
          source: options.source,
          tableName: options.tableName,
          timeZone: options.timeZone,
          today: calendarDay(Date.now(), options.timeZone),
          defaultRange: recentRange(DEFAULT_DASHBOARD_DAYS, options.timeZone),
        };
        return json(response, 200, config);
      }
      case '/api/stats': {
        const range = { from: url.searchParams.get('from') ?? '', to: url.searchParams.get('to') ?? '' };
        try {
          const stats = await getStats(range, { client: options.client, tableName: options.tableName, top: DASHBOARD_ROWS, consistentRead: options.consistentRead });
          return json(response, 200, stats);
        } catch (error) {
          if (error instanceof StatsRangeError) return json(response, 400, { error: error.message });
          options.onError?.(error);
          // Usually the operator's credentials (expired session, missing dynamodb:Query).
          return json(response, 502, { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        }
      }
      default:
        return send(response, 404, 'text/plain', 'not found\n');
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) send(response, 500, 'text/plain', 'dashboard error\n');
      else response.destroy();
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, DASHBOARD_HOST, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${DASHBOARD_HOST}:${port}/`, stop: () => closeServer(server, 500) };
}
