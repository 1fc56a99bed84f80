/**
 * The one DynamoDB table's key layout, shared by the aggregator, the read API and the CDK stack (so
 * the deployed table and the local one are created from the same names).
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** TTL attribute, epoch seconds; DynamoDB deletes expired items best effort (often up to 48 h late). */
  ttlAttribute: 'expiresAt',
} as const;
