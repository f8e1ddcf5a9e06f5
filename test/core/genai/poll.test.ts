// What poll-metrics reads: the window aligned to the period, one query per model and metric, results as points.
import { describe, expect, it } from 'vitest';
import { parseGenaiConfig } from '../../../functions/core/genai/config';
import { pointGroups, pollQueries, pollWindow, resultsToPoints } from '../../../functions/core/genai/poll';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

describe('pollWindow', () => {
  it.each([
    // [scheduled time, period s, lookback, start, end]
    ['2026-11-27T14:55:00Z', 60, '10m', '2026-11-27T14:45:00.000Z', '2026-11-27T14:55:00.000Z'],
    ['2026-11-27T14:55:37Z', 60, '10m', '2026-11-27T14:45:00.000Z', '2026-11-27T14:55:00.000Z'],
    ['2026-11-27T14:57:10Z', 300, '15m', '2026-11-27T14:40:00.000Z', '2026-11-27T14:55:00.000Z'],
    ['2026-11-27T00:02:00Z', 300, '5m', '2026-11-26T23:55:00.000Z', '2026-11-27T00:00:00.000Z'],
  ])('at %s (period %ss, lookback %s) reads [%s, %s)', (time, periodSeconds, lookback, start, end) => {
    // Prepare
    const { poller } = parseGenaiConfig({ poller: { periodSeconds, lookback } });

    // Act
    const window = pollWindow(Date.parse(time), poller);

    // Assess
    expect([iso(window.start), iso(window.end)]).toEqual([start, end]);
  });

  it('is the same for the same scheduled time, whenever it is computed', () => {
    // Prepare
    const { poller } = parseGenaiConfig({});

    // Act & Assess
    expect(pollWindow(Date.parse('2026-11-27T14:55:00Z'), poller)).toEqual(
      pollWindow(Date.parse('2026-11-27T14:55:00Z'), poller),
    );
  });
});

describe('pollQueries', () => {
  it('asks for each configured metric of each model with the statistic of its kind', () => {
    // Prepare
    const { poller } = parseGenaiConfig({
      poller: {
        models: [HAIKU, SONNET],
        metrics: ['Invocations', 'InvocationLatency'],
        periodSeconds: 300,
        lookback: '10m',
      },
    });

    // Act
    const queries = pollQueries(poller);

    // Assess
    expect(queries).toEqual([
      {
        id: 'q0',
        namespace: 'AWS/Bedrock',
        metricName: 'Invocations',
        dimensions: { ModelId: HAIKU },
        stat: 'Sum',
        periodSeconds: 300,
      },
      {
        id: 'q1',
        namespace: 'AWS/Bedrock',
        metricName: 'InvocationLatency',
        dimensions: { ModelId: HAIKU },
        stat: 'Average',
        periodSeconds: 300,
      },
      {
        id: 'q2',
        namespace: 'AWS/Bedrock',
        metricName: 'Invocations',
        dimensions: { ModelId: SONNET },
        stat: 'Sum',
        periodSeconds: 300,
      },
      {
        id: 'q3',
        namespace: 'AWS/Bedrock',
        metricName: 'InvocationLatency',
        dimensions: { ModelId: SONNET },
        stat: 'Average',
        periodSeconds: 300,
      },
    ]);
    expect(queries.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.id))).toBe(true);
  });
});

describe('resultsToPoints', () => {
  const { poller } = parseGenaiConfig({ poller: { models: [HAIKU], metrics: ['Invocations', 'InvocationLatency'] } });
  const queries = pollQueries(poller);
  const T = Date.parse('2026-11-27T14:50:00Z');

  it('labels points with the model and namespace and keeps each (model, time) together', () => {
    // Act
    const { points, incomplete } = resultsToPoints(queries, [
      {
        id: 'q0',
        status: 'Complete',
        messages: [],
        points: [
          { t: T, value: 4 },
          { t: T + 60_000, value: 5 },
        ],
      },
      {
        id: 'q1',
        status: 'Complete',
        messages: [],
        points: [
          { t: T, value: 900 },
          { t: T + 60_000, value: 950 },
        ],
      },
    ]);

    // Assess
    const dims = { ModelId: HAIKU, namespace: 'AWS/Bedrock' };
    expect(incomplete).toEqual([]);
    expect(points).toEqual([
      { metric: 'InvocationLatency', dimensions: dims, t: T, value: 900, unit: 'Milliseconds' },
      { metric: 'Invocations', dimensions: dims, t: T, value: 4, unit: 'Count' },
      { metric: 'InvocationLatency', dimensions: dims, t: T + 60_000, value: 950, unit: 'Milliseconds' },
      { metric: 'Invocations', dimensions: dims, t: T + 60_000, value: 5, unit: 'Count' },
    ]);
    expect(pointGroups(points).map((g) => g.length)).toEqual([2, 2]);
  });

  it('reports queries CloudWatch did not complete, keeps what they returned, and ignores unknown ids', () => {
    // Act
    const { points, incomplete } = resultsToPoints(queries, [
      { id: 'q0', status: 'Forbidden', messages: ['Forbidden: not authorized'], points: [] },
      { id: 'q1', status: 'InternalError', messages: [], points: [{ t: T, value: 1 }] },
      { id: 'zz', status: 'Complete', messages: [], points: [{ t: T, value: 1 }] },
    ]);

    // Assess
    expect(points).toHaveLength(1);
    expect(incomplete.map((i) => [i.id, i.metric, i.status])).toEqual([
      ['q0', 'Invocations', 'Forbidden'],
      ['q1', 'InvocationLatency', 'InternalError'],
    ]);
  });
});
