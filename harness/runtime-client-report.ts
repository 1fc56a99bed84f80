/**
 * What the runtime client (runtime-client.mjs, run by plain Node, which strips these types) measured in
 * the function's process, reported to the harness (lambda-runtime-api.ts) as headers of its response POST.
 */
/** Milliseconds from the event's body being read to the response POST being handed to the socket. */
export const CLIENT_ELAPSED_MS_HEADER = 'Lambda-Runtime-Client-Elapsed-Ms';
/** HTTP requests the function created in that time to anything but the Runtime API (the page waited for them). */
export const CLIENT_OUTGOING_REQUESTS_HEADER = 'Lambda-Runtime-Client-Outgoing-Requests';

/** The two figures, as the harness reads them. */
export interface ClientReport {
  readonly elapsedMs: number;
  readonly outgoingRequests: number;
}
