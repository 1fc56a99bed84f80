/**
 * A DynamoDB client whose first `okRequests` requests reach the real server and every later one goes
 * to a closed port (a real connection refused), to fail a batch part way through, deterministically.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort } from '../../local-runtime/free-port';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-runtime/sqs-server';
import { documentClientFor } from '../../harness/local-aws';

export async function failingAfter(endpoint: string, okRequests: number) {
  const closedPort = await freePort();
  let requests = 0;
  class CuttingHandler extends NodeHttpHandler {
    override handle(...[request, options]: Parameters<NodeHttpHandler['handle']>) {
      requests += 1;
      if (requests > okRequests) request.port = closedPort;
      return super.handle(request, options);
    }
  }
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
    requestHandler: new CuttingHandler(),
  });
  return { documentClient: documentClientFor(client), destroy: () => client.destroy() };
}
