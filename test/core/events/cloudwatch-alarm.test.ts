import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { alarmSeverity } from '../../../functions/core/events/cloudwatch-alarm';
import { loadEvent } from '../../helpers/events';
import { at, ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

const ALARM_LABELS = {
  alertname: 'genai-chat-p99-latency',
  account: '123456789012',
  region: 'us-east-1',
  namespace: 'AWS/Lambda',
  metric: 'Duration',
  functionname: 'chat-api',
  source: 'cloudwatch',
  severity: 'critical',
};

describe('CloudWatch alarm via EventBridge', () => {
  it('turns ALARM into one firing critical alert labelled with the alarm and its metric', () => {
    // Prepare
    const event = loadEvent('cloudwatch-alarm.eventbridge');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'cloudwatch', shape: 'eventbridge:cloudwatch-alarm' });
    const [alert, ...rest] = normalizeAlerts(event);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', source: 'cloudwatch' });
    expect(alert!.labels).toEqual(ALARM_LABELS);
    expect(alert!.startsAt).toBe('2026-11-27T14:32:10.512Z');
    expect(alert!.endsAt).toBeUndefined();
    expect(alert!.annotations.summary).toBe('CloudWatch alarm genai-chat-p99-latency is ALARM');
    expect(alert!.annotations.description).toMatch(/^Threshold Crossed: 3 out of the last 5 datapoints/);
    expect(alert!.generatorURL).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/genai-chat-p99-latency',
    );
  });

  it('turns OK into a resolved alert with the same fingerprint, ending at the state time', () => {
    // Prepare
    const firing = normalizeAlerts(loadEvent('cloudwatch-alarm.eventbridge'))[0]!;

    // Act
    const resolved = normalizeAlerts(loadEvent('cloudwatch-alarm-ok.eventbridge'));

    // Assess
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({
      status: 'resolved',
      fingerprint: firing.fingerprint,
      startsAt: '2026-11-27T14:32:10.512Z',
      endsAt: '2026-11-27T14:58:41.307Z',
    });
  });

  it('fires a separate info alert for INSUFFICIENT_DATA and resolves it when the alarm leaves that state', () => {
    // Prepare
    const base = loadEvent('cloudwatch-alarm.eventbridge');
    const noData = withChange(
      withChange(base, ['detail', 'state', 'value'], 'INSUFFICIENT_DATA'),
      ['detail', 'previousState', 'value'],
      'OK',
    );
    const backToAlarm = withChange(base, ['detail', 'previousState', 'value'], 'INSUFFICIENT_DATA');
    const mainFingerprint = normalizeAlerts(base)[0]!.fingerprint;

    // Act
    const [insufficient] = normalizeAlerts(noData);
    const [alarm, leftNoData] = normalizeAlerts(backToAlarm);

    // Assess
    expect(insufficient).toMatchObject({ status: 'firing', severity: 'info' });
    expect(insufficient!.labels.state).toBe('INSUFFICIENT_DATA');
    expect(insufficient!.fingerprint).not.toBe(mainFingerprint);
    expect(alarm).toMatchObject({ status: 'firing', fingerprint: mainFingerprint });
    expect(leftNoData).toMatchObject({ status: 'resolved', fingerprint: insufficient!.fingerprint });
    expect(leftNoData!.endsAt).toBe('2026-11-27T14:32:10.512Z');
  });

  it('resolves the ALARM alert when the alarm moves from ALARM to INSUFFICIENT_DATA', () => {
    // Prepare
    const event = withChange(
      loadEvent('cloudwatch-alarm-ok.eventbridge'),
      ['detail', 'state', 'value'],
      'INSUFFICIENT_DATA',
    );
    const mainFingerprint = normalizeAlerts(loadEvent('cloudwatch-alarm.eventbridge'))[0]!.fingerprint;

    // Act
    const [noData, alarmEnded] = normalizeAlerts(event);

    // Assess
    expect(noData).toMatchObject({ status: 'firing', severity: 'info' });
    expect(alarmEnded).toMatchObject({ status: 'resolved', fingerprint: mainFingerprint });
  });

  it('labels a composite alarm by name and keeps its rule as an annotation', () => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('cloudwatch-alarm.eventbridge'), ['detail', 'configuration'], {
        alarmRule: 'ALARM(genai-chat-p99-latency) OR ALARM(genai-chat-error-rate)',
        actionsSuppressor: 'genai-maintenance',
        actionsSuppressorWaitPeriod: 120,
        actionsSuppressorExtensionPeriod: 180,
      }),
      ['detail', 'alarmName'],
      'genai-chat-degraded',
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.labels).toEqual({
      alertname: 'genai-chat-degraded',
      account: '123456789012',
      region: 'us-east-1',
      source: 'cloudwatch',
      severity: 'critical',
    });
    expect(alert!.annotations.alarm_rule).toBe('ALARM(genai-chat-p99-latency) OR ALARM(genai-chat-error-rate)');
  });

  it('labels only the shared namespace of a metric-math alarm and lists its metrics', () => {
    // Prepare
    const metric = (name: string, id: string) => ({
      id,
      metricStat: {
        metric: { namespace: 'AWS/Bedrock', name, dimensions: { ModelId: 'anthropic.claude-v2' } },
        period: 60,
        stat: 'Sum',
      },
      returnData: false,
    });
    const event = withChange(
      loadEvent('cloudwatch-alarm.eventbridge'),
      ['detail', 'configuration', 'metrics'],
      [
        metric('InvocationThrottles', 'throttles'),
        metric('Invocations', 'invocations'),
        { id: 'rate', expression: 'throttles / invocations * 100', label: 'Throttle rate', returnData: true },
      ],
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.labels.namespace).toBe('AWS/Bedrock');
    expect(alert!.labels.metric).toBeUndefined();
    expect(alert!.annotations.metrics).toBe(
      'AWS/Bedrock/InvocationThrottles{ModelId=anthropic.claude-v2}; AWS/Bedrock/Invocations{ModelId=anthropic.claude-v2}',
    );
  });

  it('prefixes a dimension label that would collide with a label runwatch sets', () => {
    // Prepare
    const event = withChange(
      loadEvent('cloudwatch-alarm.eventbridge'),
      ['detail', 'configuration', 'metrics', 0, 'metricStat', 'metric', 'dimensions'],
      {
        FunctionName: 'chat-api',
        Region: 'eu-west-1',
      },
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.labels.region).toBe('us-east-1');
    expect(alert!.labels.dim_region).toBe('eu-west-1');
  });

  it('names the missing state value in the validation error', () => {
    // Prepare
    const event = withChange(loadEvent('cloudwatch-alarm.eventbridge'), ['detail', 'state', 'value'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.state.value']);
  });

  it('names an unknown state value and an unreadable timestamp', () => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('cloudwatch-alarm.eventbridge'), ['detail', 'state', 'value'], 'ALARMING'),
      ['detail', 'state', 'timestamp'],
      'yesterday',
    );

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path).sort()).toEqual(['detail.state.timestamp', 'detail.state.value']);
    expect(issues.find((i) => i.path === 'detail.state.timestamp')!.message).toContain('yesterday');
  });
});

