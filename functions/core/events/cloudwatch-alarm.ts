// CloudWatch alarm state changes, in all three delivery shapes, turned into one alert identity per alarm.
//
// Shapes (field names from the CloudWatch user guide):
//   - EventBridge "CloudWatch Alarm State Change" (detail.state / detail.previousState / detail.configuration);
//   - the classic SNS message (AlarmName, NewStateValue, OldStateValue, StateChangeTime, Trigger, ...),
//     arriving inside an SNS Lambda record, an SNS HTTP notification, or posted as is;
//   - the Lambda alarm-action event (source aws.cloudwatch, alarmArn, alarmData).
//
// Identity: labels are alertname (alarm name), account, region, namespace and metric when the alarm watches one
// metric, and one label per metric dimension: the dimension name lower-cased (`FunctionName` → `functionname`),
// prefixed with `dim_` when it would clash with a label runwatch sets itself. All three shapes yield the same
// labels, so the same alarm has the same fingerprint whichever way it arrived.
//
// Status: ALARM fires; OK resolves (endsAt = the state timestamp). INSUFFICIENT_DATA fires a separate, info
// alert (extra label state=INSUFFICIENT_DATA) so "no data" never overwrites a real alarm; leaving a state
// resolves that state's alert, so the previous state's alert is resolved alongside the new one.
//
// Severity: the event carries none, so it comes from a hint in the alarm name (a token `critical`, `warning`,
// `warn` or `info` separated by non-letters, e.g. `genai-chat-latency-warning`) or in the description (a
// bracketed `[warning]` or `severity=warning`); without a hint an alarm is critical.
import { z } from 'zod';
import { type Alert, makeAlert, type Severity } from '../alert';
import { compact, consoleBase, isoTime, isRecord, nonEmpty, parseArn, parseOrThrow } from './common';
import type { Envelope } from './eventbridge';

const STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
type StateValue = (typeof STATE_VALUES)[number];
const stateValue = z.enum(STATE_VALUES);

const RESERVED_LABELS = new Set([
  'alertname',
  'account',
  'region',
  'namespace',
  'metric',
  'source',
  'severity',
  'state',
]);

interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** What every shape is reduced to before alerts are built. */
export interface AlarmChange {
  alarmName: string;
  alarmArn?: string;
  account: string;
  region: string;
  partition: string;
  description?: string;
  state: StateValue;
  previousState?: StateValue;
  reason?: string;
  /** ISO time the alarm entered `state`. */
  stateTime: string;
  /** ISO time the alarm entered `previousState`, when the shape says. */
  previousStateTime?: string;
  metrics: MetricRef[];
  alarmRule?: string;
  actionsSuppressedBy?: string;
}

// --- EventBridge and alarm-action shapes share the `state` / `configuration` vocabulary. ---------------------

const stateSchema = z.object({
  value: stateValue,
  reason: z.string().optional(),
  reasonData: z.string().optional(),
  timestamp: isoTime,
  actionsSuppressedBy: z.string().optional(),
  actionsSuppressedReason: z.string().optional(),
});

const metricStatQuery = z.object({
  id: z.string().optional(),
  metricStat: z.object({
    metric: z.object({
      namespace: nonEmpty,
      name: nonEmpty,
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
    period: z.number().optional(),
    stat: z.string().optional(),
    unit: z.string().optional(),
  }),
  returnData: z.boolean().optional(),
});

const expressionQuery = z.object({ id: z.string().optional(), expression: z.string() }).loose();

const configurationSchema = z
  .object({
    description: z.string().nullish(),
    // Expression entries (metric math, anomaly bands) have no metricStat; only metricStat entries name a metric.
    metrics: z.array(z.union([metricStatQuery, expressionQuery])).optional(),
    alarmRule: z.string().optional(),
  })
  .loose();

const alarmDetailSchema = z.object({
  alarmName: nonEmpty,
  state: stateSchema,
  previousState: stateSchema.partial({ timestamp: true }).optional(),
  configuration: configurationSchema.optional(),
});

function metricsFromConfiguration(config: z.output<typeof configurationSchema> | undefined): MetricRef[] {
  const out: MetricRef[] = [];
  for (const q of config?.metrics ?? []) {
    if (!('expression' in q)) {
      const m = q.metricStat.metric;
      out.push({ namespace: m.namespace, name: m.name, dimensions: m.dimensions ?? {} });
    }
  }
  return out;
}

function fromStateDetail(
  detail: z.output<typeof alarmDetailSchema>,
  where: { account: string; region: string; alarmArn?: string },
): AlarmChange {
  const arn = parseArn(where.alarmArn);
  const change: AlarmChange = {
    alarmName: detail.alarmName,
    account: where.account,
    region: where.region,
    partition: arn?.partition ?? 'aws',
    state: detail.state.value,
    stateTime: detail.state.timestamp,
    metrics: metricsFromConfiguration(detail.configuration),
  };
  if (where.alarmArn) change.alarmArn = where.alarmArn;
  if (detail.configuration?.description) change.description = detail.configuration.description;
  if (detail.state.reason) change.reason = detail.state.reason;
  if (detail.previousState?.value) change.previousState = detail.previousState.value;
  if (detail.previousState?.timestamp) change.previousStateTime = detail.previousState.timestamp;
  if (detail.configuration?.alarmRule) change.alarmRule = detail.configuration.alarmRule;
  if (detail.state.actionsSuppressedBy) change.actionsSuppressedBy = detail.state.actionsSuppressedBy;
  return change;
}

/** EventBridge "CloudWatch Alarm State Change". */
export function fromEventBridge(envelope: Envelope): AlarmChange {
  const detail = parseOrThrow(alarmDetailSchema, envelope.detail, 'CloudWatch alarm state change', ['detail']);
  const alarmArn = envelope.resources?.find((r) => r.includes(':alarm:'));
  return fromStateDetail(detail, { account: envelope.account, region: envelope.region, alarmArn });
}

/** Structural test for the Lambda alarm-action event. */
export function isAlarmActionEvent(input: unknown): boolean {
  return isRecord(input) && 'alarmData' in input && 'alarmArn' in input;
}

const alarmActionSchema = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: nonEmpty,
  accountId: nonEmpty,
  time: isoTime.optional(),
  region: nonEmpty,
  alarmData: alarmDetailSchema,
});

