// The PointsSink port on the metrics SQS queue: poll-metrics hands points to ingest-metrics as `{points:[...]}` messages.
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DependencyError } from '../../core/errors';
import { pointGroups } from '../../core/genai/poll';
import type { MetricPoint } from '../../core/metrics/points';
import type { PointsSink } from '../../ports';
import { callAws } from './errors';

export interface SqsPointsSinkOptions {
  queueUrl: string;
  client?: SQSClient;
  /** Body size cap; SQS bills every 64 KiB of a message as one request, so that is the default. */
  maxMessageBytes?: number;
  /** Points per message; ingest-metrics takes at most 10,000 per batch. */
  maxPointsPerMessage?: number;
}

/** SendMessageBatch: at most 10 entries, and at most 256 KiB for the whole request. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
const DEFAULT_MESSAGE_BYTES = 64 * 1024;
const DEFAULT_POINTS_PER_MESSAGE = 1000;
const ENVELOPE_BYTES = '{"points":[]}'.length;

/** The wire form ingest-metrics parses (parsePointBatch): epoch-millisecond timestamps. */
function wirePoint(p: MetricPoint): string {
  const out: Record<string, unknown> = { metric: p.metric, dimensions: p.dimensions, timestamp: p.t, value: p.value };
  if (p.unit !== undefined) out['unit'] = p.unit;
  return JSON.stringify(out);
}

/**
 * Packs points into message bodies, keeping each (dimensions, time) group in one message so the metrics of one
 * period reach ingest-metrics together (derived rates need Invocations next to the errors and throttles).
 */
export function packPoints(points: readonly MetricPoint[], maxBytes: number, maxPoints: number): string[] {
  const bodies: string[] = [];
  let current: string[] = [];
  let bytes = ENVELOPE_BYTES;
  const flush = () => {
    if (current.length) bodies.push(`{"points":[${current.join(',')}]}`);
    current = [];
    bytes = ENVELOPE_BYTES;
  };
  for (const group of pointGroups(points)) {
    const wire = group.map(wirePoint);
    const groupBytes = wire.reduce((n, w) => n + Buffer.byteLength(w) + 1, 0);
    if (current.length && (bytes + groupBytes > maxBytes || current.length + wire.length > maxPoints)) flush();
    for (const w of wire) {
      // Only a group bigger than a whole message is split.
      const size = Buffer.byteLength(w) + 1;
      if (current.length && (bytes + size > maxBytes || current.length >= maxPoints)) flush();
      current.push(w);
      bytes += size;
    }
  }
  flush();
  return bodies;
}

export class SqsPointsSink implements PointsSink {
  readonly #queueUrl: string;
  readonly #client: SQSClient;
  readonly #maxBytes: number;
  readonly #maxPoints: number;

  constructor(options: SqsPointsSinkOptions) {
    this.#queueUrl = options.queueUrl;
    this.#client = options.client ?? new SQSClient({});
    this.#maxBytes = Math.min(options.maxMessageBytes ?? DEFAULT_MESSAGE_BYTES, MAX_BATCH_BYTES);
    this.#maxPoints = options.maxPointsPerMessage ?? DEFAULT_POINTS_PER_MESSAGE;
  }

  async send(points: MetricPoint[]): Promise<{ messages: number }> {
    const bodies = packPoints(points, this.#maxBytes, this.#maxPoints);
    let batch: SendMessageBatchRequestEntry[] = [];
    let batchBytes = 0;
    for (const body of bodies) {
      const size = Buffer.byteLength(body);
      if (batch.length === MAX_ENTRIES || (batch.length && batchBytes + size > MAX_BATCH_BYTES)) {
        await this.#sendBatch(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push({ Id: String(batch.length), MessageBody: body });
      batchBytes += size;
    }
    if (batch.length) await this.#sendBatch(batch);
    return { messages: bodies.length };
  }

  /** SendMessageBatch is not all-or-nothing: failed entries are retried once, then the send fails (retryable). */
  async #sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    let codes: string[] = [];
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const sent = pending;
      const out = await callAws(`SendMessageBatch to ${this.#queueUrl}`, () =>
        this.#client.send(new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: sent })),
      );
      const failed: BatchResultErrorEntry[] = out.Failed ?? [];
      if (failed.length === 0) return;
      const failedIds = new Set(failed.map((f) => f.Id));
      codes = failed.map((f) => f.Code ?? 'unknown');
      pending = sent.filter((e) => failedIds.has(e.Id));
      // Failures that name no entry we sent leave nothing to pick from: resend them all.
      if (pending.length === 0) pending = sent;
    }
    const unique = [...new Set(codes)].join(', ') || 'unknown error';
    throw new DependencyError(
      `SendMessageBatch to ${this.#queueUrl}: ${pending.length} of ${entries.length} messages failed (${unique})`,
      undefined,
      true,
    );
  }
}
