// poll-metrics with a fake CloudWatch reader and a recording sink: window alignment, redelivery, pagination, no-ops.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CloudWatchMetricsReader } from '../../../functions/adapters/aws/cloudwatch-metrics';
import { DependencyError } from '../../../functions/core/errors';
import { type GenaiConfigInput, parseGenaiConfig } from '../../../functions/core/genai/config';
import type { MetricPoint } from '../../../functions/core/metrics/points';
import { createLogger, createMetrics } from '../../../functions/lib/observability';
import { makeHandler, type PollOutcome } from '../../../functions/poll-metrics/make-handler';
import type { MetricQuery, MetricQueryResult, MetricsReader, PointsSink } from '../../../functions/ports';
import { loadEvent } from '../../helpers/events';
import { context } from '../../helpers/runtime';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

/** Answers every query with one point per period of the window (value = minutes since the window start). */
class FakeReader implements MetricsReader {
  readonly calls: { queries: MetricQuery[]; start: Date; end: Date }[] = [];
  failWith?: Error;

  async read(queries: MetricQuery[], window: { start: Date; end: Date }): Promise<MetricQueryResult[]> {
    this.calls.push({ queries, ...window });
    if (this.failWith) throw this.failWith;
    return queries.map((q) => {
      const points: { t: number; value: number }[] = [];
      for (let t = window.start.getTime(); t < window.end.getTime(); t += q.periodSeconds * 1000) {
        points.push({ t, value: (t - window.start.getTime()) / 60_000 });
      }
      return { id: q.id, points, status: 'Complete', messages: [] };
    });
  }
}

class RecordingSink implements PointsSink {
  readonly sent: MetricPoint[][] = [];
  async send(points: MetricPoint[]): Promise<{ messages: number }> {
    this.sent.push(points);
    return { messages: Math.ceil(points.length / 100) };
  }
}

function setup(genai: GenaiConfigInput = { poller: { models: [HAIKU] } }, reader: MetricsReader = new FakeReader()) {
  const sink = new RecordingSink();
  const handler = makeHandler({
    genai: parseGenaiConfig(genai),
    reader,
    sink,
    logger: createLogger('poll-metrics'),
    metrics: createMetrics('poll-metrics'),
  });
  const invoke = (event: unknown) => handler(event, context('poll-metrics')) as Promise<PollOutcome>;
  return { sink, invoke, reader };
}

function scheduled(time: string): unknown {
  return { ...(loadEvent('scheduled.eventbridge') as Record<string, unknown>), time };
}

describe('poll-metrics', () => {
  it('reads the lookback window before the scheduled time, aligned to the period, and queues the points', async () => {
    // Prepare
    const { sink, invoke, reader } = setup();

    // Act
    const out = await invoke(loadEvent('scheduled.eventbridge'));

    // Assess
    const call = (reader as FakeReader).calls[0]!;
    expect([call.start.toISOString(), call.end.toISOString()]).toEqual([
      '2026-11-27T14:45:00.000Z',
      '2026-11-27T14:55:00.000Z',
    ]);
    expect(call.queries).toHaveLength(7);
    expect(out).toEqual({
      window: { start: '2026-11-27T14:45:00.000Z', end: '2026-11-27T14:55:00.000Z' },
      queries: 7,
      points: 70,
      messages: 1,
      incomplete: 0,
    });
    expect(sink.sent[0]).toHaveLength(70);
    expect(sink.sent[0]![0]).toMatchObject({ dimensions: { ModelId: HAIKU, namespace: 'AWS/Bedrock' } });
  });

  it('aligns an off-minute schedule time to the period', async () => {
    // Prepare
    const { invoke, reader } = setup({ poller: { models: [HAIKU], periodSeconds: 300, lookback: '15m' } });

    // Act
    await invoke(scheduled('2026-11-27T14:57:42Z'));

    // Assess
    const call = (reader as FakeReader).calls[0]!;
    expect([call.start.toISOString(), call.end.toISOString()]).toEqual([
      '2026-11-27T14:40:00.000Z',
      '2026-11-27T14:55:00.000Z',
    ]);
    expect(call.queries.every((q) => q.periodSeconds === 300)).toBe(true);
  });

  it('sends exactly the same points when the same schedule event is delivered again', async () => {
    // Prepare
    const { sink, invoke } = setup();
    const event = loadEvent('scheduled.eventbridge');

    // Act
    await invoke(event);
    await invoke(event);

    // Assess
    expect(sink.sent).toHaveLength(2);
    expect(sink.sent[1]).toEqual(sink.sent[0]);
  });

  it('pages through GetMetricData with the real reader and queues every page', async () => {
    // Prepare
    const client = new CloudWatchClient({ region: 'us-east-1' });
    const cloudwatch = mockClient(client);
    const t = Date.parse('2026-11-27T14:45:00Z');
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(t)], Values: [3], StatusCode: 'PartialData' }],
        NextToken: 'more',
      })
      .resolves({
        MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(t + 60_000)], Values: [4], StatusCode: 'Complete' }],
      });
    const { sink, invoke } = setup(
      { poller: { models: [HAIKU], metrics: ['Invocations'] } },
      new CloudWatchMetricsReader({ client }),
    );

    // Act
    const out = await invoke(loadEvent('scheduled.eventbridge'));

    // Assess
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(out).toMatchObject({ points: 2, incomplete: 0 });
    expect(sink.sent[0]?.map((p) => [p.t - t, p.value])).toEqual([
      [0, 3],
      [60_000, 4],
    ]);
  });

  it('counts incomplete queries and still queues what came back', async () => {
    // Prepare
    const partial: MetricsReader = {
      async read(queries) {
        return queries.map((q, i) => ({
          id: q.id,
          points: i === 0 ? [{ t: Date.parse('2026-11-27T14:50:00Z'), value: 1 }] : [],
          status: i === 0 ? 'Complete' : 'Forbidden',
          messages: i === 0 ? [] : ['not authorized'],
        }));
      },
    };
    const { sink, invoke } = setup(undefined, partial);

    // Act
    const out = await invoke(loadEvent('scheduled.eventbridge'));

    // Assess
    expect(out).toMatchObject({ points: 1, incomplete: 6 });
    expect(sink.sent).toHaveLength(1);
  });

  it('does nothing without configured models', async () => {
    // Prepare
    const { sink, invoke, reader } = setup({});

    // Act
    const out = await invoke(loadEvent('scheduled.eventbridge'));

    // Assess
    expect(out).toEqual({ queries: 0, points: 0, messages: 0, incomplete: 0 });
    expect((reader as FakeReader).calls).toHaveLength(0);
    expect(sink.sent).toHaveLength(0);
  });

  it('ignores events that are not scheduled events', async () => {
    // Prepare
    const { sink, invoke } = setup();

    // Act
    const out = await invoke(loadEvent('cloudwatch-alarm.eventbridge'));

    // Assess
    expect(out.unsupported).toBe(true);
    expect(sink.sent).toHaveLength(0);
  });

  it('fails the invocation on a dependency error so Lambda retries the same window', async () => {
    // Prepare
    const reader = new FakeReader();
    reader.failWith = new DependencyError('GetMetricData failed: Throttling');
    const { sink, invoke } = setup(undefined, reader);

    // Act
    const error = await invoke(loadEvent('scheduled.eventbridge')).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect(sink.sent).toHaveLength(0);
  });
});
