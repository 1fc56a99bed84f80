/**
 * `npm run replay [-- <log file>]`: sends again the queue messages the authorizer logged when it could not
 * publish them. Without a file it reads what `npm start` kept in the data folder
 * (`DATA_DIR/unpublished-messages.log`) and empties it once sent; a file (say, an export of the deployed
 * authorizer's log group) is only read. Safe to repeat: duplicates within the input are sent once, and
 * the consumer counts each message id once, so views that did arrive are not counted twice.
 * With `npm start` running they go to its queue; otherwise they wait in the data folder and are sent
 * when `npm start` next starts.
 */
import { existsSync, readFileSync, renameSync, rmSync, appendFileSync } from 'node:fs';
import { localSqsClient, loopbackEndpointOf } from '../local-runtime/aws-clients';
import { readLocalSettings } from '../local-runtime/settings';
import { pendingMessagesPath, readPendingMessages, sendBodies, writePendingMessages } from '../local-runtime/pending-messages';
import { readRuntimeInfo } from '../local-runtime/runtime-file';
import { scanUnpublishedLog, unpublishedLogPath } from '../local-runtime/unpublished-log';

const USAGE = `Usage: npm run replay [-- <log file>]

Without a file: the records npm start kept in DATA_DIR/unpublished-messages.log (emptied once sent).`;

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run replay: ${message}\n`);
  process.exit(code);
}

/**
 * The data folder's records, taken over under another name first so that records `npm start` appends
 * meanwhile stay for the next replay. A claim left by an interrupted replay is read again.
 */
function claimKeptRecords(path: string): { claimed: string; text: string } {
  const claimed = `${path}.replaying`;
  if (existsSync(path)) {
    if (existsSync(claimed)) {
      const moved = `${path}.${process.pid}`;
      renameSync(path, moved);
      appendFileSync(claimed, readFileSync(moved));
      rmSync(moved);
    } else {
      renameSync(path, claimed);
    }
  }
  return { claimed, text: existsSync(claimed) ? readFileSync(claimed, 'utf8') : '' };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.length > 1) {
    process.stdout.write(`${USAGE}\n`);
    if (args.length > 1) process.exitCode = 2;
    return;
  }
  const settings = readLocalSettings();
  const [file] = args;
  let source: string;
  let text: string;
  let claimed: string | undefined;
  if (file === undefined) {
    source = unpublishedLogPath(settings.dataDir);
    ({ claimed, text } = claimKeptRecords(source));
  } else {
    source = file;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      fail(`cannot read ${file}: ${(error as Error).message}`);
    }
  }

  const scan = scanUnpublishedLog(text);
  const bodies = scan.messages.map((message) => JSON.stringify(message));
  const line = (text: string) => process.stdout.write(`${text}\n`);
  line(
    `found ${scan.found} unpublished message(s) in ${source}: ${scan.messages.length} to send, ` +
      `${scan.duplicatesInFile} duplicate(s) within the file skipped, ${scan.invalid} invalid skipped`,
  );
  // Sent, or kept for the next start: the claimed copy is no longer needed (on failure it stays, and is read again).
  const done = () => {
    if (claimed !== undefined) rmSync(claimed, { force: true });
  };
  if (bodies.length === 0) {
    done();
    return;
  }

  const running = readRuntimeInfo(settings.dataDir);
  if (running) {
    const client = localSqsClient(loopbackEndpointOf(running.queueUrl));
    try {
      const sent = await sendBodies(client, running.queueUrl, bodies);
      line(`sent ${sent} to ${running.queueUrl}; the consumer skips any whose id it already counted`);
    } finally {
      client.destroy();
    }
    done();
    return;
  }
  const path = pendingMessagesPath(settings.dataDir);
  const pending = readPendingMessages(path);
  writePendingMessages(path, { ...pending, queue: [...pending.queue, ...bodies] });
  done();
  line(`npm start is not running: queued ${bodies.length} in ${path}; they are sent when npm start next starts`);
}

main().catch((error: unknown) => fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
