/**
 * The SQS body's two shapes (queue-body.ts builds them, page-view-message.ts parses them): one message
 * (version 1), or several in a version 2 body. A hostile body is refused whole, never thrown on.
 */
import { describe, expect, it } from 'vitest';
import { parseQueueBody } from '../../lambdas/contract/page-view-message';
import { MAX_MESSAGES_PER_BODY, bodyOverheadBytes, queueBody } from '../../lambdas/contract/queue-body';
import { identify, pageView } from '../../harness/queue-messages';

const serialized = (count: number) => Array.from({ length: count }, (_, index) => JSON.stringify(index % 5 === 4 ? identify() : pageView({ path: `/p/${index}` })));

describe('queue bodies', () => {
  it('keeps a lone message as a version 1 body, and several as one version 2 body, in order', () => {
    const [one] = serialized(1);
    expect(queueBody([one ?? ''])).toBe(one);
    expect(parseQueueBody(queueBody([one ?? '']))).toEqual({ ok: true, messages: [JSON.parse(one ?? '')] });

    const many = serialized(MAX_MESSAGES_PER_BODY);
    const body = queueBody(many);
    expect(JSON.parse(body)).toMatchObject({ v: 2 });
    expect(parseQueueBody(body)).toEqual({ ok: true, messages: many.map((text) => JSON.parse(text)) });
    expect(Buffer.byteLength(body)).toBe(many.reduce((sum, text) => sum + Buffer.byteLength(text), 0) + bodyOverheadBytes(many.length));
  });

  it.each([
    ['no messages', JSON.stringify({ v: 2, messages: [] })],
    ['more messages than a body may carry', queueBody(serialized(MAX_MESSAGES_PER_BODY + 1))],
    ['an unknown key', JSON.stringify({ v: 2, messages: [pageView()], extra: 1 })],
    ['a version 2 body inside a version 2 body', JSON.stringify({ v: 2, messages: [{ v: 2, messages: [pageView()] }] })],
    ['one invalid message among valid ones', JSON.stringify({ v: 2, messages: [pageView(), { ...pageView(), path: 'no-slash' }] })],
    ['an unknown body version', JSON.stringify({ v: 3, messages: [pageView()] })],
    ['messages that are not an array', JSON.stringify({ v: 2, messages: { 0: pageView() } })],
    ['a top-level array', JSON.stringify([pageView()])],
    ['a version 1 message claiming version 2', JSON.stringify({ ...pageView(), v: 2 })],
    ['null', 'null'],
  ])('refuses %s as invalid', (_, body) => {
    expect(parseQueueBody(body)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('reports a body that is not JSON', () => {
    expect(parseQueueBody('{"v":2,"messages":[')).toMatchObject({ ok: false, reason: 'not_json' });
  });
});
