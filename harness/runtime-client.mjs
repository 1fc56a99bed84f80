// A minimal Lambda runtime interface client, run as its own process by lambda-environment.ts: loads the
// handler as the Node runtime does (an ES module is imported and its top-level await finishes before the
// first event is asked for), then loops next -> handler -> response over the Runtime API. Stands in for
// `aws-lambda-ric` (its native build is not part of this project's install). SIGTERM is left to the
// function's own listener, as on Lambda.
//
// For benchmarks it measures, in this process, each invocation's time from the event's body being read
// to the response POST being handed to the socket, and counts the HTTP requests the function created
// meanwhile (anything but the Runtime API: SQS sends the page waited for). Both go to the harness as
// headers of the response POST (runtime-client-report.ts).
import { subscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLIENT_ELAPSED_MS_HEADER, CLIENT_OUTGOING_REQUESTS_HEADER } from './runtime-client-report.ts';

const [dir, handlerSetting] = process.argv.slice(2);
const [file, name] = handlerSetting.split('.');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

let outgoingRequests = 0;
subscribe('http.client.request.created', ({ request: created }) => {
  if (created.getHeader('host') !== process.env.AWS_LAMBDA_RUNTIME_API) outgoingRequests++;
});

/** Resolves with the response and `receivedAt`, performance.now() when its body had been read. */
function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, agent, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ headers: res.headers, body: text, receivedAt: performance.now() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// What loading the function costs (its top-level await, the extension's registration, included), for
// benchmarks: wall-clock and CPU milliseconds.
const loadStarted = performance.now();
const cpuStarted = process.cpuUsage();
const reportInit = () => {
  const cpu = process.cpuUsage(cpuStarted);
  process.stderr.write(`runtime-client load-ms: ${(performance.now() - loadStarted).toFixed(3)} cpu-ms: ${((cpu.user + cpu.system) / 1000).toFixed(3)}\n`);
};

const modulePath = [`${file}.mjs`, `${file}.js`, `${file}.cjs`].map((candidate) => join(dir, candidate)).find((path) => existsSync(path));
const loaded = await import(pathToFileURL(modulePath).href);
const handler = loaded[name] ?? loaded.default?.[name];

let first = true;
for (;;) {
  if (first && process.env.REPORT_INIT === '1') reportInit();
  first = false;
  const next = await call('GET', `${base}/invocation/next`);
  const requestId = next.headers['lambda-runtime-aws-request-id'];
  const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
  const context = {
    awsRequestId: requestId,
    functionName: 'visitor-gate-authorizer',
    invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
    callbackWaitsForEmptyEventLoop: true,
  };
  const requestsBefore = outgoingRequests;
  let outcome;
  let body;
  try {
    body = JSON.stringify(await handler(JSON.parse(next.body), context));
    outcome = 'response';
  } catch (error) {
    body = JSON.stringify({ errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) });
    outcome = 'error';
  }
  // Stamped just before the call that writes the POST (its headers carry the figures).
  const report = {
    [CLIENT_ELAPSED_MS_HEADER]: (performance.now() - next.receivedAt).toFixed(4),
    [CLIENT_OUTGOING_REQUESTS_HEADER]: String(outgoingRequests - requestsBefore),
  };
  await call('POST', `${base}/invocation/${requestId}/${outcome}`, body, report);
}
