/**
 * `npm start [-- --fresh]`: the whole pipeline on this machine. One Ctrl-C stops it cleanly.
 * Settings: environment variables (docs/configuration.md, "Local runtime").
 */
import { readLocalSettings } from '../local-runtime/settings';
import { startLocalRuntime, type LocalRuntime } from '../local-runtime/pipeline';

const USAGE = `Usage: npm start [-- --fresh] [-- --seed-demo]

Runs the front door, the demo origin (unless ORIGIN_URL is set), SQS, DynamoDB Local, the authorizer,
the consumer and the statistics dashboard in one process tree. --fresh starts with an empty data folder
(DATA_DIR); --seed-demo first fills the table with a few weeks of demo traffic (as npm run seed-demo).`;

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

/** Settings and start errors carry messages written for people; anything else shows its name too. */
function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'LocalStartError' || error.name === 'LocalSettingsError' ? error.message : `${error.name}: ${error.message}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const unknown = args.filter((arg) => arg !== '--fresh' && arg !== '--seed-demo');
  if (unknown.length > 0) fail(`unknown argument ${unknown.join(' ')}\n${USAGE}`);

  let settings;
  try {
    settings = readLocalSettings();
  } catch (error) {
    fail(errorMessage(error));
  }

  const line = (text: string) => process.stdout.write(`${text}\n`);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      settings,
      fresh: args.includes('--fresh'),
      seedDemo: args.includes('--seed-demo'),
      progress: (text) => line(`visitor-gate: ${text}`),
      log: line,
    });
  } catch (error) {
    fail(errorMessage(error));
  }

  const { info } = runtime;
  line(
    `visitor-gate ready: front door ${info.frontDoorUrl} -> origin ${info.originUrl} | ` +
      `SQS ${info.sqsEndpoint} (queue ${info.queueUrl}) | DynamoDB ${info.dynamoDbEndpoint} (table ${info.tableName}) | ` +
      `dashboard ${info.dashboardUrl} | data ${settings.dataDir} | Ctrl-C stops`,
  );

  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // npm and tsx may relay the terminal's one Ctrl-C a second time; only a later one means "now".
      if (Date.now() - stoppingSince < 1_500) return;
      line(`visitor-gate: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    line(`visitor-gate: ${signal}, stopping (finishing requests, draining the queue)...`);
    runtime
      .stop()
      .then(() => {
        line('visitor-gate: stopped');
        process.exit(0);
      })
      .catch((error: unknown) => fail(`stopping failed: ${errorMessage(error)}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => fail(errorMessage(error)));
