// Small role-named interfaces between the core and the outside world; AWS and local adapters implement them.
import type { Alert } from '../core/alert';
import type { MetricPoint } from '../core/metrics/points';

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
  /** The stored state; not read (undefined) when `unchanged`. */
  state: unknown;
  /** Set by the watchdog (markSeriesStale) when it fired MetricStale; the next write of the series clears it. */
  staleSince?: string;
  /** The id the state's last write carried (putSeriesState's `writeId`), when it carried one. */
  writeId?: string;
  /** The series labels its last write carried (putSeriesState's `meta.labels`), when it carried them. */
  labels?: Record<string, string>;
  /**
   * The caller named this item's `writeId`: the state is the one it wrote itself, so it was neither inflated nor
   * parsed (`state` is undefined) and the caller's own copy is current.
   */
  unchanged?: true;
}

/** What the watchdog needs to know about a series without reading its state (written with putSeriesState). */
export interface SeriesMeta {
  /** The series labels (metric + dimensions) its quality alerts carry. */
  labels: Record<string, string>;
  /** When data last arrived for it (epoch ms). */
  lastSeenMs: number;
  /** The silence it is measured against (its learned interval), when known. */
  intervalMs?: number;
  /** When it counts as stale if nothing arrives; listed by listSeriesDueBefore only when set. */
  staleAtMs?: number;
}

/** A series listed as due: its meta and version, without its state. */
export interface DueSeries extends SeriesMeta {
  key: string;
  version: number;
  staleSince?: string;
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

  /**
   * The series' item. With `knownWriteId` equal to the item's `writeId`, the state is not unpacked: the answer says
   * `unchanged` (a warm writer skips the inflate, the parse and the detector's decode of what it wrote itself).
   */
  getSeriesState(key: string, knownWriteId?: string): Promise<SeriesState | undefined>;
  /**
   * Writes the state if the stored version is `expectedVersion` (0 = absent). False on conflict. With `meta`
   * (and its `staleAtMs`) the series is listed for the watchdog; a write clears any stale mark. `writeId`, unique to
   * this write, is stored beside the state for getSeriesState's `knownWriteId`.
   */
  putSeriesState(
    key: string,
    state: unknown,
    expectedVersion: number,
    meta?: SeriesMeta,
    writeId?: string,
  ): Promise<boolean>;
  /** Series whose `staleAtMs` is at or before `beforeIso`, most overdue first, at most `limit`. */
  listSeriesDueBefore(beforeIso: string, limit: number): Promise<DueSeries[]>;
  /**
   * Marks the series stale since `sinceIso` if its version is still `expectedVersion` and it is not marked yet;
   * bumps the version, so a concurrent ingest reloads and sees the mark. It stays listed until relistSeries.
   */
  markSeriesStale(key: string, expectedVersion: number, sinceIso: string): Promise<boolean>;
  /** Moves the series' due time to `staleAtMs`, or unlists it (null), if its version is still `expectedVersion`. */
  relistSeries(key: string, expectedVersion: number, staleAtMs: number | null): Promise<boolean>;

  /** State of one input source (http, sqs, logs, poller) for the schema-violation check, versioned like series state. */
  getSourceState(source: string): Promise<SeriesState | undefined>;
  putSourceState(source: string, state: unknown, expectedVersion: number): Promise<boolean>;
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

// ---- usage metrics from AWS (poll-metrics) -----------------------------------------

/** One CloudWatch metric and statistic to read, per period (a GetMetricData MetricStat query). */
export interface MetricQuery {
  /** Unique within one read; starts with a lower-case letter (CloudWatch's rule for query ids). */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** `Sum`, `Average`, ... */
  stat: string;
  periodSeconds: number;
}

export interface MetricQueryResult {
  id: string;
  /** Epoch milliseconds and values, oldest first. */
  points: { t: number; value: number }[];
  /** CloudWatch StatusCode: Complete, PartialData, InternalError, Forbidden. */
  status: string;
  /** Why, when the status is not Complete. */
  messages: string[];
}

/** Reads metric statistics for a time window [start, end) (CloudWatch GetMetricData). */
export interface MetricsReader {
  read(queries: MetricQuery[], window: { start: Date; end: Date }): Promise<MetricQueryResult[]>;
}

/** Hands usage points to ingestion (the metrics SQS queue as `{points:[...]}` messages). */
export interface PointsSink {
  send(points: MetricPoint[]): Promise<{ messages: number }>;
}
