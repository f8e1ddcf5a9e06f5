// The embedded default's event bus: EventBridge rules → SQS queues → consumers, in-process and asynchronous.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BusEvent, Clock, EventBus } from '../../ports';

export interface LocalSubscriber {
  /** Queue name, e.g. `alerts`. */
  name: string;
  /** Detail types the rule in front of the queue matches (as serverless.yml's rules do). */
  detailTypes: string[];
  deliver(event: SQSEvent): Promise<SQSBatchResponse | undefined | unknown>;
}

export interface LocalBusOptions {
  busName: string;
  region: string;
  account: string;
  clock: Clock;
  newId(): string;
  /** Like the queues' redrive policy: after this many receives a message goes to the dead-letter handler. */
  maxReceiveCount?: number;
  retryDelayMs?: number;
  batchSize?: number;
  onDeadLetter?(queue: string, record: SQSRecord, reason: string): void;
  onError?(queue: string, error: unknown): void;
}

interface Pending {
  record: SQSRecord;
  receives: number;
}

export class LocalBus implements EventBus {
  private readonly subscribers: LocalSubscriber[] = [];
  private readonly queues = new Map<string, Pending[]>();
  private readonly busy = new Set<string>();
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: LocalBusOptions) {}

  subscribe(subscriber: LocalSubscriber): void {
    this.subscribers.push(subscriber);
    this.queues.set(subscriber.name, []);
  }

  async publish(events: BusEvent[]): Promise<void> {
    for (const event of events) {
      const envelope = {
        version: '0',
        id: this.options.newId(),
        'detail-type': event.detailType,
        source: 'runwatch',
        account: this.options.account,
        time: this.options.clock
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources: [],
        detail: event.detail,
      };
      const body = JSON.stringify(envelope);
      for (const sub of this.subscribers) {
        if (!sub.detailTypes.includes(event.detailType)) continue;
        this.enqueue(sub.name, this.record(sub.name, body));
      }
    }
  }

  /** Resolves once every queue is empty and no delivery is running or scheduled. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const q of this.queues.values()) q.length = 0;
    this.settle();
  }

  private isIdle(): boolean {
    if (this.inFlight > 0 || this.timers.size > 0) return false;
    for (const q of this.queues.values()) if (q.length) return false;
    return true;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private record(queue: string, body: string): SQSRecord {
    const now = String(this.options.clock.now().getTime());
    return {
      messageId: this.options.newId(),
      receiptHandle: this.options.newId(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: now,
        SenderId: 'AROAEXAMPLE:events.amazonaws.com',
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${this.options.region}:${this.options.account}:${queue}`,
      awsRegion: this.options.region,
    };
  }

  private enqueue(queue: string, record: SQSRecord, receives = 0): void {
    if (this.closed) return;
    this.queues.get(queue)?.push({ record, receives });
    this.schedule(queue, 0);
  }

  private schedule(queue: string, delayMs: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.drain(queue);
    }, delayMs);
    this.timers.add(t);
  }

  private async drain(queue: string): Promise<void> {
    if (this.busy.has(queue) || this.closed) return this.settle();
    const q = this.queues.get(queue);
    const sub = this.subscribers.find((s) => s.name === queue);
    if (!q || !sub || q.length === 0) return this.settle();
    this.busy.add(queue);
    this.inFlight++;
    const batch = q.splice(0, this.options.batchSize ?? 10);
    for (const p of batch) {
      p.receives += 1;
      p.record.attributes.ApproximateReceiveCount = String(p.receives);
    }
    let failedIds: Set<string>;
    let reason = 'reported as failed';
    try {
      const response = (await sub.deliver({ Records: batch.map((p) => p.record) })) as SQSBatchResponse | undefined;
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (e) {
      failedIds = new Set(batch.map((p) => p.record.messageId));
      reason = (e as Error).message;
      this.options.onError?.(queue, e);
    }
    const max = this.options.maxReceiveCount ?? 5;
    for (const p of batch) {
      if (!failedIds.has(p.record.messageId)) continue;
      if (p.receives >= max) this.options.onDeadLetter?.(queue, p.record, reason);
      else {
        q.push(p);
      }
    }
    this.busy.delete(queue);
    this.inFlight--;
    if (q.length) this.schedule(queue, failedIds.size ? (this.options.retryDelayMs ?? 200) : 0);
    this.settle();
  }
}
