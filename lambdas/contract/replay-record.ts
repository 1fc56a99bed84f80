/**
 * A page view the authorizer could not send is logged as one structured record carrying
 * `"replayMarker": REPLAY_MARKER` and the whole queue message under `queueMessage`; `npm run replay`
 * finds records by this marker. Kept apart from the message schema so the authorizer's entry bundle
 * imports a string, not zod.
 */
export const REPLAY_MARKER = 'visitor-gate.unpublished-message';
