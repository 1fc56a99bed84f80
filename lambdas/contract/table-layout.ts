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
 * device and session item; an item without `v` is layout 1 (no `pages`, no visit days). A reader
 * outside this code base (the Python example in `examples/python/`) checks it, so a change in an
 * attribute's meaning bumps it.
 */
export const TABLE_LAYOUT_VERSION = 2;

/** Attributes every written item carries besides its state (docs/data-model.md). */
export const ITEM_ATTRIBUTES = {
  layoutVersion: 'v',
  /** Random token of the write that last stored the item: how a retried write recognises its own. */
  writeToken: 'w',
  /** Device: token of the write that set `firstSeen`. */
  firstSeenBy: 'fsw',
  /** Device: one attribute per recent visit day, `vd#<YYYY-MM-DD>`, valued with the token that added it. */
  visitDayPrefix: 'vd#',
  /** Session: `lastActivity` and `exitPath` as they were before the last append (for its statistics). */
  previousLastActivity: 'pl',
  previousExitPath: 'pe',
} as const;

/**
 * A counted cookieless view's marker (`pk = VIEW#<id>`, `sk = COOKIELESS`, only `expiresAt`): how a
 * redelivered `cookieless_view` is recognised, since it has no session to be deduplicated in.
 */
export const COOKIELESS_MARKER_PREFIX = 'VIEW#';
export const COOKIELESS_MARKER_SORT_KEY = 'COOKIELESS';