/** The event a Lambda function receives when it is an alarm's action. */
export function fromAlarmAction(input: unknown): AlarmChange {
  const event = parseOrThrow(alarmActionSchema, input, 'CloudWatch alarm action event');
  return fromStateDetail(event.alarmData, { account: event.accountId, region: event.region, alarmArn: event.alarmArn });
}

// --- The classic SNS message. ---------------------------------------------------------------------------------

/** Structural test for the classic alarm message (what SNS carries in `Message`). */
export function isClassicAlarmMessage(input: unknown): boolean {
  return isRecord(input) && 'AlarmName' in input && 'NewStateValue' in input;
}

const snsDimension = z.object({ name: z.string(), value: z.string() });

const classicMessageSchema = z.object({
  AlarmName: nonEmpty,
  AlarmDescription: z.string().nullish(),
  AWSAccountId: nonEmpty,
  NewStateValue: stateValue,
  NewStateReason: z.string().nullish(),
  StateChangeTime: isoTime,
  Region: z.string().nullish(),
  AlarmArn: z.string().nullish(),
  OldStateValue: stateValue.nullish(),
  AlarmRule: z.string().nullish(),
  Trigger: z
    .object({
      MetricName: z.string().nullish(),
      Namespace: z.string().nullish(),
      Dimensions: z.array(snsDimension).nullish(),
      Metrics: z
        .array(
          z
            .object({
              MetricStat: z
                .object({
                  Metric: z.object({
                    Namespace: z.string(),
                    MetricName: z.string(),
                    Dimensions: z.array(snsDimension).nullish(),
                  }),
                })
                .loose()
                .nullish(),
            })
            .loose(),
        )
        .nullish(),
    })
    .loose()
    .nullish(),
});

function dimensionsOf(list: ReadonlyArray<{ name: string; value: string }> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of list ?? []) out[d.name] = d.value;
  return out;
}

/**
 * The classic message. `topicArn` (from the SNS wrapper) supplies the region code when the message has no
 * AlarmArn: its `Region` is a display name ("US East (N. Virginia)"), which would split the fingerprint.
 */
export function fromClassicMessage(input: unknown, hints: { topicArn?: string } = {}): AlarmChange {
  const msg = parseOrThrow(classicMessageSchema, input, 'CloudWatch alarm message');
  const alarmArn = parseArn(msg.AlarmArn ?? undefined);
  const topicArn = parseArn(hints.topicArn);
  const metrics: MetricRef[] = [];
  const trigger = msg.Trigger;
  if (trigger?.MetricName && trigger.Namespace) {
    metrics.push({
      namespace: trigger.Namespace,
      name: trigger.MetricName,
      dimensions: dimensionsOf(trigger.Dimensions),
    });
  }
  for (const q of trigger?.Metrics ?? []) {
    const m = q.MetricStat?.Metric;
    if (m) metrics.push({ namespace: m.Namespace, name: m.MetricName, dimensions: dimensionsOf(m.Dimensions) });
  }
  const change: AlarmChange = {
    alarmName: msg.AlarmName,
    account: msg.AWSAccountId,
    region: alarmArn?.region || topicArn?.region || msg.Region || 'unknown',
    partition: alarmArn?.partition ?? topicArn?.partition ?? 'aws',
    state: msg.NewStateValue,
    stateTime: msg.StateChangeTime,
    metrics,
  };
  if (msg.AlarmArn) change.alarmArn = msg.AlarmArn;
  if (msg.AlarmDescription) change.description = msg.AlarmDescription;
  if (msg.NewStateReason) change.reason = msg.NewStateReason;
  if (msg.OldStateValue) change.previousState = msg.OldStateValue;
  if (msg.AlarmRule) change.alarmRule = msg.AlarmRule;
  return change;
}