describe('CloudWatch alarm via SNS and as an alarm action', () => {
  const eventBridgeAlarm = () => normalizeAlerts(loadEvent('cloudwatch-alarm.eventbridge'))[0]!;

  it('gives the same alert for the SNS Lambda event as for EventBridge', () => {
    // Prepare
    const event = loadEvent('cloudwatch-alarm.sns-lambda');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'cloudwatch', shape: 'sns:cloudwatch-alarm' });
    const [alert] = normalizeAlerts(event);
    expect(alert!.labels).toEqual(ALARM_LABELS);
    expect(alert!.fingerprint).toBe(eventBridgeAlarm().fingerprint);
    expect(alert!.startsAt).toBe('2026-11-27T14:32:10.512Z');
    expect(alert!.annotations.description).toBe(eventBridgeAlarm().annotations.description);
  });

  it('gives the same alert for the raw SNS HTTP notification', () => {
    // Prepare
    const event = loadEvent('cloudwatch-alarm.sns-notification');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', shape: 'sns-http:cloudwatch-alarm' });
    expect(normalizeAlerts(event)[0]!.fingerprint).toBe(eventBridgeAlarm().fingerprint);
  });

  it('gives the same alert for the Lambda alarm-action event', () => {
    // Prepare
    const event = loadEvent('cloudwatch-alarm.lambda-action');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', shape: 'alarm-action:cloudwatch-alarm' });
    const [alert] = normalizeAlerts(event);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', startsAt: '2026-11-27T14:32:10.512Z' });
    expect(alert!.fingerprint).toBe(eventBridgeAlarm().fingerprint);
  });

  it('accepts the classic alarm message posted on its own', () => {
    // Prepare
    const message = JSON.parse(at(loadEvent('cloudwatch-alarm.sns-notification'), ['Message']) as string);

    // Act
    const result = normalizeEvent(message, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', shape: 'cloudwatch-alarm' });
    expect(normalizeAlerts(message)[0]!.fingerprint).toBe(eventBridgeAlarm().fingerprint);
  });

  it('resolves from an SNS OK message, taking the region from the topic when the message has no alarm ARN', () => {
    // Prepare
    const sample = loadEvent('cloudwatch-alarm.sns-lambda');
    const message = JSON.parse(at(sample, ['Records', 0, 'Sns', 'Message']) as string);
    message.NewStateValue = 'OK';
    message.OldStateValue = 'ALARM';
    message.StateChangeTime = '2026-11-27T14:58:41.307+0000';
    delete message.AlarmArn;
    const event = withChange(sample, ['Records', 0, 'Sns', 'Message'], JSON.stringify(message));

    // Act
    const [alert, ...rest] = normalizeAlerts(event);

    // Assess
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      status: 'resolved',
      fingerprint: eventBridgeAlarm().fingerprint,
      endsAt: '2026-11-27T14:58:41.307Z',
    });
  });

  it('names the field of the SNS message that is invalid', () => {
    // Prepare
    const sample = loadEvent('cloudwatch-alarm.sns-lambda');
    const message = JSON.parse(at(sample, ['Records', 0, 'Sns', 'Message']) as string);
    message.NewStateValue = 'RED';
    const event = withChange(sample, ['Records', 0, 'Sns', 'Message'], JSON.stringify(message));

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['Records[0].Sns.Message.NewStateValue']);
  });

  it('names alarmData fields of a broken alarm-action event', () => {
    // Prepare
    const event = withChange(loadEvent('cloudwatch-alarm.lambda-action'), ['alarmData', 'alarmName'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['alarmData.alarmName']);
  });
});

