// What every handler is built from: config, ports and observability, assembled by wiring.ts (cloud) or the local stack.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Config, Receiver } from '../core/config/schema';
import type { Clock, EventBus, Notifier, RunbookExecutor, Store } from '../ports';

export interface Runtime {
  stage: string;
  config: Config;
  store: Store;
  bus: EventBus;
  executor: RunbookExecutor;
  notifiersFor(receiver: Receiver): Notifier[];
  clock: Clock;
  /** Random ids for things with no natural key (silences, API requests without an Idempotency-Key). */
  newId(): string;
  logger: Logger;
  metrics: Metrics;
}
