import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { at, ctx, normalizeAlerts, validationIssues, withChange } from './support';

function snsRecord(message: unknown, topic = 'arn:aws:sns:us-east-1:123456789012:runwatch-events') {
  const record = structuredClone(at(loadEvent('cloudwatch-alarm.sns-lambda'), ['Records', 0])) as {
    Sns: { Message: string; TopicArn: string };
  };
  record.Sns.Message = typeof message === 'string' ? message : JSON.stringify(message);
  record.Sns.TopicArn = topic;
  return record;
}

describe('SNS unwrapping', () => {
  it('normalizes every record of a Lambda SNS event', () => {
    // Prepare
    const alarmRecord = at(loadEvent('cloudwatch-alarm.sns-lambda'), ['Records', 0]);
    const okMessage = JSON.parse(at(alarmRecord, ['Sns', 'Message']) as string);
    okMessage.NewStateValue = 'OK';
    okMessage.OldStateValue = 'ALARM';
    okMessage.StateChangeTime = '2026-11-27T14:58:41.307+0000';
    const event = {
      Records: [alarmRecord, snsRecord(okMessage, 'arn:aws:sns:us-east-1:123456789012:runwatch-alarms')],
    };

    // Act
    const alerts = normalizeAlerts(event);

    // Assess
    expect(alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(alerts[1]!.fingerprint).toBe(alerts[0]!.fingerprint);
  });

  it('unwraps an EventBridge event that a rule delivered through SNS', () => {
    // Prepare
    const event = { Records: [snsRecord(loadEvent('health.eventbridge'))] };

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'health', shape: 'sns:eventbridge:health' });
  });

  it('unwraps a Lambda destination record sent to an SNS destination', () => {
    // Prepare
    const event = { Records: [snsRecord(loadEvent('lambda-destination-failure'))] };

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'lambda', shape: 'sns:lambda-destination' });
  });

  it('collects alerts from the records it supports and skips the others', () => {
    // Prepare
    const event = {
      Records: [snsRecord(loadEvent('unsupported.eventbridge')), snsRecord(loadEvent('lambda-destination-failure'))],
    };

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'lambda', shape: 'sns:mixed' });
    expect(normalizeAlerts(event)).toHaveLength(1);
  });

  it('reports a message it cannot alert on as unsupported', () => {
    // Prepare
    const event = { Records: [snsRecord(loadEvent('unsupported.eventbridge'))] };

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'unsupported', shape: 'sns:eventbridge' });
  });

  it('rejects a plain-text message, naming Message', () => {
    // Prepare
    const text =
      'You are receiving this email because your Amazon CloudWatch Alarm "genai-chat-p99-latency" has entered the ALARM state';
    const lambdaEvent = { Records: [snsRecord(text)] };
    const httpBody = withChange(loadEvent('cloudwatch-alarm.sns-notification'), ['Message'], text);

    // Act
    const lambdaIssues = validationIssues(() => normalizeEvent(lambdaEvent, ctx));
    const httpIssues = validationIssues(() => normalizeEvent(httpBody, ctx));

    // Assess
    expect(lambdaIssues.map((i) => i.path)).toEqual(['Records[0].Sns.Message']);
    expect(httpIssues.map((i) => i.path)).toEqual(['Message']);
  });

  it('points into the right record when the second one is broken', () => {
    // Prepare
    const record = at(loadEvent('cloudwatch-alarm.sns-lambda'), ['Records', 0]);
    const event = { Records: [record, snsRecord({ version: '4', alerts: [{ status: 'firing' }] })] };

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path).sort()).toEqual([
      'Records[1].Sns.Message.alerts[0].labels',
      'Records[1].Sns.Message.alerts[0].startsAt',
    ]);
  });

  it('accepts a subscription confirmation without alerting', () => {
    // Prepare
    const body = withChange(loadEvent('cloudwatch-alarm.sns-notification'), ['Type'], 'SubscriptionConfirmation');

    // Act
    const result = normalizeEvent(body, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'unsupported', shape: 'sns-http:SubscriptionConfirmation' });
  });
});
