/**
 * Runs a real Lambda handler module in this process: loads it once (its cold start reads the
 * environment, so the caller sets process.env first) and invokes it with a Lambda-shaped context.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { LOCAL_API } from './http-api-authorizer-event';

export type LambdaEntry<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

export class HandlerLoadError extends Error {
  override name = 'HandlerLoadError';
}

export interface LocalLambda<TEvent, TResult> {
  functionName: string;
  invoke(event: TEvent): Promise<TResult>;
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
  let loaded: { handler?: unknown };
  try {
    loaded = (await import(pathToFileURL(modulePath).href)) as { handler?: unknown };
  } catch (error) {
    throw new HandlerLoadError(`Could not load the ${functionName} handler from ${modulePath}: ${String(error)}`, {
      cause: error,
    });
  }
  if (typeof loaded.handler !== 'function') {
    throw new HandlerLoadError(`${modulePath} does not export a \`handler\` function.`);
  }
  const entry = loaded.handler as LambdaEntry<TEvent, TResult>;
  return {
    functionName,
    invoke: (event) => entry(event, lambdaContext(functionName, timeoutMs)),
  };
}
