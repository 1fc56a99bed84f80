/**
 * The publisher the authorizer uses when something runs its work after the response (the internal
 * extension on Lambda, the local runtime's lifecycle): `publish` only holds the view, and
 * `afterInvocation` (after the response has gone) sends what is due, the views held together in one
 * message body (version 2, queue-body.ts; up to 100 views or 64 KiB). What SQS refuses or never
 * confirms is handed to `onUnsent`, which writes replay records: an accepted view is sent, or logged
 * for `npm run replay`, never silently dropped.
 */
import type { QueueMessage } from '../contract/page-view-message';
import { queueBody } from '../contract/queue-body';
import { HOLD_LIMITS, HeldPageViews, type HeldView, type HoldLimits } from './held-page-views';
import type { PageViewPublisher } from './page-view-publisher';
import type { BodySender } from './sqs-page-view-publisher';

/** Receives views that could not be sent, with why. Must not throw. */
export type UnsentSink = (messages: readonly QueueMessage[], error: unknown) => void;

export interface BatchingPublisherOptions {
  /** Sends one message body (sqs-page-view-publisher.ts); a rejection leaves its views to `onUnsent`. */
  readonly send: BodySender;
  readonly onUnsent: UnsentSink;
  readonly clock?: () => number;
  readonly limits?: HoldLimits;
}

/** Weight of the newest interval between invocations in the expected gap (exponential average). */
const GAP_SMOOTHING = 0.5;

export class BatchingPageViewPublisher implements PageViewPublisher {
  private readonly held: HeldPageViews;
  private readonly inFlight = new Set<HeldView>();
  private readonly clock: () => number;
  private lastInvocationAt: number | undefined;
  private expectedGapMs: number | undefined;

  constructor(private readonly options: BatchingPublisherOptions) {
    this.held = new HeldPageViews(options.limits ?? HOLD_LIMITS);
    this.clock = options.clock ?? Date.now;
  }

  /** Views held (not yet handed to SQS). */
  get heldCount(): number {
    return this.held.count;
  }

  /** Holds the view; it leaves after the response (`afterInvocation`), or at shutdown (`flushHeld`). */
  publish(message: QueueMessage): Promise<void> {
    this.held.add(message, this.clock());
    return Promise.resolve();
  }

  /**
   * Called once after every invocation's response (tracked or not): sends what is due. The interval
   * between calls is how soon this environment expects its next invocation.
   */
  async afterInvocation(): Promise<void> {
    const now = this.clock();
    if (this.lastInvocationAt !== undefined) {
      const gap = now - this.lastInvocationAt;
      this.expectedGapMs = this.expectedGapMs === undefined ? gap : this.expectedGapMs + GAP_SMOOTHING * (gap - this.expectedGapMs);
    }
    this.lastInvocationAt = now;
    if (this.held.due(now, this.expectedGapMs)) await this.flushHeld();
  }

  /** Sends everything held, one request per full message body, concurrently. */
  async flushHeld(): Promise<void> {
    const sends: Promise<void>[] = [];
    while (this.held.count > 0) sends.push(this.sendBatch(this.held.takeBatch()));
    await Promise.all(sends);
  }

  /**
   * Shutdown (SIGTERM on Lambda, Ctrl-C locally): sends everything held, and whatever is not confirmed
   * within `budgetMs` goes to `onUnsent`.
   */
  async shutdown(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, budgetMs);
    });
    try {
      await Promise.race([this.flushHeld(), deadline]);
    } finally {
      clearTimeout(timer);
    }
    this.abandon(new Error(`not confirmed by SQS within the ${budgetMs} ms shutdown budget`));
  }

  /**
   * Gives up on everything held or still in flight (shutdown deadline): each goes to `onUnsent`, and a
   * send that completes later reports nothing more. A view SQS did receive may then be replayed too;
   * the consumer counts each view id once.
   */
  abandon(reason: unknown): void {
    const views = [...this.inFlight, ...this.held.takeAll()];
    this.inFlight.clear();
    if (views.length > 0) this.options.onUnsent(views.map((view) => view.message), reason);
  }

  private async sendBatch(batch: readonly HeldView[]): Promise<void> {
    for (const view of batch) this.inFlight.add(view);
    let unsent: readonly HeldView[] = [];
    let error: unknown;
    try {
      await this.options.send(queueBody(batch.map((view) => view.body)));
    } catch (cause) {
      unsent = batch;
      error = cause;
    }
    // Views `abandon` already reported are no longer in flight.
    const stillOurs = unsent.filter((view) => this.inFlight.has(view));
    for (const view of batch) this.inFlight.delete(view);
    if (stillOurs.length > 0) this.options.onUnsent(stillOurs.map((view) => view.message), error);
  }
}
