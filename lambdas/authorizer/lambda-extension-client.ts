/**
 * An internal Lambda extension in the runtime process, the documented way to run code after a response
 * (Lambda Extensions API; AWS Compute Blog, "Running code after returning a response from an AWS Lambda
 * function"):
 *
 * - It registers during init for INVOKE (internal extensions cannot receive SHUTDOWN). Registration must
 *   complete before the runtime asks for its first event, so the function's entry (`lambda-entry.mjs`,
 *   an ES module) awaits it at top level; the Node runtime finishes loading the entry before it calls
 *   `/runtime/invocation/next`.
 * - Lambda freezes the environment only when the runtime has posted its response AND every extension
 *   has called `/extension/event/next` again. Between the two, this client runs `afterInvocation`:
 *   the page views leave after API Gateway has its answer.
 * - A registered extension also makes Lambda send the runtime SIGTERM before shutting the environment
 *   down, with about 500 ms to finish (aws-samples/graceful-shutdown-with-aws-lambda; the Rust runtime
 *   documents the same for an internal extension). SIGTERM runs `shutdown`.
 */
import { Agent, request } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AfterResponseLifecycle } from './after-response';

export const EXTENSION_NAME = 'visitor-gate-after-response';
const EXTENSIONS_API = '/2020-01-01/extension';
/** Part of Lambda's ~500 ms shutdown window spent sending; the rest writes replay records. */
export const SHUTDOWN_BUDGET_MS = 350;

interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface ExtensionOptions {
  /** `host:port` of the Runtime API (Lambda sets AWS_LAMBDA_RUNTIME_API). */
  readonly runtimeApi: string;
  /** Where problems of the extension itself go (never a page view). */
  readonly warn: (message: string) => void;
  /** Ends the process after the shutdown flush (tests keep it). */
  readonly exit?: (code: number) => void;
}

function call(agent: Agent, runtimeApi: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<ApiResponse> {
  const [host, port] = runtimeApi.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port ?? 80), method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Registers the extension and starts its event loop. Resolves once registered (the caller awaits it
 * during init); rejects when the Runtime API refuses the registration.
 */
export async function startInternalExtension(lifecycle: AfterResponseLifecycle, options: ExtensionOptions): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ events: ['INVOKE'] });
  const registered = await call(agent, options.runtimeApi, 'POST', `${EXTENSIONS_API}/register`, {
    'Lambda-Extension-Name': EXTENSION_NAME,
    'Content-Type': 'application/json',
  }, body);
  const id = registered.headers['lambda-extension-identifier'];
  if (registered.status !== 200 || typeof id !== 'string') {
    throw new Error(`extension registration refused (${registered.status}): ${registered.body.slice(0, 200)}`);
  }
  lifecycle.attach();

  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
    void lifecycle.shutdown(SHUTDOWN_BUDGET_MS).finally(() => (options.exit ?? process.exit)(0));
  });

  const loop = async () => {
    let invocations = 0;
    while (!stopping) {
      let event: ApiResponse;
      try {
        event = await call(agent, options.runtimeApi, 'GET', `${EXTENSIONS_API}/event/next`, { 'Lambda-Extension-Identifier': id });
      } catch (error) {
        if (stopping) return;
        options.warn(`extension event/next failed: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      let eventType: unknown;
      try {
        eventType = (JSON.parse(event.body) as { eventType?: unknown }).eventType;
      } catch {
        eventType = undefined;
      }
      if (eventType !== 'INVOKE') continue;
      invocations++;
      // The handler has returned, then one turn of the event loop lets the runtime post its response
      // before anything here costs CPU.
      await lifecycle.whenFinished(invocations);
      await nextTurn();
      try {
        await lifecycle.afterInvocation();
      } catch (error) {
        options.warn(`after-response work failed: ${String(error)}`);
      }
    }
  };
  void loop();
}
