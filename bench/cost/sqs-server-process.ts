/**
 * fauxqs and the counting proxy in a process of their own, for `bench:cost` (so their CPU time is
 * not measured as the functions'). Prints one JSON line with the endpoints and the queue URL, then
 * serves until it is killed.
 */
import { startLocalSqs } from '../../lib/local/sqs-server';
import { startCountingProxy } from '../sqs-counting-proxy';

const sqs = await startLocalSqs();
const queues = sqs.createQueues({ name: 'cost-bench', deadLetterName: 'cost-bench-dlq', visibilityTimeoutSeconds: 300, maxReceiveCount: 5 });
const proxy = await startCountingProxy(sqs.endpoint);
process.stdout.write(`${JSON.stringify({ sqsEndpoint: sqs.endpoint, proxyEndpoint: proxy.endpoint, queueUrl: queues.queueUrl })}\n`);
const stop = () => {
  void Promise.all([proxy.stop(), sqs.stop()]).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
