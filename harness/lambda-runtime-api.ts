/**
 * A loopback Lambda Runtime API + Extensions API server, enough to run a bundle under Lambda's
 * lifecycle (the runtime interface client in a child process): invocations are delivered one at a
 * time, an invocation is complete only when the runtime has posted its response AND every registered
 * extension has asked for its next event, and extensions may register only until the runtime first
 * asks for an event (Lambda refuses later registrations). Used by tests and `npm run bench:page-path`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIENT_ELAPSED_MS_HEADER, CLIENT_OUTGOING_REQUESTS_HEADER, type ClientReport } from './runtime-client-report';

export interface InvocationTiming {
  readonly requestId: string;
  /** The runtime's response body, parsed. */
  readonly response: unknown;
  /** performance.now() when the event was handed to the runtime, and when its response arrived. */
  readonly deliveredAt: number;
  readonly respondedAt: number;
  /**
   * What the runtime client measured in the function's process (runtime-client-report.ts): the time from
   * reading the event to handing over the response, without this server's loopback transport. Absent
   * when the client did not report it.
   */
  readonly client?: ClientReport;
  /** performance.now() when every extension had called event/next again (the environment may freeze). */
  readonly completedAt: number;
  readonly error?: unknown;
}

interface Pending {
  readonly requestId: string;
  readonly event: unknown;
  deliveredAt: number;
  respondedAt?: number;
  client?: ClientReport;
  response?: unknown;
  error?: unknown;
  /** Extensions that have not asked for their next event since this invocation was delivered. */
  readonly waitingFor: Set<string>;
  readonly resolveResponse: (timing: ResponseTiming) => void;
  readonly resolveComplete: (timing: InvocationTiming) => void;
}

/** What is known when the runtime has answered (before the environment is free again). */
export type ResponseTiming = Omit<InvocationTiming, 'completedAt'>;

