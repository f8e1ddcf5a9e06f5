// Test doubles around the pipeline and runbook lifecycle: recording notifiers and executor, contexts, a config.
import type { Alert, AlertDraft } from '../../../functions/core/alert';
import { makeAlert } from '../../../functions/core/alert';
import { validateConfig } from '../../../functions/core/config/load';
import type { Config, ConfigInput, Receiver } from '../../../functions/core/config/schema';
import type { Decision, PipelineContext } from '../../../functions/core/pipeline';
import type { RunbookContext, RunbookDecision } from '../../../functions/core/runbooks/lifecycle';
import type { Notification, Notifier, RunbookExecutor, StartRunbookRequest } from '../../../functions/ports';
import { MemoryStore } from './memory-store';

/** Records every notification it delivers; `failures` are thrown, one per send, before anything is recorded. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  readonly failures: unknown[] = [];
  attempts = 0;
  constructor(readonly kind: Notifier['kind']) {}

  async send(notification: Notification): Promise<void> {
    this.attempts += 1;
    if (this.failures.length > 0) throw this.failures.shift();
    this.sent.push(notification);
  }

  failNext(...errors: unknown[]): this {
    this.failures.push(...errors);
    return this;
  }

  /** Fingerprints of every alert delivered, in order. */
  fingerprints(): string[] {
    return this.sent.flatMap((n) => n.alerts.map((a) => a.fingerprint));
  }
}

/** Starts nothing: records each request and answers with an SSM-like id, or throws what it was told to. */
export class RecordingExecutor implements RunbookExecutor {
  readonly requests: StartRunbookRequest[] = [];
  readonly failures: unknown[] = [];

  async start(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    if (this.failures.length > 0) throw this.failures.shift();
    this.requests.push(request);
    return { ssmExecutionId: `ssm-${request.executionId}` };
  }

  failNext(...errors: unknown[]): this {
    this.failures.push(...errors);
    return this;
  }
}

/** A receiver's integrations by name: each receiver gets its own recording notifiers. */
export type NotifierTable = Record<string, RecordingNotifier[]>;

export function notifierTable(config: Config): NotifierTable {
  const table: NotifierTable = {};
  for (const r of config.receivers) {
    const list: RecordingNotifier[] = [];
    if (r.slack) list.push(new RecordingNotifier('slack'));
    if (r.sns) list.push(new RecordingNotifier('sns'));
    if (r.outbox) list.push(new RecordingNotifier('outbox'));
    table[r.name] = list;
  }
  return table;
}

export function totalSent(table: NotifierTable): number {
  return Object.values(table)
    .flat()
    .reduce((n, notifier) => n + notifier.sent.length, 0);
}

export const BASE_CONFIG: ConfigInput = {
  defaults: { receiver: 'oncall', repeatInterval: '4h' },
  receivers: [
    { name: 'oncall', slack: {}, sns: {} },
    { name: 'platform', outbox: {} },
  ],
  routes: [
    { match: { severity: 'critical' }, receiver: 'oncall' },
    { match: { source: '~detector|ssm' }, receiver: 'platform' },
  ],
};

export function config(input: Partial<ConfigInput> = {}): Config {
  return validateConfig({ ...BASE_CONFIG, ...input });
}

export interface Harness {
  store: MemoryStore;
  config: Config;
  notifiers: NotifierTable;
  decisions: Decision[];
  ctx(now: string): PipelineContext;
}

export function pipelineHarness(cfg: Config = config(), store = new MemoryStore()): Harness {
  const notifiers = notifierTable(cfg);
  const decisions: Decision[] = [];
  return {
    store,
    config: cfg,
    notifiers,
    decisions,
    ctx: (now) => ({
      now: new Date(now),
      config: cfg,
      store,
      notifiersFor: (receiver: Receiver) => notifiers[receiver.name] ?? [],
      decide: (d) => decisions.push(d),
    }),
  };
}

export interface RunbookHarness {
  store: MemoryStore;
  config: Config;
  executor: RecordingExecutor;
  notifiers: NotifierTable;
  decisions: RunbookDecision[];
  ctx(now: string): RunbookContext;
}

export function runbookHarness(cfg: Config, store = new MemoryStore()): RunbookHarness {
  const notifiers = notifierTable(cfg);
  const decisions: RunbookDecision[] = [];
  const executor = new RecordingExecutor();
  return {
    store,
    config: cfg,
    executor,
    notifiers,
    decisions,
    ctx: (now) => ({
      now: new Date(now),
      config: cfg,
      store,
      executor,
      notifiersFor: (receiver: Receiver) => notifiers[receiver.name] ?? [],
      decide: (d) => decisions.push(d),
    }),
  };
}

export function alert(overrides: Partial<AlertDraft> = {}, labels: Record<string, string> = {}): Alert {
  return makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'ecs',
    labels: { alertname: 'EcsTaskStopped', cluster: 'genai', service: 'genai-inference', ...labels },
    annotations: { summary: 'ECS task stopped unexpectedly' },
    startsAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  });
}

/** The resolve of `firing`: same identity and start, ended at `endsAt`. */
export function resolveOf(firing: Alert, endsAt: string): Alert {
  return { ...firing, status: 'resolved', endsAt };
}
