/**
 * `npm run dashboard -- [--port <n>] [--table <name> --region <r> | --stack <name> [--region <r>]]`:
 * the statistics dashboard on 127.0.0.1 (never a public endpoint), reading the local table (a running
 * `npm start`'s, which also serves the dashboard itself) or a deployed one with your own AWS credentials.
 */
import { parseArgs } from 'node:util';
import { startDashboard } from '../dashboard/server';
import { openTable, TABLE_TARGET_OPTIONS, TABLE_TARGET_USAGE } from '../local-runtime/table-access';
import { readLocalSettings } from '../local-runtime/settings';

const USAGE = `Usage: npm run dashboard -- [--port <n>] [table options]

Serves the statistics dashboard on http://127.0.0.1:<port>/ (default: a free port) until Ctrl-C.
${TABLE_TARGET_USAGE}`;

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run dashboard: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...TABLE_TARGET_OPTIONS }, strict: true }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be a port number, got "${values.port}"`, 2);

  const settings = readLocalSettings();
  const table = await openTable(values, settings);
  const dashboard = await startDashboard({
    client: table.client,
    tableName: table.tableName,
    source: table.source,
    timeZone: settings.statsTimeZone,
    port,
    onError: (error) => process.stderr.write(`dashboard: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`),
  });
  process.stdout.write(`visitor-gate dashboard: ${dashboard.url} (table ${table.tableName} from ${table.source}) | Ctrl-C stops\n`);
  const stop = () => {
    void dashboard
      .stop()
      .then(() => table.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const known = error instanceof Error && ['TableTargetError', 'LocalSettingsError'].includes(error.name);
  fail(error instanceof Error ? (known ? error.message : `${error.name}: ${error.message}`) : String(error), known ? 2 : 1);
});
