/**
 * `npm run forget -- <deviceId>` / `npm run forget -- --user <userId>`: erases a device, or every device
 * linked to a user id, and prints what was erased as JSON.
 * `npm run export -- <deviceId>` / `npm run export -- --user <userId>`: everything held, as JSON
 * (fields: docs/privacy.md).
 * Works on the DynamoDB Local of a running `npm start`, or starts one on the data folder for the command.
 */
import { FUNCTION_SETTINGS, readEnv } from '../lambdas/contract/function-settings';
import { exportDevice, exportUser, forgetDevice, forgetUser, InvalidIdError } from '../lambdas/visitor-rights/device-rights';
import { openLocalTable } from '../local-runtime/table-access';
import { readLocalSettings } from '../local-runtime/settings';

const [action, ...args] = process.argv.slice(2);
const USAGE = `Usage: npm run ${action ?? 'forget'} -- <deviceId>
       npm run ${action ?? 'forget'} -- --user <userId>`;

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run ${action ?? 'forget'}: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  if (action !== 'forget' && action !== 'export') fail(`unknown action ${JSON.stringify(action)}: forget or export`, 2);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    if (args.length === 0) process.exitCode = 2;
    return;
  }
  const user = args[0] === '--user';
  const id = user ? args[1] : args[0];
  if (id === undefined || args.length > (user ? 2 : 1)) fail(`expected one id\n${USAGE}`, 2);

  const problems: string[] = [];
  // The consumer's retention sets how long a tombstone lives (lambdas/aggregation/erasure.ts).
  const retentionDays = readEnv(FUNCTION_SETTINGS.retentionDays, process.env, problems, 'consumer');
  if (problems.length > 0) fail(problems.join('; '), 2);
  const table = await openLocalTable(readLocalSettings());
  process.stderr.write(`${action === 'forget' ? 'erasing from' : 'reading'} table ${table.tableName} from ${table.source}\n`);
  try {
    const rights = { client: table.client, tableName: table.tableName, retentionDays };
    let result: unknown;
    if (action === 'forget') result = user ? await forgetUser(id, rights) : await forgetDevice(id, rights);
    else result = user ? await exportUser(id, rights) : await exportDevice(id, rights);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    if (error instanceof InvalidIdError) fail(error.message, 2);
    throw error;
  } finally {
    await table.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
