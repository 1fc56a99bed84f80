/**
 * A model of the Lambda event source mapping (ESM) polling an SQS standard queue, for `bench:cost`.
 * AWS does not publish the pollers' internals; the model follows what it does document:
 *
 * - Pollers long-poll (20 s) with ReceiveMessage for up to 10 messages; an empty long poll is still a
 *   billed request. A receive returns as soon as a message is available (plus one round trip).
 * - Standard mode starts with 5 pollers and, when traffic is low, scales down to as few as 2, unless a
 *   maximum concurrency is set (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html):
 *   `minPollers` is 5 with `MaximumConcurrency`, else 2. Above that, one poller per `messagesPerPoller`
 *   messages a second (a provisioned-mode poller does up to 10 polls a second, so at most 100 messages;
 *   the model keeps them half busy). Messages are spread over the pollers at random.
 * - Each poller gathers received messages into a batch and invokes the function when the batch holds
 *   `batchSize` messages, reaches the 6 MB payload limit, or `windowSeconds` after its first message.
 * - After a successful invocation the ESM deletes the batch with DeleteMessageBatch, 10 ids per call.
 */
import type { Random } from '../../harness/seeded-random';

export interface EsmSettings {
  readonly batchSize: number;
  readonly windowSeconds: number;
  /** 5 when the mapping has a maximum concurrency, else 2. */
  readonly minPollers: number;
}

export const ESM_MODEL = {
  longPollMs: 20_000,
  roundTripMs: 20,
  messagesPerPoller: 50,
  maxBatchBytes: 6 * 1024 * 1024,
  deleteBatchSize: 10,
  receiveMax: 10,
} as const;

export interface Arrival {
  readonly at: number;
  readonly bytes: number;
  /** Index of a sampled (real) message; background arrivals have none. */
  readonly sample?: number;
}

export interface Batch {
  readonly closeAt: number;
  readonly count: number;
  readonly bytes: number;
  readonly samples: number[];
}

export interface PollerTotals {
  receives: number;
  emptyReceives: number;
  deletes: number;
  /** Billed 64 KiB units of the receives' responses beyond the first (large batches of messages). */
  receiveExtraUnits: number;
  batches: Batch[];
  messages: number;
}

export function pollersFor(messagesPerSecond: number, settings: EsmSettings): number {
  return Math.max(settings.minPollers, Math.ceil(messagesPerSecond / ESM_MODEL.messagesPerPoller));
}

/** A time-ordered stream: the sampled arrivals merged with lazily drawn Poisson background arrivals. */
class ArrivalStream {
  private nextBackground: number;
  private sampleIndex = 0;

  constructor(
    private readonly samples: readonly Arrival[],
    private readonly random: Random,
    private readonly backgroundPerSecond: number,
    private readonly backgroundBytes: number,
  ) {
    this.nextBackground = this.draw(0);
  }

  private draw(from: number): number {
    return this.backgroundPerSecond > 0 ? from + (-Math.log(1 - this.random()) / this.backgroundPerSecond) * 1000 : Number.POSITIVE_INFINITY;
  }

  /** Time of the next arrival (Infinity when none). */
  peek(): number {
    return Math.min(this.samples[this.sampleIndex]?.at ?? Number.POSITIVE_INFINITY, this.nextBackground);
  }

  take(): Arrival {
    const sample = this.samples[this.sampleIndex];
    if (sample && sample.at <= this.nextBackground) {
      this.sampleIndex += 1;
      return sample;
    }
    const arrival = { at: this.nextBackground, bytes: this.backgroundBytes };
    this.nextBackground = this.draw(this.nextBackground);
    return arrival;
  }
}

/** One poller over its stream of arrivals, from time 0 to `horizonMs`. */
function simulatePoller(stream: ArrivalStream, horizonMs: number, settings: EsmSettings): PollerTotals {
  const totals: PollerTotals = { receives: 0, emptyReceives: 0, deletes: 0, receiveExtraUnits: 0, batches: [], messages: 0 };
  const windowMs = settings.windowSeconds * 1000;
  let open: { at: number; count: number; bytes: number; samples: number[] } | undefined;
  const close = (at: number) => {
    if (!open) return;
    totals.batches.push({ closeAt: at, count: open.count, bytes: open.bytes, samples: open.samples });
    totals.deletes += Math.ceil(open.count / ESM_MODEL.deleteBatchSize);
    open = undefined;
  };
  let t = 0;
  while (t < horizonMs) {
    if (open && open.at + windowMs <= t) close(open.at + windowMs);
    let returnsAt: number;
    const first = stream.peek();
    if (first <= t) {
      returnsAt = t + ESM_MODEL.roundTripMs;
    } else if (first - t > ESM_MODEL.longPollMs) {
      const until = t + ESM_MODEL.longPollMs;
      if (open && open.at + windowMs <= until) close(open.at + windowMs);
      totals.receives += 1;
      totals.emptyReceives += 1;
      t = until;
      continue;
    } else {
      returnsAt = first + ESM_MODEL.roundTripMs / 2;
    }
    if (open && open.at + windowMs <= returnsAt) close(open.at + windowMs);
    totals.receives += 1;
    let taken = 0;
    let bytes = 0;
    while (taken < ESM_MODEL.receiveMax && stream.peek() <= returnsAt) {
      const arrival = stream.take();
      if (open && open.bytes + arrival.bytes > ESM_MODEL.maxBatchBytes) close(returnsAt);
      open ??= { at: returnsAt, count: 0, bytes: 0, samples: [] };
      open.count += 1;
      open.bytes += arrival.bytes;
      if (arrival.sample !== undefined) open.samples.push(arrival.sample);
      bytes += arrival.bytes;
      taken += 1;
      if (open.count >= settings.batchSize) close(returnsAt);
    }
    totals.receiveExtraUnits += Math.max(0, Math.ceil(bytes / 65_536) - 1);
    totals.messages += taken;
    t = returnsAt;
  }
  close(t);
  return totals;
}

export interface EsmRun {
  readonly pollers: number;
  readonly totals: PollerTotals;
}

/**
 * The whole mapping: `messagesPerSecond` of background traffic plus the sampled messages, spread over
 * the pollers at random; every poller simulated over `horizonMs`.
 */
export function simulateEsm(
  random: Random,
  settings: EsmSettings,
  messagesPerSecond: number,
  horizonMs: number,
  messageBytes: number,
  samples: readonly Arrival[] = [],
): EsmRun {
  const pollers = pollersFor(messagesPerSecond, settings);
  const shares: Arrival[][] = Array.from({ length: pollers }, () => []);
  for (const sample of samples) (shares[Math.floor(random() * pollers)] as Arrival[]).push(sample);
  const totals: PollerTotals = { receives: 0, emptyReceives: 0, deletes: 0, receiveExtraUnits: 0, batches: [], messages: 0 };
  const sampleRate = samples.length / (horizonMs / 1000);
  for (const share of shares) {
    const stream = new ArrivalStream(share, random, Math.max(0, messagesPerSecond - sampleRate) / pollers, messageBytes);
    const one = simulatePoller(stream, horizonMs, settings);
    totals.receives += one.receives;
    totals.emptyReceives += one.emptyReceives;
    totals.deletes += one.deletes;
    totals.receiveExtraUnits += one.receiveExtraUnits;
    totals.messages += one.messages;
    totals.batches.push(...one.batches);
  }
  totals.batches.sort((a, b) => a.closeAt - b.closeAt);
  return { pollers, totals };
}
