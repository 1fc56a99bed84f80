/**
 * The replay steps of docs/operations.md, run exactly as written against `npm start`: page views
 * the authorizer could not publish are kept in the data folder, and the documented command sends them.
 * SQS refuses them here because the test shrinks the queue's MaximumMessageSize below their size (a
 * real SQS answer, InvalidParameterValue), then restores it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSqsClient, loopbackEndpointOf } from '../../local-runtime/aws-clients';
import { readRuntimeInfo } from '../../local-runtime/runtime-file';
import { UNPUBLISHED_LOG_FILE, scanUnpublishedLog } from '../../local-runtime/unpublished-log';
import {
  REPO_ROOT,
  cookiePair,
  eventually,
  newDataDir,
  removeDataDir,
  startLocalProcess,
  testEnv,
  visit,
  type CommandResult,
  type LocalProcess,
} from './local-runtime-process';

/** The commands in the replay section of docs/operations.md, as written after `$ `. */
function documentedCommands(): string[] {
  const operations = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
  const start = operations.indexOf('## Replaying page views that could not be queued');
  const end = operations.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(-1);
  return [...operations.slice(start, end).matchAll(/^\$ (.+)$/gm)].map((match) => match[1] ?? '');
}

/** Runs a documented command line as a shell would (the repository as working directory). */
function runDocumented(command: string, env: Record<string, string>): Promise<CommandResult> {
  const [program = '', ...args] = command.split(' ');
  const child = spawn(program, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code, stdout, stderr })));
}

let dataDir: string;
let local: LocalProcess | undefined;

beforeAll(() => {
  dataDir = newDataDir();
});

afterAll(async () => {
  await local?.stop();
  removeDataDir(dataDir);
});

describe('the replay steps in docs/operations.md', () => {
  it('recover page views SQS refused, with no shell plumbing, once', async () => {
    const commands = documentedCommands();
    expect(commands).toEqual(['npm run replay']);
    const [replay = ''] = commands;

    local = await startLocalProcess(testEnv(dataDir));
    const info = readRuntimeInfo(dataDir);
    if (!info) throw new Error('npm start wrote no runtime.json');
    const sqs = localSqsClient(loopbackEndpointOf(info.queueUrl));
    const maxMessageSize = (bytes: number) =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: info.queueUrl, Attributes: { MaximumMessageSize: String(bytes) } }));
    try {
      await maxMessageSize(1_024);
      const longPath = `/long/${'x'.repeat(1_500)}`;
      const first = await visit(local.frontDoorUrl, longPath);
      const cookie = cookiePair(first.setCookies) ?? '';
      const second = await visit(local.frontDoorUrl, `${longPath}?again`, { cookie });
      // Both answered normally: the visitor never notices, and the views are kept for replay.
      expect([first.status, second.status]).toEqual([404, 404]);
      const deviceId = first.receivedDeviceId;
      expect(second.receivedDeviceId).toBe(deviceId);
      // Views are sent after the response (held up to a few hundred ms): the queue keeps refusing until
      // both refusals are on record in the data folder.
      const kept = join(dataDir, UNPUBLISHED_LOG_FILE);
      await eventually('2 replay records kept', async () =>
        existsSync(kept) && scanUnpublishedLog(readFileSync(kept, 'utf8')).messages.length === 2 ? true : undefined,
      );
      await maxMessageSize(262_144);

      const replayed = await runDocumented(replay, { DATA_DIR: dataDir });
      expect(replayed.stderr).not.toContain('npm run replay:');
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain(`found 2 unpublished message(s) in ${join(dataDir, UNPUBLISHED_LOG_FILE)}: 2 to send`);
      expect(replayed.stdout).toContain(`sent 2 to ${info.queueUrl}`);
      await eventually('the 2 replayed views', async () => ((await local?.device(deviceId))?.device.pageViews === 2 ? true : undefined));

      // Sent records are not found again.
      const again = await runDocumented(replay, { DATA_DIR: dataDir });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('found 0 unpublished message(s)');
    } finally {
      sqs.destroy();
    }
    expect(await local.stop()).toBe(0);
  }, 150_000);
});