// --- Alerts. ----------------------------------------------------------------------------------------------------

const NAME_HINT = /(?:^|[^a-z])(critical|warning|warn|info)(?=$|[^a-z])/i;
const DESCRIPTION_HINT = /\[(critical|warning|warn|info)\]|severity\s*[=:]\s*(critical|warning|warn|info)\b/i;

/** The severity of the alarm's ALARM state; see the module comment for the convention. */
export function alarmSeverity(alarmName: string, description?: string): Severity {
  const hint =
    NAME_HINT.exec(alarmName)?.[1] ?? (description ? DESCRIPTION_HINT.exec(description) : null)?.slice(1).find(Boolean);
  switch (hint?.toLowerCase()) {
    case 'warning':
    case 'warn':
      return 'warning';
    case 'info':
      return 'info';
    default:
      return 'critical';
  }
}

function identityLabels(change: AlarmChange): Record<string, string> {
  const labels: Record<string, string> = {
    alertname: change.alarmName,
    account: change.account,
    region: change.region,
  };
  const namespaces = new Set(change.metrics.map((m) => m.namespace));
  if (namespaces.size === 1) labels.namespace = [...namespaces][0]!;
  // One watched metric: name it and its dimensions. Metric math over several: only the shared namespace.
  const only = change.metrics.length === 1 ? change.metrics[0] : undefined;
  if (only) {
    labels.metric = only.name;
    for (const [name, value] of Object.entries(only.dimensions)) {
      const key = name.toLowerCase();
      labels[RESERVED_LABELS.has(key) ? `dim_${key}` : key] = value;
    }
  }
  return labels;
}

function describeMetric(m: MetricRef): string {
  const dims = Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${m.namespace}/${m.name}${dims ? `{${dims}}` : ''}`;
}

function consoleUrl(change: AlarmChange): string | undefined {
  const base = consoleBase(change.region, change.partition);
  if (!base) return undefined;
  return `${base}/cloudwatch/home?region=${change.region}#alarmsV2:alarm/${encodeURIComponent(change.alarmName)}`;
}

/** Builds the alerts for one state change: the new state's alert, plus the resolution of the state it left. */
export function alertsFromAlarmChange(change: AlarmChange): Alert[] {
  const base = identityLabels(change);
  const severity = alarmSeverity(change.alarmName, change.description);
  const generatorURL = consoleUrl(change);
  const annotations = compact({
    summary: `CloudWatch alarm ${change.alarmName} is ${change.state}`,
    description: change.reason,
    alarm_description: change.description,
    alarm_arn: change.alarmArn,
    alarm_rule: change.alarmRule,
    metrics: change.metrics.length > 1 ? change.metrics.map(describeMetric).join('; ') : undefined,
    previous_state: change.previousState,
    actions_suppressed_by: change.actionsSuppressedBy,
  });

  const build = (kind: 'ALARM' | 'INSUFFICIENT_DATA', status: 'firing' | 'resolved'): Alert => {
    const insufficient = kind === 'INSUFFICIENT_DATA';
    const labels = insufficient ? { ...base, state: 'INSUFFICIENT_DATA' } : base;
    const endsAt = status === 'resolved' ? change.stateTime : undefined;
    // A resolution starts when the state it ends began, when the shape tells us.
    const startsAt = status === 'resolved' ? (change.previousStateTime ?? change.stateTime) : change.stateTime;
    return makeAlert({
      status,
      severity: insufficient ? 'info' : severity,
      source: 'cloudwatch',
      labels,
      annotations,
      startsAt,
      ...(endsAt ? { endsAt } : {}),
      ...(generatorURL ? { generatorURL } : {}),
    });
  };

  const alerts: Alert[] = [];
  if (change.state !== 'OK') alerts.push(build(change.state, 'firing'));
  const left = change.previousState;
  if (left !== undefined && left !== 'OK' && left !== change.state) alerts.push(build(left, 'resolved'));
  // An OK whose previous state is unknown still ends the alarm's main alert.
  if (change.state === 'OK' && left === undefined) alerts.push(build('ALARM', 'resolved'));
  return alerts;
}
