// A minimal Lambda runtime interface client, run as its own process by lambda-environment.ts: loads the
// handler as the Node runtime does (an ES module is imported and its top-level await finishes before the
// first event is asked for), then loops next -> handler -> response over the Runtime API. Stands in for
// `aws-lambda-ric` (its native build is not part of this project's install). SIGTERM is left to the
// function's own listener, as on Lambda.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, handlerSetting] = process.argv.slice(2);
const [file, name] = handlerSetting.split('.');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ headers: res.headers, body: text }));
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
  try {
    const result = await handler(JSON.parse(next.body), context);
    await call('POST', `${base}/invocation/${requestId}/response`, JSON.stringify(result));
  } catch (error) {
    await call('POST', `${base}/invocation/${requestId}/error`, JSON.stringify({ errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) }));
  }
}
