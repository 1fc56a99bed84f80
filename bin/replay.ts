/**
 * `npm run replay -- <log file>`: sends again the queue messages the authorizer logged when SQS was
 * unreachable. Safe to repeat: duplicates within the file are sent once, and the consumer counts each
 * message id once, so views that did arrive are not counted twice.
 * With `npm start` running they go to its queue; otherwise they wait in the data folder and are sent
 * when `npm start` next starts.
 */
import { readFileSync } from 'node:fs';
import { localSqsClient, loopbackEndpointOf } from '../lib/local/local-aws-clients';
import { readLocalSettings } from '../lib/local/local-settings';
import { pendingMessagesPath, readPendingMessages, sendBodies, writePendingMessages } from '../lib/local/pending-messages';
import { readRuntimeInfo } from '../lib/local/runtime-file';
import { scanUnpublishedLog } from '../lib/local/unpublished-log';

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run replay: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (!file || file === '--help' || file === '-h') {
    process.stdout.write('Usage: npm run replay -- <log file>\n');
    if (!file) process.exitCode = 2;
    return;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }

  const scan = scanUnpublishedLog(text);
  const bodies = scan.messages.map((message) => JSON.stringify(message));
  const line = (text: string) => process.stdout.write(`${text}\n`);
  line(
    `found ${scan.found} unpublished message(s) in ${file}: ${scan.messages.length} to send, ` +
      `${scan.duplicatesInFile} duplicate(s) within the file skipped, ${scan.invalid} invalid skipped`,
  );
  if (bodies.length === 0) return;

  const settings = readLocalSettings();
  const running = readRuntimeInfo(settings.dataDir);
  if (running) {
    const client = localSqsClient(loopbackEndpointOf(running.queueUrl));
    try {
      const sent = await sendBodies(client, running.queueUrl, bodies);
      line(`sent ${sent} to ${running.queueUrl}; the consumer skips any whose id it already counted`);
    } finally {
      client.destroy();
    }
    return;
  }
  const path = pendingMessagesPath(settings.dataDir);
  const pending = readPendingMessages(path);
  writePendingMessages(path, { ...pending, queue: [...pending.queue, ...bodies] });
  line(`npm start is not running: queued ${bodies.length} in ${path}; they are sent when npm start next starts`);
}

main().catch((error: unknown) => fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