describe('alarm severity convention', () => {
  it.each([
    ['genai-chat-p99-latency', undefined, 'critical'],
    ['genai-chat-latency-warning', undefined, 'warning'],
    ['[warn] genai embeddings errors', undefined, 'warning'],
    ['genai-token-budget-info', undefined, 'info'],
    ['genai-chat-p99-latency', 'Latency above 8 s [warning]', 'warning'],
    ['genai-chat-p99-latency', 'severity=info: cost per request drifting', 'info'],
    ['genai-chat-p99-latency', 'Fires before users see warning signs', 'critical'],
    ['genai-information-retrieval-errors', undefined, 'critical'],
  ] as const)('%s / %s → %s', (name, description, expected) => {
    // Act
    const severity = alarmSeverity(name, description);

    // Assess
    expect(severity).toBe(expected);
  });

  it('keeps one fingerprint for a warning alarm from ALARM to OK', () => {
    // Prepare
    const rename = (event: unknown) => withChange(event, ['detail', 'alarmName'], 'genai-chat-latency-warning');

    // Act
    const [firing] = normalizeAlerts(rename(loadEvent('cloudwatch-alarm.eventbridge')));
    const [resolved] = normalizeAlerts(rename(loadEvent('cloudwatch-alarm-ok.eventbridge')));

    // Assess
    expect(firing!.severity).toBe('warning');
    expect(resolved!.fingerprint).toBe(firing!.fingerprint);
  });
});
