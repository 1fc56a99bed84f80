/**
 * us-east-1 list prices `npm run bench:cost` uses: one dated table, each price with the page it comes
 * from. Free tiers are left out (they are per account, not per pipeline). Re-check the pages and update
 * `PRICES_CHECKED` when AWS changes a price.
 */
export const PRICES_CHECKED = '2026-12-02';

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

const price = (usd: number, unit: string, source: string): Price => ({ usd, unit, source });

const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const SQS = 'https://aws.amazon.com/sqs/pricing/';
const DYNAMODB_ON_DEMAND = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const DYNAMODB_PROVISIONED = 'https://aws.amazon.com/dynamodb/pricing/provisioned/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const SECRETS_MANAGER = 'https://aws.amazon.com/secrets-manager/pricing/';

export const PRICES = {
  httpApiFirst300M: price(1.0, 'per million HTTP API requests (first 300 million a month)', API_GATEWAY),
  httpApiOver300M: price(0.9, 'per million HTTP API requests (over 300 million a month)', API_GATEWAY),
  lambdaRequests: price(0.2, 'per million Lambda invocations', LAMBDA),
  lambdaArmGbSecond: price(0.0000133334, 'per GB-second, arm64 (first 7.5 billion GB-s a month)', LAMBDA),
  sqsStandard: price(0.4, 'per million standard-queue requests; every 64 KiB of a request is one request', SQS),
  dynamoWriteRequest: price(0.625, 'per million on-demand write request units', DYNAMODB_ON_DEMAND),
  dynamoReadRequest: price(0.125, 'per million on-demand read request units', DYNAMODB_ON_DEMAND),
  dynamoWcuHour: price(0.00065, 'per provisioned write capacity unit-hour', DYNAMODB_PROVISIONED),
  dynamoRcuHour: price(0.00013, 'per provisioned read capacity unit-hour', DYNAMODB_PROVISIONED),
  dynamoStorage: price(0.25, 'per GB-month of table storage (Standard class)', DYNAMODB_ON_DEMAND),
  dynamoPitr: price(0.2, 'per GB-month of continuous backup (point-in-time recovery)', DYNAMODB_ON_DEMAND),
  logsIngestion: price(0.5, 'per GB of logs ingested (Standard class; first tier of Lambda logs)', CLOUDWATCH),
  logsStorage: price(0.03, 'per GB-month of logs stored (compressed size; taken 1:1, an upper bound)', CLOUDWATCH),
  customMetric: price(0.3, 'per custom metric-month (first 10,000; prorated by the hour)', CLOUDWATCH),
  alarm: price(0.1, 'per standard-resolution alarm-month', CLOUDWATCH),
  dashboard: price(3.0, 'per dashboard-month (beyond the 3 free per account)', CLOUDWATCH),
  secret: price(0.4, 'per secret-month', SECRETS_MANAGER),
} as const satisfies Record<string, Price>;

/** HTTP API requests are priced in two tiers by monthly volume. */
export function httpApiCost(requestsPerMonth: number): number {
  const first = Math.min(requestsPerMonth, 300e6);
  const rest = Math.max(0, requestsPerMonth - 300e6);
  return (first * PRICES.httpApiFirst300M.usd + rest * PRICES.httpApiOver300M.usd) / 1e6;
}
