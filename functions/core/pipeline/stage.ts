// The alert pipeline's one interface: a stage takes alerts and returns the ones that go on (Alertmanager's Stage).

import type { Notifier, Store } from '../../ports';
import type { Alert } from '../alert';
import type { Config, Receiver } from '../config/schema';

/** Why an alert stopped or went on at a stage; logged and counted by the handler. */
export interface Decision {
  stage: string;
  fingerprint: string;
  outcome: 'pass' | 'drop' | 'notified' | 'failed';
  reason: string;
  receiver?: string;
  integration?: string;
}

export interface PipelineContext {
  now: Date;
  config: Config;
  store: Store;
  /** The integrations (Slack, SNS, outbox) that deliver to a receiver here. */
  notifiersFor(receiver: Receiver): Notifier[];
  decide(decision: Decision): void;
}

export type Stage = (ctx: PipelineContext, alerts: Alert[]) => Promise<Alert[]>;

/** Runs stages in order, stopping early when nothing is left. */
export function sequence(...stages: Stage[]): Stage {
  return async (ctx, alerts) => {
    let current = alerts;
    for (const stage of stages) {
      if (current.length === 0) break;
      current = await stage(ctx, current);
    }
    return current;
  };
}
