/**
 * Finds the queue messages the authorizer could not send: each is one structured log record carrying
 * `"replayMarker": "visitor-gate.unpublished-message"` and the whole message under `queueMessage`.
 * Lines may carry a prefix before the JSON (CloudWatch Logs exports add timestamp and request id).
 * `npm start` keeps a copy of each such record in the data folder (`keepUnpublishedRecords`).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseQueueMessage, type QueueMessage } from '../lambdas/contract/page-view-message';
import { REPLAY_MARKER } from '../lambdas/contract/replay-record';

/** Where `npm start` keeps the replay records its authorizer logs, and `npm run replay` reads by default. */
export const UNPUBLISHED_LOG_FILE = 'unpublished-messages.log';

export function unpublishedLogPath(dataDir: string): string {
  return join(dataDir, UNPUBLISHED_LOG_FILE);
}

export interface UnpublishedScan {
  /** Log records with the marker. */
  found: number;
  /** Unique, valid messages to send again. */
  messages: QueueMessage[];
  /** Records whose message id was already seen earlier in the file. */
  duplicatesInFile: number;
  /** Records whose message does not pass the queue schema (they would only reach the dead-letter queue). */
  invalid: number;
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{');
  if (start === -1) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(start));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function scanUnpublishedLog(text: string): UnpublishedScan {
  const scan: UnpublishedScan = { found: 0, messages: [], duplicatesInFile: 0, invalid: 0 };
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.includes(REPLAY_MARKER)) continue;
    const record = parseRecord(line);
    if (!record || record.replayMarker !== REPLAY_MARKER) continue;
    scan.found += 1;
    const raw = record.queueMessage;
    const parsed = parseQueueMessage(typeof raw === 'string' ? raw : JSON.stringify(raw ?? null));
    if (!parsed.ok) {
      scan.invalid += 1;
      continue;
    }
    if (seen.has(parsed.message.id)) {
      scan.duplicatesInFile += 1;
      continue;
    }
    seen.add(parsed.message.id);
    scan.messages.push(parsed.message);
  }
  return scan;
}

/** A partial line longer than this is not a replay record worth waiting for (messages are a few KB). */
const MAX_PENDING_LINE = 1_000_000;

/**
 * The authorizer logs its replay records on this process's output (Powertools writes errors to stderr),
 * as in CloudWatch Logs. `npm start` also appends every such line, as written, to `path`, so
 * `npm run replay` finds them in the data folder with no shell plumbing. Synchronous appends: a record
 * is on disk before the request it belongs to is answered. Returns a function that stops the copying.
 */
export function keepUnpublishedRecords(path: string, streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): () => void {
  const restores = streams.map((stream) => {
    const write = stream.write;
    let pending = '';
    const copy = (chunk: unknown) => {
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > MAX_PENDING_LINE) pending = '';
      const records = lines.filter((line) => line.includes(REPLAY_MARKER));
      if (records.length > 0) appendFileSync(path, `${records.join('\n')}\n`);
    };
    stream.write = function (this: NodeJS.WriteStream, ...args: Parameters<NodeJS.WriteStream['write']>) {
      try {
        copy(args[0]);
      } catch {
        // Keeping a copy must never break the output itself; the record still reaches the terminal.
      }
      return write.apply(this, args);
    } as NodeJS.WriteStream['write'];
    return () => {
      stream.write = write;
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}
