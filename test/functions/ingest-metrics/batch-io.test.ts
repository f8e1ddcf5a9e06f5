// Batch state I/O: however many SQS messages carry a series, it is read once and written once per batch.
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import type { Store } from '../../../functions/ports';
import { context, makeTestRuntime, sqsRecord, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

function batch(metric: string, from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    metric,
    dimensions: { ModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', model_version: 'v1' },
    timestamp: new Date(T0 + (from + i) * 60_000).toISOString(),
    value: 100 + (i % 5),
  }));
}

describe('ingest-metrics batch state I/O', () => {
  it('reads and writes each series once for a batch of many messages', async () => {
    // Prepare: 6 messages, 2 series (the version label does not split a series), plus a poison message.
    const calls = { get: 0, put: 0 };
    const counting = (real: Store): Store =>
      new Proxy(real, {
        get(target, prop) {
          if (prop === 'getSeriesState') calls.get += 1;
          if (prop === 'putSeriesState') calls.put += 1;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const rt = await makeTestRuntime({ wrapStore: counting });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const records = [0, 10, 20].flatMap((from) => [
      sqsRecord(JSON.stringify({ points: batch('TimeToFirstToken', from, 10) }), { queue: 'metrics' }),
      sqsRecord(JSON.stringify({ points: batch('QueueDepth', from, 10) }), { queue: 'metrics' }),
    ]);
    const poison = sqsRecord('{"points": ', { queue: 'metrics', messageId: 'poison-1' });

    // Act
    const response = (await handler({ Records: [...records, poison] }, context('ingest-metrics'))) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison-1' }]);
    expect(calls).toEqual({ get: 2, put: 2 });
    const stored = await rt.db.getSeriesState('TimeToFirstToken{ModelId=anthropic.claude-3-5-sonnet-20240620-v1:0}');
    expect(stored?.version).toBe(1);
    expect((stored?.state as { last: number } | undefined)?.last).toBe(T0 + 29 * 60_000);
  });

  it('fails only the messages whose series could not be stored, and a redelivery writes nothing new', async () => {
    // Prepare: the store refuses every write of one series.
    const flaky = (real: Store): Store =>
      new Proxy(real, {
        get(target, prop) {
          if (prop === 'putSeriesState') {
            return async (key: string, state: unknown, expected: number) => {
              if (key.startsWith('QueueDepth')) throw new Error('ProvisionedThroughputExceededException');
              return target.putSeriesState(key, state, expected);
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const rt = await makeTestRuntime({ wrapStore: flaky });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const ok = sqsRecord(JSON.stringify({ points: batch('TimeToFirstToken', 0, 10) }), {
      queue: 'metrics',
      messageId: 'in',
    });
    const bad = sqsRecord(JSON.stringify({ points: batch('QueueDepth', 0, 10) }), {
      queue: 'metrics',
      messageId: 'out',
    });

    // Act
    const first = (await handler({ Records: [ok, bad] }, context('ingest-metrics'))) as SQSBatchResponse;
    const again = (await handler({ Records: [ok] }, context('ingest-metrics'))) as SQSBatchResponse;

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'out' }]);
    expect(again.batchItemFailures).toEqual([]);
    expect(
      (await rt.db.getSeriesState('TimeToFirstToken{ModelId=anthropic.claude-3-5-sonnet-20240620-v1:0}'))?.version,
    ).toBe(1);
  });
});
