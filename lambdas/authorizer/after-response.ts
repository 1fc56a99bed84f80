/**
 * Work that runs after the response, between a handler and what drives it: the internal Lambda
 * extension (`lambda-extension-client.ts`) on Lambda, the local runtime's `local-runtime/lambda-runtime.ts` under
 * `npm start` and the end-to-end tests. Both run the same publisher through the same three calls.
 *
 * A driver `attach`es before the first invocation; the handler then holds its page views instead of
 * sending them inside the invocation, and `provide`s the work. After each response the driver calls
 * `afterInvocation`; on shutdown (SIGTERM, Ctrl-C) `shutdown`. Without a driver nothing is held: the
 * handler sends each view before it returns, as a plain Lambda function must.
 */
export interface AfterResponseWork {
  /** Runs after each invocation's response has been sent. */
  afterInvocation(): Promise<void>;
  /** Sends what is held within `budgetMs`; what is left ends as replay records. */
  shutdown(budgetMs: number): Promise<void>;
  /** Sends everything held now (the local runtime when no request came within the hold time). */
  flushHeld(): Promise<void>;
  /** Views held now. */
  readonly heldCount: number;
}

export class AfterResponseLifecycle {
  private attached = false;
  private finished = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private work: AfterResponseWork | undefined;

  /** A driver will run `afterInvocation` and `shutdown`: the handler may hold views. */
  attach(): void {
    this.attached = true;
  }

  get isAttached(): boolean {
    return this.attached;
  }

  /** The handler's work, once its dependencies are built. */
  provide(work: AfterResponseWork): void {
    this.work = work;
  }

  get heldCount(): number {
    return this.work?.heldCount ?? 0;
  }

  /** The handler calls this as it returns (also after an error): its response is about to be sent. */
  invocationFinished(): void {
    this.finished++;
    const ready = this.waiters.filter((waiter) => waiter.count <= this.finished);
    this.waiters = this.waiters.filter((waiter) => waiter.count > this.finished);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves once `count` invocations have finished in this process. */
  whenFinished(count: number): Promise<void> {
    if (count <= this.finished) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  afterInvocation(): Promise<void> {
    return this.work?.afterInvocation() ?? Promise.resolve();
  }

  shutdown(budgetMs: number): Promise<void> {
    return this.work?.shutdown(budgetMs) ?? Promise.resolve();
  }

  flushHeld(): Promise<void> {
    return this.work?.flushHeld() ?? Promise.resolve();
  }
}
