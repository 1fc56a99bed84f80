/**
 * Runs a real Lambda handler module in this process: loads it once (its cold start reads the
 * environment, so the caller sets process.env first) and invokes it with a Lambda-shaped context.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { AfterResponseWork } from '../lambdas/authorizer/after-response';
import { SHUTDOWN_BUDGET_MS } from '../lambdas/authorizer/lambda-extension-client';
import { LOCAL_API } from './http-api-authorizer-event';

export type LambdaEntry<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

export class HandlerLoadError extends Error {
  override name = 'HandlerLoadError';
}

export interface LocalLambda<TEvent, TResult> {
  functionName: string;
  invoke(event: TEvent): Promise<TResult>;
  /** As Lambda's shutdown (SIGTERM): runs the handler's after-response work for what is left. */
  shutdown(): Promise<void>;
  /** Page views the handler holds for after the response (0 for a handler without such work). */
  heldCount(): number;
  /** From now on nothing is sent while idle, as in a frozen Lambda environment: held views wait for `shutdown`. */
  freeze(): void;
}

// ---- After-response lifecycle (lambdas/authorizer/after-response.ts), as the Lambda extension runs it ----

/**
 * This process is never frozen, so there is no next invocation to wait for: views held this long after
 * the last request leave then (on Lambda they wait for the next invocation, at most HOLD_LIMITS.maxHoldMs).
 */
export const LOCAL_IDLE_FLUSH_MS = 250;

type AfterResponseDriver = AfterResponseWork & { attach(): void };

function isAfterResponseDriver(value: unknown): value is AfterResponseDriver {
  const v = value as Partial<AfterResponseDriver> | undefined;
  return typeof v?.attach === 'function' && typeof v.afterInvocation === 'function' && typeof v.shutdown === 'function' && typeof v.flushHeld === 'function';
}

/**
 * Runs a handler's after-response work as the internal extension does on Lambda: after each response,
 * then at shutdown. One difference: this process is never frozen, so views still held when no request
 * came within LOCAL_IDLE_FLUSH_MS leave then, instead of waiting for the next request.
 */
function driveAfterResponse(driver: AfterResponseDriver) {
  driver.attach();
  const running = new Set<Promise<void>>();
  let idle: NodeJS.Timeout | undefined;
  let frozen = false;
  const run = (work: () => Promise<void>) => {
    const done = work()
      .catch(() => undefined) // failures end as replay records inside the work
      .finally(() => running.delete(done));
    running.add(done);
    return done;
  };
  return {
    afterResponse(): void {
      clearTimeout(idle);
      setImmediate(() =>
        run(() => driver.afterInvocation()).then(() => {
          if (driver.heldCount > 0 && !frozen) idle = setTimeout(() => run(() => driver.flushHeld()), LOCAL_IDLE_FLUSH_MS);
        }),
      );
    },
    freeze(): void {
      frozen = true;
      clearTimeout(idle);
    },
    async shutdown(): Promise<void> {
      clearTimeout(idle);
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all(running);
      await driver.shutdown(SHUTDOWN_BUDGET_MS);
    },
  };
}

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const started = Date.now();
  const arn = `arn:aws:lambda:${LOCAL_API.region}:${LOCAL_API.accountId}:function:${functionName}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Imports `modulePath` (absolute) and checks it exports `handler`. */
export async function loadLocalLambda<TEvent, TResult>(
  modulePath: string,
  functionName: string,
  timeoutMs: number,
): Promise<LocalLambda<TEvent, TResult>> {
  let loaded: { handler?: unknown; afterResponse?: unknown };
  try {
    loaded = (await import(pathToFileURL(modulePath).href)) as { handler?: unknown; afterResponse?: unknown };
  } catch (error) {
    throw new HandlerLoadError(`Could not load the ${functionName} handler from ${modulePath}: ${String(error)}`, {
      cause: error,
    });
  }
  if (typeof loaded.handler !== 'function') {
    throw new HandlerLoadError(`${modulePath} does not export a \`handler\` function.`);
  }
  const entry = loaded.handler as LambdaEntry<TEvent, TResult>;
  const lifecycle = isAfterResponseDriver(loaded.afterResponse) ? driveAfterResponse(loaded.afterResponse) : undefined;
  return {
    functionName,
    invoke: async (event) => {
      try {
        return await entry(event, lambdaContext(functionName, timeoutMs));
      } finally {
        lifecycle?.afterResponse();
      }
    },
    shutdown: () => lifecycle?.shutdown() ?? Promise.resolve(),
    freeze: () => lifecycle?.freeze(),
    heldCount: () => (isAfterResponseDriver(loaded.afterResponse) ? loaded.afterResponse.heldCount : 0),
  };
}
