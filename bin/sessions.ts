/**
 * `npm run sessions -- <deviceId>`: a device and its sessions (newest first) as JSON, times in ISO 8601.
 * `npm run sessions -- --recent [limit]`: recently seen devices.
 * Reads the DynamoDB Local of a running `npm start`, or starts one on the data folder for the command.
 */
import { getDevice, listRecentDevices } from '../lambdas/read-api/device-reader';
import { openLocalTable, withIsoTimes } from '../local-runtime/table-access';
import { readLocalSettings } from '../local-runtime/settings';

const USAGE = `Usage: npm run sessions -- <deviceId>
       npm run sessions -- --recent [limit]`;

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run sessions: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [first, second] = args;
  if (!first || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    if (!first) process.exitCode = 2;
    return;
  }
  const recent = first === '--recent';
  const limit = recent && second !== undefined ? Number(second) : 20;
  if (!Number.isInteger(limit) || limit < 1) fail(`limit must be a positive whole number, got "${second}"`, 2);

  const settings = readLocalSettings();
  const table = await openLocalTable(settings);
  process.stderr.write(`reading table ${table.tableName} from ${table.source}\n`);
  try {
    if (recent) {
      const devices = await listRecentDevices({ client: table.client, tableName: table.tableName, limit });
      process.stdout.write(`${JSON.stringify(withIsoTimes(devices), null, 2)}\n`);
      return;
    }
    const record = await getDevice(first, { client: table.client, tableName: table.tableName });
    if (!record) {
      process.exitCode = 1;
      process.stderr.write(`no device ${first} in table ${table.tableName}\n`);
      return;
    }
    process.stdout.write(`${JSON.stringify(withIsoTimes(record), null, 2)}\n`);
  } finally {
    await table.close();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
