/**
 * fauxqs keeps messages in memory only. So that an accepted page view survives a restart, the local
 * runtime saves whatever is still in the queue (and its dead-letter queue) to the data folder when it
 * stops, and sends it again when it starts. Receive counts start over; the consumer deduplicates by
 * message `id`, so a message that was in fact processed is not counted twice.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalSqsServer } from './sqs-server';

export const PENDING_MESSAGES_FILE = 'pending-messages.json';

export interface PendingMessages {
  /** Bodies waiting in (or in flight from) the main queue. */
  queue: string[];
  /** Bodies resting in the dead-letter queue. */
  deadLetter: string[];
}

export function pendingMessagesPath(dataDir: string): string {
  return join(dataDir, PENDING_MESSAGES_FILE);
}

export function readPendingMessages(path: string): PendingMessages {
  if (!existsSync(path)) return { queue: [], deadLetter: [] };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PendingMessages>;
  const bodies = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  return { queue: bodies(parsed.queue), deadLetter: bodies(parsed.deadLetter) };
}

export function writePendingMessages(path: string, pending: PendingMessages): void {
  if (pending.queue.length === 0 && pending.deadLetter.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ savedAt: new Date().toISOString(), ...pending }, null, 2)}\n`);
}

/** Every body in a fauxqs queue: ready, delayed and in flight (not yet deleted). */
export function queueBodies(sqs: LocalSqsServer, queueName: string): string[] {
  const inspected = sqs.server.inspectQueue(queueName);
  if (!inspected) return [];
  const { ready, delayed, inflight } = inspected.messages;
  return [...ready, ...delayed, ...inflight.map((entry) => entry.message)].map((message) => message.body);
}

export async function sendBodies(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<number> {
  let sent = 0;
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const result = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (result.Failed && result.Failed.length > 0) {
      throw new Error(`SQS refused ${result.Failed.length} message(s): ${result.Failed[0]?.Message ?? 'unknown reason'}`);
    }
    sent += chunk.length;
  }
  return sent;
}
