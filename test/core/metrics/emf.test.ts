// CloudWatch Logs subscription events with Embedded Metric Format lines → usage points, skips and named issues.
import { gzipSync } from 'node:zlib';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors';
import {
  decodeCloudWatchLogsEvent,
  emfDocument,
  isCloudWatchLogsEvent,
  NAMESPACE_LABEL,
} from '../../../functions/core/metrics/emf';
import { loadEvent } from '../../helpers/events';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const T = Date.parse('2026-11-27T14:52:00.000Z');

/** A subscription event exactly as CloudWatch Logs delivers it: base64 of gzipped JSON. */
function logsEvent(messages: string[], messageType = 'DATA_MESSAGE'): { awslogs: { data: string } } {
  const payload = {
    messageType,
    owner: '123456789012',
    logGroup: '/aws/lambda/chat-api',
    logStream: '2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef',
    subscriptionFilters: ['runwatch-emf'],
    logEvents: messages.map((message, i) => ({
      id: `3865348215538173645210458391196271823383744512546031206${i}`,
      timestamp: T + i,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') } };
}

function emf(overrides: Record<string, unknown> = {}, aws: Record<string, unknown> = {}): string {
  return JSON.stringify({
    _aws: {
      Timestamp: T,
      CloudWatchMetrics: [
        {
          Namespace: 'GenAIApp',
          Dimensions: [['ModelId']],
          Metrics: [
            { Name: 'InputTokenCount', Unit: 'Count' },
            { Name: 'OutputTokenCount', Unit: 'Count' },
          ],
        },
      ],
      ...aws,
    },
    ModelId: HAIKU,
    InputTokenCount: 1200,
    OutputTokenCount: 300,
    ...overrides,
  });
}

describe('decodeCloudWatchLogsEvent', () => {
  it('reads the sample subscription event: EMF lines become points, other lines are counted as skipped', () => {
    // Prepare
    const event = loadEvent('cloudwatch-logs-emf');

    // Act
    const out = decodeCloudWatchLogsEvent(event);

    // Assess
    expect(out).toMatchObject({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/chat-api',
      events: 6,
      skipped: 4,
      rejected: [],
    });
    const dims = { ModelId: HAIKU, service: 'chat-api', prompt_version: 'v7', [NAMESPACE_LABEL]: 'GenAIApp' };
    expect(out.points.filter((p) => p.metric !== 'TimeToFirstToken')).toEqual([
      { metric: 'Invocations', dimensions: dims, t: T, value: 42, unit: 'Count' },
      { metric: 'InputTokenCount', dimensions: dims, t: T, value: 51234, unit: 'Count' },
      { metric: 'OutputTokenCount', dimensions: dims, t: T, value: 12876, unit: 'Count' },
      { metric: 'InvocationLatency', dimensions: dims, t: T, value: 1840, unit: 'Milliseconds' },
      { metric: 'InvocationClientErrors', dimensions: dims, t: T, value: 1, unit: 'Count' },
      { metric: 'InvocationServerErrors', dimensions: dims, t: T, value: 0, unit: 'Count' },
      { metric: 'InvocationThrottles', dimensions: dims, t: T, value: 2, unit: 'Count' },
    ]);
    // A value array after Lambda's text-format prefix: one point per value.
    expect(out.points.filter((p) => p.metric === 'TimeToFirstToken').map((p) => [p.t - T, p.value])).toEqual([
      [60_000, 412],
      [60_000, 388],
      [60_000, 530],
    ]);
  });

  it('yields no points for a CONTROL_MESSAGE', () => {
    // Act
    const out = decodeCloudWatchLogsEvent(
      logsEvent(['CWL CONTROL MESSAGE: Checking health of destination Lambda.'], 'CONTROL_MESSAGE'),
    );

    // Assess
    expect(out).toMatchObject({ messageType: 'CONTROL_MESSAGE', points: [], rejected: [], skipped: 0 });
  });

  it('makes one point per metric value and dimension set', () => {
    // Prepare
    const line = emf(
      { service: 'chat-api', InputTokenCount: [100, 200] },
      {
        CloudWatchMetrics: [
          {
            Namespace: 'GenAIApp',
            Dimensions: [['ModelId'], ['ModelId', 'service'], []],
            Metrics: [{ Name: 'InputTokenCount', Unit: 'Count' }],
          },
        ],
      },
    );

    // Act
    const out = decodeCloudWatchLogsEvent(logsEvent([line]));

    // Assess
    expect(out.points.map((p) => [JSON.stringify(p.dimensions), p.value])).toEqual([
      [`{"ModelId":"${HAIKU}","namespace":"GenAIApp"}`, 100],
      [`{"ModelId":"${HAIKU}","namespace":"GenAIApp"}`, 200],
      [`{"ModelId":"${HAIKU}","service":"chat-api","namespace":"GenAIApp"}`, 100],
      [`{"ModelId":"${HAIKU}","service":"chat-api","namespace":"GenAIApp"}`, 200],
      ['{"namespace":"GenAIApp"}', 100],
      ['{"namespace":"GenAIApp"}', 200],
    ]);
  });

  it('takes the log event time when the document has no _aws.Timestamp', () => {
    // Act
    const out = decodeCloudWatchLogsEvent(logsEvent(['plain text', emf({}, { Timestamp: undefined })]));

    // Assess
    expect(out.points.map((p) => p.t)).toEqual([T + 1, T + 1]);
  });

  it('reads what Powertools Metrics writes', () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'GenAIApp', serviceName: 'chat-api' });
    metrics.setTimestamp(T);
    metrics.addDimension('ModelId', HAIKU);
    metrics.addMetric('OutputTokenCount', MetricUnit.Count, 10);
    metrics.addMetric('OutputTokenCount', MetricUnit.Count, 12);
    metrics.addMetric('InvocationLatency', MetricUnit.Milliseconds, 820);
    const line = JSON.stringify(metrics.serializeMetrics());

    // Act
    const out = decodeCloudWatchLogsEvent(logsEvent([line]));

    // Assess
    const dims = { service: 'chat-api', ModelId: HAIKU, namespace: 'GenAIApp' };
    expect(out.rejected).toEqual([]);
    expect(out.points).toEqual([
      { metric: 'OutputTokenCount', dimensions: dims, t: T, value: 10, unit: 'Count' },
      { metric: 'OutputTokenCount', dimensions: dims, t: T, value: 12, unit: 'Count' },
      { metric: 'InvocationLatency', dimensions: dims, t: T, value: 820, unit: 'Milliseconds' },
    ]);
  });

  it.each([
    ['_aws is not an object', emf({ _aws: 'v1' }), 'logEvents[1].message._aws'],
    ['no directives', emf({}, { CloudWatchMetrics: {} }), 'logEvents[1].message._aws.CloudWatchMetrics'],
    [
      'a directive without a namespace',
      emf({}, { CloudWatchMetrics: [{ Dimensions: [['ModelId']], Metrics: [{ Name: 'InputTokenCount' }] }] }),
      'logEvents[1].message._aws.CloudWatchMetrics[0].Namespace',
    ],
    [
      'a metric definition without a name',
      emf(
        {},
        {
          CloudWatchMetrics: [
            { Namespace: 'A', Dimensions: [['ModelId']], Metrics: [{ Name: 'InputTokenCount' }, { Unit: 'Count' }] },
          ],
        },
      ),
      'logEvents[1].message._aws.CloudWatchMetrics[0].Metrics[1].Name',
    ],
    [
      'a non-string unit',
      emf(
        {},
        {
          CloudWatchMetrics: [
            { Namespace: 'A', Dimensions: [['ModelId']], Metrics: [{ Name: 'InputTokenCount', Unit: 1 }] },
          ],
        },
      ),
      'logEvents[1].message._aws.CloudWatchMetrics[0].Metrics[0].Unit',
    ],
    [
      'no dimension sets',
      emf({}, { CloudWatchMetrics: [{ Namespace: 'A', Dimensions: [], Metrics: [{ Name: 'InputTokenCount' }] }] }),
      'logEvents[1].message._aws.CloudWatchMetrics[0].Dimensions',
    ],
    [
      'a dimension set that is not a list of names',
      emf({}, { CloudWatchMetrics: [{ Namespace: 'A', Dimensions: [[1]], Metrics: [{ Name: 'InputTokenCount' }] }] }),
      'logEvents[1].message._aws.CloudWatchMetrics[0].Dimensions[0]',
    ],
    ['a dimension whose member is not a string', emf({ ModelId: 7 }), 'logEvents[1].message.ModelId'],
    ['a missing metric value', emf({ InputTokenCount: undefined }), 'logEvents[1].message.InputTokenCount'],
    ['a metric value that is text', emf({ OutputTokenCount: '300' }), 'logEvents[1].message.OutputTokenCount'],
    ['a value array with text', emf({ OutputTokenCount: [1, 'x'] }), 'logEvents[1].message.OutputTokenCount'],
    ['more than 100 values', emf({ OutputTokenCount: Array(101).fill(1) }), 'logEvents[1].message.OutputTokenCount'],
    ['a timestamp in seconds', emf({}, { Timestamp: 1_795_000_000 }), 'logEvents[1].message._aws.Timestamp'],
    ['a timestamp as text', emf({}, { Timestamp: '2026-11-27T14:52:00Z' }), 'logEvents[1].message._aws.Timestamp'],
    [
      'a dimension name runwatch cannot label',
      emf(
        { 'model id': HAIKU },
        { CloudWatchMetrics: [{ Namespace: 'A', Dimensions: [['model id']], Metrics: [{ Name: 'InputTokenCount' }] }] },
      ),
      'logEvents[1].message.model id',
    ],
  ])('names %s', (_name, line, path) => {
    // Act
    const out = decodeCloudWatchLogsEvent(logsEvent(['START RequestId: x Version: $LATEST', line]));

    // Assess
    expect(out.rejected.map((i) => i.path)).toContain(path);
    expect(out.rejected.every((i) => i.message.length > 0)).toBe(true);
    expect(out.skipped).toBe(1);
  });

  it('keeps the good metrics of a document with a bad one, and reports the bad one once', () => {
    // Prepare: a missing value over two dimension sets.
    const line = emf(
      { OutputTokenCount: undefined, service: 'chat-api' },
      {
        CloudWatchMetrics: [
          {
            Namespace: 'GenAIApp',
            Dimensions: [['ModelId'], ['service']],
            Metrics: [{ Name: 'InputTokenCount' }, { Name: 'OutputTokenCount' }],
          },
        ],
      },
    );

    // Act
    const out = decodeCloudWatchLogsEvent(logsEvent([line]));

    // Assess
    expect(out.points.map((p) => p.metric)).toEqual(['InputTokenCount', 'InputTokenCount']);
    expect(out.rejected).toEqual([
      { path: 'logEvents[0].message.OutputTokenCount', message: 'missing: the metric value member' },
    ]);
  });

  it.each([
    ['not base64 of gzip', { awslogs: { data: 'bm90IGd6aXA=' } }, 'awslogs.data'],
    [
      'gzip of the wrong shape',
      { awslogs: { data: gzipSync(Buffer.from('{"messageType":"DATA_MESSAGE"}')).toString('base64') } },
      'awslogs.data.owner',
    ],
    ['no awslogs at all', { Records: [] }, 'awslogs.data'],
  ])('refuses an envelope that is %s', (_name, event, path) => {
    // Act
    const error = (() => {
      try {
        decodeCloudWatchLogsEvent(event);
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
  });
});

describe('emfDocument', () => {
  it.each([
    ['plain text', 'REPORT RequestId: x Duration: 1 ms'],
    ['JSON without _aws', '{"level":"INFO","message":"hi"}'],
    ['a JSON array', '[{"_aws":{}}]'],
    ['broken JSON', '{"_aws": {'],
    ['JSON after words that are not a Lambda prefix', 'metrics: {"_aws":{}}'],
  ])('is undefined for %s', (_name, line) => {
    expect(emfDocument(line)).toBeUndefined();
  });

  it('finds the document after the Lambda text-format prefix', () => {
    expect(emfDocument('2026-11-27T14:52:00.000Z\tabc\tINFO\t{"_aws":{"CloudWatchMetrics":[]}}\n')).toEqual({
      _aws: { CloudWatchMetrics: [] },
    });
  });
});

describe('isCloudWatchLogsEvent', () => {
  it('tells subscription events from other triggers', () => {
    expect(isCloudWatchLogsEvent(loadEvent('cloudwatch-logs-emf'))).toBe(true);
    expect(isCloudWatchLogsEvent({ Records: [{ eventSource: 'aws:sqs' }] })).toBe(false);
    expect(isCloudWatchLogsEvent(null)).toBe(false);
  });
});
