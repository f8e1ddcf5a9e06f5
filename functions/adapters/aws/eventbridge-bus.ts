// The EventBus port on the runwatch custom bus: how functions hand alerts and runbook requests to each other.
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { DependencyError } from '../../core/errors';
import type { BusEvent, EventBus } from '../../ports';
import { callAws } from './errors';

export interface EventBridgeBusOptions {
  busName: string;
  client?: EventBridgeClient;
  /** Rules match on it; everything runwatch publishes carries the same source. */
  source?: string;
}

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class EventBridgeBus implements EventBus {
  readonly #busName: string;
  readonly #source: string;
  readonly #client: EventBridgeClient;

  constructor(options: EventBridgeBusOptions) {
    this.#busName = options.busName;
    this.#source = options.source ?? 'runwatch';
    this.#client = options.client ?? new EventBridgeClient({});
  }

  async publish(events: BusEvent[]): Promise<void> {
    const entries = events.map(
      (event): PutEventsRequestEntry => ({
        EventBusName: this.#busName,
        Source: this.#source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }),
    );
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
      await this.#putChunk(entries.slice(i, i + MAX_ENTRIES));
    }
  }

  /** PutEvents is not all-or-nothing: failed entries are retried once, then the whole publish fails (retryable). */
  async #putChunk(chunk: PutEventsRequestEntry[]): Promise<void> {
    let pending = chunk;
    let codes: string[] = [];
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const sent = pending;
      const out = await callAws(`PutEvents to ${this.#busName}`, () =>
        this.#client.send(new PutEventsCommand({ Entries: sent })),
      );
      if (!out.FailedEntryCount) return;
      const results: (PutEventsResultEntry | undefined)[] = out.Entries ?? [];
      // Result entries line up with request entries; a failed one has an ErrorCode instead of an EventId.
      const failed: PutEventsRequestEntry[] = [];
      codes = [];
      sent.forEach((entry, index) => {
        const code = results[index]?.ErrorCode;
        if (code !== undefined) {
          failed.push(entry);
          codes.push(code);
        }
      });
      // A count without per-entry codes gives nothing to pick from: resend the whole chunk.
      pending = failed.length > 0 ? failed : sent;
    }
    const unique = [...new Set(codes)].join(', ') || 'unknown error';
    throw new DependencyError(
      `PutEvents to ${this.#busName}: ${pending.length} of ${chunk.length} entries failed (${unique})`,
      undefined,
      true,
    );
  }
}
