/**
 * `npm run seed-demo`: fills the local table with a few weeks of synthetic traffic (local-runtime/demo-traffic.ts)
 * through the real consumer handler, so that `npm run dashboard` (or the dashboard of `npm start`) has
 * something to show. Local only: it never writes to a deployed table.
 */
import { applyConsumerEnvironment } from '../local-runtime/aws-clients';
import { seedDemoTraffic } from '../local-runtime/demo-traffic';
import { loadLocalLambda } from '../local-runtime/lambda-runtime';
import { AGGREGATOR_MODULE } from '../local-runtime/pipeline';
import { openLocalTable } from '../local-runtime/table-access';
import { readLocalSettings } from '../local-runtime/settings';
import type { SQSEvent } from 'aws-lambda';

const USAGE = `Usage: npm run seed-demo

Writes a few weeks of synthetic page views (ending now) to the local table through the real consumer: the
table of a running npm start, or the data folder's (DATA_DIR). Run again the same day, it changes nothing.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.length > 0) {
    process.stderr.write(`npm run seed-demo: unknown argument ${args.join(' ')}\n${USAGE}\n`);
    process.exit(2);
  }
  const settings = readLocalSettings();
  const table = await openLocalTable(settings);
  try {
    process.stderr.write(`writing to table ${table.tableName} from ${table.source}\n`);
    applyConsumerEnvironment({ tableName: table.tableName, dynamoDbEndpoint: table.localEndpoint ?? '' });
    const consumer = await loadLocalLambda<SQSEvent, unknown>(AGGREGATOR_MODULE, 'visitor-gate-aggregator', settings.consumerTimeoutSeconds * 1000);
    const seeded = await seedDemoTraffic((event) => consumer.invoke(event));
    process.stdout.write(
      `seed-demo: ${seeded.views.length} page views, ${seeded.sessions} sessions, ${seeded.devices} devices over ${seeded.days} days ` +
        `in table ${table.tableName}; see them with npm run dashboard (or the dashboard URL in npm start's ready line)\n`,
    );
  } finally {
    await table.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run seed-demo: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
