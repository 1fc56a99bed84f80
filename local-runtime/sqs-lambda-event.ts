/**
 * The SQS side of Lambda's event source mapping, as pure functions: received SDK messages become the
 * `Records` of a Lambda SQS event, and a partial batch response decides which messages were processed.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

export interface QueueIdentity {
  queueArn: string;
  region: string;
}

function recordAttributes(message: Message): SQSRecordAttributes {
  const attributes = message.Attributes ?? {};
  return {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    SenderId: attributes.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
}

function messageAttributes(message: Message): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return result;
}

export function toSqsRecord(message: Message, queue: QueueIdentity): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: recordAttributes(message),
    messageAttributes: messageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.queueArn,
    awsRegion: queue.region,
  };
}

export function toSqsEvent(messages: readonly Message[], queue: QueueIdentity): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, queue)) };
}

export type BatchVerdict =
  | { outcome: 'all-succeeded' }
  | { outcome: 'some-failed'; failedMessageIds: Set<string> }
  | { outcome: 'all-failed'; reason: string };

/**
 * Reads a handler's answer the way Lambda does with `ReportBatchItemFailures`: no answer, an empty
 * object or an empty list means every record succeeded; an identifier that is empty or not in the
 * batch fails the whole batch.
 */
export function judgeBatchResponse(response: unknown, batchMessageIds: ReadonlySet<string>): BatchVerdict {
  if (response === undefined || response === null || typeof response !== 'object') return { outcome: 'all-succeeded' };
  if (!('batchItemFailures' in response) || response.batchItemFailures === undefined || response.batchItemFailures === null) {
    return { outcome: 'all-succeeded' };
  }
  const failures = response.batchItemFailures;
  if (!Array.isArray(failures)) return { outcome: 'all-failed', reason: 'batchItemFailures is not a list' };
  const failedMessageIds = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id =
      typeof failure === 'object' && failure !== null && 'itemIdentifier' in failure ? failure.itemIdentifier : undefined;
    if (typeof id !== 'string' || !batchMessageIds.has(id)) {
      return { outcome: 'all-failed', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    }
    failedMessageIds.add(id);
  }
  return failedMessageIds.size === 0 ? { outcome: 'all-succeeded' } : { outcome: 'some-failed', failedMessageIds };
}
