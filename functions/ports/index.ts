// Small role-named interfaces between the core and the outside world; AWS and local adapters implement them.
import type { Alert } from '../core/alert';

export interface Clock {
  now(): Date;
}

// ---- state -----------------------------------------------------------------

export interface AlertRecord extends Alert {
  /** Alerts are addressed by fingerprint: one record per identity, updated as it fires and resolves. */
  id: string;
  receivedAt: string;
  updatedAt: string;
  ackedBy?: string;
  ackedAt?: string;
  /** Receivers notified for the current firing (or resolve). */
  notifiedReceivers?: string[];
  /** Muted by a silence (id) or suppressed for another reason. */
  mutedBy?: string;
}

export interface Silence {
  id: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
}

export type ExecutionStatus =
  | 'PendingApproval'
  | 'Pending'
  /** Claimed by remediate and being sent to SSM; a redelivery must not send again. */
  | 'Starting'
  | 'InProgress'
  | 'Success'
  | 'Failed'
  | 'Cancelled'
  | 'TimedOut'
  | 'Rejected';

export interface ExecutionRecord {
  /** Deterministic: the same trigger always yields the same id, which is also the SSM ClientToken. */
  id: string;
  runbook: string;
  document: string;
  kind: 'automation' | 'command';
  parameters: Record<string, string[]>;
  targets?: { key: string; values: string[] }[];
  status: ExecutionStatus;
  /** What started it: `policy:<name>`, `api:<principal>`, `schedule:<name>`. */
  trigger: string;
  alertFingerprint?: string;
  /** SSM AutomationExecutionId or CommandId once started. */
  ssmExecutionId?: string;
  approvedBy?: string;
  statusDetail?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SeriesState {
  version: number;
  state: unknown;
}

/** One store over one table; the DynamoDB adapter serves cloud and the embedded local default alike. */
export interface Store {
  /** Creates or replaces the alert record. */
  putAlert(record: AlertRecord): Promise<void>;
  getAlert(id: string): Promise<AlertRecord | undefined>;
  listAlerts(): Promise<AlertRecord[]>;
  /** Sets ack fields; returns the updated record or undefined if there is none. */
  ackAlert(id: string, by: string, at: string): Promise<AlertRecord | undefined>;

  /**
   * Notification log: records `key` once. Returns true for the first caller, false when the key
   * was already recorded (a redelivery or a duplicate). Conditional write, never read-then-write.
   */
  recordNotificationOnce(
    key: string,
    entry: { fingerprint: string; receiver: string; at: string; ttlSeconds: number },
  ): Promise<boolean>;

  /** Forgets a notification-log key (DeleteItem) so a retry after a failed send can notify again. */
  releaseNotification(key: string): Promise<void>;

  putSilence(silence: Silence): Promise<void>;
  listSilences(): Promise<Silence[]>;

  /** Creates the execution only if its id is new; returns false when it already exists. */
  createExecution(record: ExecutionRecord): Promise<boolean>;
  getExecution(id: string): Promise<ExecutionRecord | undefined>;
  /** Finds the execution that SSM knows as `ssmExecutionId` (set through updateExecution). */
  getExecutionBySsmId(ssmExecutionId: string): Promise<ExecutionRecord | undefined>;
  listExecutions(): Promise<ExecutionRecord[]>;
  /**
   * Applies `patch` if the current status is one of `expected` (when given).
   * Returns the updated record, or undefined when the condition failed or the record is missing.
   */
  updateExecution(
    id: string,
    patch: Partial<Omit<ExecutionRecord, 'id'>>,
    expected?: ExecutionStatus[],
  ): Promise<ExecutionRecord | undefined>;
  /**
   * Counts executions of a runbook created at or after `sinceIso` that were started (sent to SSM or being
   * sent): the rate-limit guardrail. Rejected or never-approved requests do not use up the limit.
   */
  countExecutionsSince(runbook: string, sinceIso: string): Promise<number>;

  getSeriesState(key: string): Promise<SeriesState | undefined>;
  /** Writes the state if the stored version is `expectedVersion` (0 = absent). False on conflict. */
  putSeriesState(key: string, state: unknown, expectedVersion: number): Promise<boolean>;
}

// ---- side effects ------------------------------------------------------------

export interface Notification {
  receiver: string;
  /** Plain-text title and body (email, SNS, terminal). */
  subject: string;
  text: string;
  /** Slack Block Kit payload for incoming webhooks. */
  slack: { text: string; blocks: unknown[] };
  alerts: Alert[];
}

/** One integration (Slack, SNS, outbox). Throws RunwatchError; `retryable` drives redelivery. */
export interface Notifier {
  readonly kind: 'slack' | 'sns' | 'outbox';
  send(notification: Notification): Promise<void>;
}

export interface StartRunbookRequest {
  /** UUID-formatted idempotency key: the SSM ClientToken (automation) and the command Comment. */
  executionId: string;
  document: string;
  kind: 'automation' | 'command';
  parameters: Record<string, string[]>;
  targets?: { key: string; values: string[] }[];
}

export interface RunbookExecutor {
  /** Starts the runbook; returns the SSM execution id (AutomationExecutionId or CommandId). */
  start(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }>;
}

export interface BusEvent {
  /** EventBridge DetailType, e.g. `runwatch.alert`, `runwatch.runbook.requested`. */
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventBus {
  publish(events: BusEvent[]): Promise<void>;
}

/** Secrets by name (SSM SecureString in AWS, env locally). Never logged. */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}
