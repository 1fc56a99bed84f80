/**
 * Finds the queue messages the authorizer could not send: each is one structured log record carrying
 * `"replayMarker": "visitor-gate.unpublished-message"` and the whole message under `queueMessage`.
 * Lines may carry a prefix before the JSON (CloudWatch Logs exports add timestamp and request id).
 */
import { parseQueueMessage, type QueueMessage } from '../../lambdas/shared/page-view-message';

export const REPLAY_MARKER = 'visitor-gate.unpublished-message';

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
