import { describe, expect, it } from 'vitest';
import { makeAlert } from '../../../functions/core/alert';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, validationIssues, withChange } from './support';

const SAMPLES = [
  ['cloudwatch-alarm.eventbridge', 'eventbridge:cloudwatch-alarm'],
  ['cloudwatch-alarm-ok.eventbridge', 'eventbridge:cloudwatch-alarm'],
  ['cloudwatch-alarm.sns-lambda', 'sns:cloudwatch-alarm'],
  ['cloudwatch-alarm.sns-notification', 'sns-http:cloudwatch-alarm'],
  ['cloudwatch-alarm.lambda-action', 'alarm-action:cloudwatch-alarm'],
  ['health.eventbridge', 'eventbridge:health'],
  ['ecs-task-stopped.eventbridge', 'eventbridge:ecs-task'],
  ['lambda-destination-failure', 'lambda-destination'],
  ['lambda-destination-failure.eventbridge', 'eventbridge:lambda-destination'],
  ['ssm-compliance.eventbridge', 'eventbridge:ssm-compliance'],
  ['alertmanager-webhook', 'alertmanager:webhook'],
] as const;

describe('normalizeEvent', () => {
  it.each(SAMPLES)('recognises %s as %s and builds well-formed alerts', (name, shape) => {
    // Prepare
    const event = loadEvent(name);

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', shape });
    for (const alert of normalizeAlerts(event)) {
      // Every alert is exactly what makeAlert would build from its own parts: fingerprint included.
      const { fingerprint: _, ...draft } = alert;
      expect(makeAlert(draft)).toEqual(alert);
      expect(alert.labels.alertname).not.toBe('unnamed');
      expect(Number.isNaN(Date.parse(alert.startsAt))).toBe(false);
      expect(alert.startsAt).toMatch(/Z$/);
    }
  });

  it('is deterministic: the same event gives the same alerts', () => {
    // Prepare
    const event = loadEvent('ecs-task-stopped.eventbridge');

    // Act
    const first = normalizeEvent(event, ctx);
    const second = normalizeEvent(structuredClone(event), ctx);

    // Assess
    expect(second).toEqual(first);
  });

  it('accepts an EventBridge event of another kind as unsupported', () => {
    // Prepare
    const event = loadEvent('unsupported.eventbridge');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toEqual({
      kind: 'unsupported',
      shape: 'eventbridge',
      reason: 'no normalizer for aws.ec2 "EC2 Instance State-change Notification"',
    });
  });

  it.each(['ssm-automation-status.eventbridge', 'ssm-command-status.eventbridge'])(
    'treats the runbook status event %s as unsupported (runbook-events reads it instead)',
    (name) => {
      // Act
      const result = normalizeEvent(loadEvent(name), ctx);

      // Assess
      expect(result).toMatchObject({ kind: 'unsupported', shape: 'eventbridge' });
    },
  );

  it('accepts an unknown JSON object as unsupported', () => {
    // Act
    const result = normalizeEvent({ hello: 'world' }, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'unsupported', shape: 'unknown' });
  });

  it.each([null, 'ALARM', 42, [], [{ Records: [] }]])('rejects the non-object %j', (input) => {
    // Act
    const issues = validationIssues(() => normalizeEvent(input, ctx));

    // Assess
    expect(issues).toEqual([{ path: '(root)', message: 'must be a JSON object' }]);
  });

  it('rejects a recognised EventBridge event whose envelope lacks its time', () => {
    // Prepare
    const event = withChange(loadEvent('health.eventbridge'), ['time'], 42);

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['time']);
  });

  it('rejects a recognised EventBridge event whose detail is not an object', () => {
    // Prepare
    const event = withChange(loadEvent('ssm-compliance.eventbridge'), ['detail'], 'non_compliant');

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail']);
  });
});
