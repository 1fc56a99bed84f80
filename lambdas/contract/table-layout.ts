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

/**
 * Version of the items' layout (docs/data-model.md, "Table layout"), stored as attribute `v` on every
 * device and session item; an item without `v` is layout 1. A reader outside this code base (the
 * Python example in `examples/python/`) checks it, so a change in an attribute's meaning bumps it.
 */
export const TABLE_LAYOUT_VERSION = 2;
