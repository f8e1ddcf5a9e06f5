// CloudWatchMetricsReader: the GetMetricData request shape, pagination and errors (mocked), then real reads on moto_server.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricsReader } from '../../../functions/adapters/aws/cloudwatch-metrics';
import { DependencyError } from '../../../functions/core/errors';
import { parseGenaiConfig } from '../../../functions/core/genai/config';
import { pollQueries } from '../../../functions/core/genai/poll';
import type { MetricQuery } from '../../../functions/ports';
import { type MotoHandle, motoAvailable, startMoto, warnMotoMissing } from '../../helpers/moto';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const START = new Date('2026-11-27T14:45:00Z');
const END = new Date('2026-11-27T14:55:00Z');
const T = START.getTime();

const client = new CloudWatchClient({ region: 'us-east-1' });
const cloudwatch = mockClient(client);
const reader = new CloudWatchMetricsReader({ client });

function queries(): MetricQuery[] {
  return pollQueries(
    parseGenaiConfig({ poller: { models: [HAIKU], metrics: ['Invocations', 'InvocationLatency'] } }).poller,
  );
}

describe('CloudWatchMetricsReader (mocked)', () => {
  beforeEach(() => cloudwatch.reset());

  it('sends MetricStat queries for the window, oldest first', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await reader.read(queries(), { start: START, end: END });

    // Assess
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input as GetMetricDataCommandInput;
    expect(input).toEqual({
      MetricDataQueries: [
        {
          Id: 'q0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Bedrock',
              MetricName: 'Invocations',
              Dimensions: [{ Name: 'ModelId', Value: HAIKU }],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
        {
          Id: 'q1',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Bedrock',
              MetricName: 'InvocationLatency',
              Dimensions: [{ Name: 'ModelId', Value: HAIKU }],
            },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: true,
        },
      ],
      StartTime: START,
      EndTime: END,
      ScanBy: 'TimestampAscending',
    });
  });

  it('follows NextToken and merges the pages per query', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0', Timestamps: [new Date(T), new Date(T + 60_000)], Values: [3, 4], StatusCode: 'PartialData' },
          { Id: 'q1', Timestamps: [new Date(T)], Values: [800], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(T + 120_000)], Values: [5], StatusCode: 'Complete' }],
        NextToken: 'page-3',
      })
      .resolves({
        MetricDataResults: [{ Id: 'q1', Timestamps: [new Date(T + 60_000)], Values: [810], StatusCode: 'Complete' }],
      });

    // Act
    const results = await reader.read(queries(), { start: START, end: END });

    // Assess
    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken);
    expect(calls).toEqual([undefined, 'page-2', 'page-3']);
    expect(results).toEqual([
      {
        id: 'q0',
        status: 'Complete',
        messages: [],
        points: [
          { t: T, value: 3 },
          { t: T + 60_000, value: 4 },
          { t: T + 120_000, value: 5 },
        ],
      },
      {
        id: 'q1',
        status: 'Complete',
        messages: [],
        points: [
          { t: T, value: 800 },
          { t: T + 60_000, value: 810 },
        ],
      },
    ]);
  });

  it('sends at most 500 queries per call', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const many = Array.from({ length: 1100 }, (_, i) => ({ ...queries()[0]!, id: `q${i}` }));

    // Act
    const results = await reader.read(many, { start: START, end: END });

    // Assess
    const sizes = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([500, 500, 100]);
    expect(results).toHaveLength(1100);
  });

  it('reports a query CloudWatch could not answer, with its messages', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'q0',
          Timestamps: [],
          Values: [],
          StatusCode: 'Forbidden',
          Messages: [{ Code: 'Forbidden', Value: 'denied' }],
        },
      ],
    });

    // Act
    const [q0] = await reader.read(queries(), { start: START, end: END });

    // Assess
    expect(q0).toEqual({ id: 'q0', status: 'Forbidden', messages: ['Forbidden: denied'], points: [] });
  });

  it('translates throttling into a retryable DependencyError and access errors into a permanent one', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    const denied = Object.assign(new Error('not authorized to perform cloudwatch:GetMetricData'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    cloudwatch.on(GetMetricDataCommand).rejectsOnce(throttled).rejects(denied);

    // Act
    const first = await reader.read(queries(), { start: START, end: END }).catch((e: unknown) => e);
    const second = await reader.read(queries(), { start: START, end: END }).catch((e: unknown) => e);

    // Assess
    expect(first).toBeInstanceOf(DependencyError);
    expect((first as DependencyError).retryable).toBe(true);
    expect((second as DependencyError).retryable).toBe(false);
  });

  it('stops a pagination that never ends', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [], NextToken: 'again' });
    const bounded = new CloudWatchMetricsReader({ client, maxPages: 3 });

    // Act
    const error = await bounded.read(queries(), { start: START, end: END }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(3);
  });
});

warnMotoMissing('CloudWatchMetricsReader against moto_server');

describe.skipIf(!motoAvailable)('CloudWatchMetricsReader against moto_server', () => {
  let moto: MotoHandle;
  let real: CloudWatchClient;

  beforeAll(async () => {
    moto = await startMoto();
    real = new CloudWatchClient(moto.clientConfig);
  });
  afterAll(async () => {
    real?.destroy();
    await moto?.stop();
  });

  it('reads back per-period sums and averages of data put with PutMetricData', async () => {
    // Prepare: moto accepts the AWS/ namespace that real CloudWatch keeps for AWS services.
    const recent = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const dims = [{ Name: 'ModelId', Value: HAIKU }];
    await real.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Bedrock',
        MetricData: [
          { MetricName: 'Invocations', Dimensions: dims, Timestamp: new Date(recent + 5_000), Value: 3, Unit: 'Count' },
          {
            MetricName: 'Invocations',
            Dimensions: dims,
            Timestamp: new Date(recent + 20_000),
            Value: 4,
            Unit: 'Count',
          },
          {
            MetricName: 'Invocations',
            Dimensions: dims,
            Timestamp: new Date(recent + 65_000),
            Value: 6,
            Unit: 'Count',
          },
          {
            MetricName: 'InvocationLatency',
            Dimensions: dims,
            Timestamp: new Date(recent + 5_000),
            Value: 800,
            Unit: 'Milliseconds',
          },
          {
            MetricName: 'InvocationLatency',
            Dimensions: dims,
            Timestamp: new Date(recent + 20_000),
            Value: 1000,
            Unit: 'Milliseconds',
          },
        ],
      }),
    );
    const reader = new CloudWatchMetricsReader({ client: real });

    // Act
    const results = await reader.read(queries(), { start: new Date(recent), end: new Date(recent + 180_000) });

    // Assess
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['q0', 'Complete'],
      ['q1', 'Complete'],
    ]);
    expect(results[0]?.points).toEqual([
      { t: recent, value: 7 },
      { t: recent + 60_000, value: 6 },
    ]);
    expect(results[1]?.points).toEqual([{ t: recent, value: 900 }]);
  });
});
