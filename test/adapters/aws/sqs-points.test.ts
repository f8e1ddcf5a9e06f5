// SqsPointsSink: `{points:[...]}` messages ingest-metrics parses, SendMessageBatch limits, partial failures; then moto_server.
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packPoints, SqsPointsSink } from '../../../functions/adapters/aws/sqs-points';
import { DependencyError } from '../../../functions/core/errors';
import { type MetricPoint, parsePointBatch } from '../../../functions/core/metrics/points';
import { type MotoHandle, motoAvailable, startMoto, warnMotoMissing } from '../../helpers/moto';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/runwatch-dev-metrics';
const T = Date.parse('2026-11-27T14:50:00Z');
const METRICS = ['Invocations', 'InputTokenCount', 'OutputTokenCount', 'InvocationLatency'];

/** `periods` minutes of four metrics for `models` models, grouped like the poller's output. */
function polled(models: number, periods: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let m = 0; m < models; m++) {
    for (let i = 0; i < periods; i++) {
      for (const metric of METRICS) {
        points.push({
          metric,
          dimensions: { ModelId: `model-${String(m).padStart(3, '0')}`, namespace: 'AWS/Bedrock' },
          t: T + i * 60_000,
          value: i + m,
          unit: 'Count',
        });
      }
    }
  }
  return points;
}

const client = new SQSClient({ region: 'us-east-1' });
const sqs = mockClient(client);

function sentBodies(): string[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.MessageBody as string));
}

describe('packPoints', () => {
  it('writes bodies ingest-metrics accepts in full, point for point', () => {
    // Prepare
    const points = polled(2, 3);

    // Act
    const bodies = packPoints(points, 64 * 1024, 1000);

    // Assess
    const parsed = bodies.map((b) => parsePointBatch(JSON.parse(b)));
    expect(parsed.flatMap((p) => p.rejected)).toEqual([]);
    expect(parsed.flatMap((p) => p.points)).toEqual(points);
  });

  it('respects the size and count caps without splitting the metrics of one model and minute', () => {
    // Prepare
    const points = polled(5, 10);

    // Act
    const bySize = packPoints(points, 2000, 1000);
    const byCount = packPoints(points, 64 * 1024, 10);

    // Assess
    for (const bodies of [bySize, byCount]) {
      const batches = bodies.map((b) => parsePointBatch(JSON.parse(b)).points);
      expect(batches.flat()).toHaveLength(points.length);
      for (const batch of batches) {
        expect(batch.length % METRICS.length).toBe(0);
        const minutes = new Set(batch.map((p) => `${p.dimensions.ModelId}@${p.t}`));
        expect(minutes.size * METRICS.length).toBe(batch.length);
      }
    }
    expect(bySize.every((b) => Buffer.byteLength(b) <= 2000)).toBe(true);
    expect(byCount.every((b) => parsePointBatch(JSON.parse(b)).points.length <= 10)).toBe(true);
  });
});

describe('SqsPointsSink (mocked)', () => {
  beforeEach(() => sqs.reset());

  it('sends batches of at most 10 messages to the queue', async () => {
    // Prepare: 100 model-minutes of 4 points, 8 points per message → 50 messages.
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sink = new SqsPointsSink({ queueUrl: QUEUE_URL, client, maxPointsPerMessage: 8 });

    // Act
    const { messages } = await sink.send(polled(10, 10));

    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(messages).toBe(50);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 10, 10, 10]);
    expect(calls.every((c) => c.QueueUrl === QUEUE_URL)).toBe(true);
    expect(calls[0]?.Entries?.map((e) => e.Id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(JSON.parse(sentBodies()[0]!).points[0]).toEqual({
      metric: 'Invocations',
      dimensions: { ModelId: 'model-000', namespace: 'AWS/Bedrock' },
      timestamp: T,
      value: 0,
      unit: 'Count',
    });
  });

  it('keeps each request under 256 KiB', async () => {
    // Prepare: 200 KB messages: one per request.
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sink = new SqsPointsSink({
      queueUrl: QUEUE_URL,
      client,
      maxMessageBytes: 200_000,
      maxPointsPerMessage: 10_000,
    });

    // Act
    await sink.send(polled(30, 60));

    // Assess
    for (const call of sqs.commandCalls(SendMessageBatchCommand)) {
      const entries = call.args[0].input.Entries as SendMessageBatchRequestEntry[];
      const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody as string), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(sqs.commandCalls(SendMessageBatchCommand).length).toBeGreaterThan(1);
  });

  it('sends nothing for no points', async () => {
    // Act
    const out = await new SqsPointsSink({ queueUrl: QUEUE_URL, client }).send([]);

    // Assess
    expect(out).toEqual({ messages: 0 });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('retries only the failed entries once', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: 'x' }],
        Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' }],
      })
      .resolves({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: 'y' }], Failed: [] });
    const sink = new SqsPointsSink({ queueUrl: QUEUE_URL, client, maxPointsPerMessage: 4 });

    // Act
    await sink.send(polled(1, 2));

    // Assess
    const retried = sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries;
    expect(retried?.map((e) => e.Id)).toEqual(['1']);
    expect(JSON.parse(retried![0]!.MessageBody!).points[0].t).toBeUndefined();
    expect(JSON.parse(retried![0]!.MessageBody!).points[0].timestamp).toBe(T + 60_000);
  });

  it('throws a retryable DependencyError naming the codes when the retry fails too', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError', Message: 'no' }],
    });

    // Act
    const error = await new SqsPointsSink({ queueUrl: QUEUE_URL, client }).send(polled(1, 1)).catch((e: unknown) => e);

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(true);
    expect((error as DependencyError).message).toContain('InternalError');
  });
});

warnMotoMissing('SqsPointsSink against moto_server');

describe.skipIf(!motoAvailable)('SqsPointsSink against moto_server', () => {
  let moto: MotoHandle;
  let real: SQSClient;

  beforeAll(async () => {
    moto = await startMoto();
    real = new SQSClient(moto.clientConfig);
  });
  afterAll(async () => {
    real?.destroy();
    await moto?.stop();
  });

  it('delivers every point to the queue in messages ingest-metrics parses', async () => {
    // Prepare
    const { QueueUrl } = await real.send(new CreateQueueCommand({ QueueName: 'runwatch-test-metrics' }));
    const points = polled(3, 10);
    const sink = new SqsPointsSink({ queueUrl: QueueUrl!, client: real, maxPointsPerMessage: 20 });

    // Act
    const { messages } = await sink.send(points);

    // Assess
    const received: MetricPoint[] = [];
    for (let i = 0; i < 10 && received.length < points.length; i++) {
      const { Messages } = await real.send(
        new ReceiveMessageCommand({ QueueUrl: QueueUrl!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of Messages ?? []) received.push(...parsePointBatch(JSON.parse(m.Body!)).points);
    }
    expect(messages).toBe(6);
    const key = (p: MetricPoint) => `${p.dimensions.ModelId}|${p.t}|${p.metric}`;
    expect(received.map(key).sort()).toEqual(points.map(key).sort());
  });
});