export interface RuntimeApiServer {
  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Names of the registered extensions. */
  readonly extensions: readonly string[];
  /** Registrations refused because the runtime had already asked for its first event. */
  readonly refusedRegistrations: number;
  /** Queues an invocation: `response` resolves when the runtime answers, `complete` when the environment is free again. */
  invoke(event: unknown): { response: Promise<ResponseTiming>; complete: Promise<InvocationTiming> };
  /** Resolves when the runtime waits for its first event (init done). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:visitor-gate-authorizer';

function header(req: IncomingMessage, name: string): number | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' && value !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
}

function clientReport(req: IncomingMessage): ClientReport | undefined {
  const elapsedMs = header(req, CLIENT_ELAPSED_MS_HEADER);
  const outgoingRequests = header(req, CLIENT_OUTGOING_REQUESTS_HEADER);
  return elapsedMs === undefined || outgoingRequests === undefined ? undefined : { elapsedMs, outgoingRequests };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function responseTiming(pending: Pending, respondedAt: number): ResponseTiming {
  return {
    requestId: pending.requestId,
    response: pending.response,
    deliveredAt: pending.deliveredAt,
    respondedAt,
    ...(pending.client === undefined ? {} : { client: pending.client }),
    ...(pending.error === undefined ? {} : { error: pending.error }),
  };
}

export async function startRuntimeApi(): Promise<RuntimeApiServer> {
  const queue: Pending[] = [];
  const extensions = new Map<string, string>(); // id -> name
  let refusedRegistrations = 0;
  let runtimeAsked = false;
  let current: Pending | undefined;
  let runtimeWaiter: ServerResponse | undefined;
  const extensionWaiters = new Map<string, ServerResponse>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const complete = (pending: Pending) => {
    if (pending.respondedAt === undefined || pending.waitingFor.size > 0) return;
    current = undefined;
    pending.resolveComplete({ ...responseTiming(pending, pending.respondedAt), completedAt: performance.now() });
    dispatch();
  };

  /** Delivers the next invocation once the runtime and every extension wait for it. */
  const dispatch = () => {
    if (current !== undefined || runtimeWaiter === undefined || extensionWaiters.size < extensions.size) return;
    const next = queue.shift();
    if (next === undefined) return;
    current = next;
    const deadline = Date.now() + 5_000;
    for (const [id, res] of extensionWaiters) {
      next.waitingFor.add(id);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Extension-Event-Identifier': randomUUID() });
      res.end(JSON.stringify({ eventType: 'INVOKE', deadlineMs: deadline, requestId: next.requestId, invokedFunctionArn: FUNCTION_ARN, tracing: {} }));
    }
    extensionWaiters.clear();
    const runtime = runtimeWaiter;
    runtimeWaiter = undefined;
    next.deliveredAt = performance.now();
    runtime.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': next.requestId,
      'Lambda-Runtime-Deadline-Ms': String(deadline),
      'Lambda-Runtime-Invoked-Function-Arn': FUNCTION_ARN,
      'Lambda-Runtime-Trace-Id': `Root=1-${randomUUID().replaceAll('-', '').slice(0, 8)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    runtime.end(JSON.stringify(next.event));
  };

  const answered = (pending: Pending, body: string, isError: boolean, client: ClientReport | undefined) => {
    const respondedAt = performance.now();
    pending.respondedAt = respondedAt;
    pending.client = client;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = body;
    }
    if (isError) pending.error = parsed;
    else pending.response = parsed;
    pending.resolveResponse(responseTiming(pending, respondedAt));
    complete(pending);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '';
      const body = await readBody(req);
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        if (!runtimeAsked) {
          runtimeAsked = true;
          markReady();
        }
        runtimeWaiter = res;
        dispatch();
        return;
      }
      const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && invocation) {
        res.writeHead(202).end('{"status":"OK"}');
        const running = current;
        if (running !== undefined && running.requestId === invocation[1]) answered(running, body, invocation[2] === 'error', clientReport(req));
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        res.writeHead(202).end('{"status":"OK"}');
        return;
      }
      if (req.method === 'POST' && url === '/2020-01-01/extension/register') {
        if (runtimeAsked) {
          refusedRegistrations++;
          res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"errorType":"Extension.RegistrationClosed"}');
          return;
        }
        const id = randomUUID();
        extensions.set(id, String(req.headers['lambda-extension-name'] ?? ''));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Extension-Identifier': id });
        res.end(JSON.stringify({ functionName: 'visitor-gate-authorizer', functionVersion: '$LATEST', handler: 'lambda-entry.handler' }));
        return;
      }
      if (req.method === 'GET' && url === '/2020-01-01/extension/event/next') {
        const id = String(req.headers['lambda-extension-identifier'] ?? '');
        if (!extensions.has(id)) {
          res.writeHead(403).end('{"errorType":"Extension.InvalidExtensionIdentifier"}');
          return;
        }
        extensionWaiters.set(id, res);
        const running = current;
        if (running !== undefined) {
          running.waitingFor.delete(id);
          complete(running);
        } else {
          dispatch();
        }
        return;
      }
      res.writeHead(404).end();
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    get extensions() {
      return [...extensions.values()];
    },
    get refusedRegistrations() {
      return refusedRegistrations;
    },
    ready,
    invoke(event) {
      let resolveResponse!: Pending['resolveResponse'];
      let resolveComplete!: Pending['resolveComplete'];
      const response = new Promise<ResponseTiming>((resolve) => (resolveResponse = resolve));
      const completed = new Promise<InvocationTiming>((resolve) => (resolveComplete = resolve));
      queue.push({ requestId: randomUUID(), event, deliveredAt: 0, waitingFor: new Set(), resolveResponse, resolveComplete });
      dispatch();
      return { response, complete: completed };
    },
    close: () =>
      new Promise<void>((resolve) => {
        runtimeWaiter?.destroy();
        for (const res of extensionWaiters.values()) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
