import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

describe('AWS Health events', () => {
  it('turns an open issue into a firing critical alert labelled with service and event type', () => {
    // Prepare
    const event = loadEvent('health.eventbridge');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'health', shape: 'eventbridge:health' });
    const [alert, ...rest] = normalizeAlerts(event);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', startsAt: '2026-11-27T12:48:00.000Z' });
    expect(alert!.labels).toMatchObject({
      alertname: 'AWS_BEDROCK_OPERATIONAL_ISSUE',
      service: 'BEDROCK',
      eventTypeCode: 'AWS_BEDROCK_OPERATIONAL_ISSUE',
      eventTypeCategory: 'issue',
      region: 'us-east-1',
      account: '123456789012',
    });
    expect(alert!.annotations.affected_entities).toBe('2');
    expect(alert!.annotations.summary).toBe(
      'We are investigating increased error rates and latencies for InvokeModel and Converse API requests in the US-EAST-1 Region.',
    );
    expect(alert!.annotations.description).toContain('Provisioned Throughput is not affected.');
    expect(alert!.generatorURL).toContain('health.aws.amazon.com');
  });

  it('resolves with the same fingerprint when Health closes the event', () => {
    // Prepare
    const open = loadEvent('health.eventbridge');
    const closed = withChange(
      withChange(open, ['detail', 'statusCode'], 'closed'),
      ['detail', 'endTime'],
      'Fri, 27 Nov 2026 15:20:00 GMT',
    );

    // Act
    const [firing] = normalizeAlerts(open);
    const [resolved] = normalizeAlerts(closed);

    // Assess
    expect(resolved).toMatchObject({
      status: 'resolved',
      fingerprint: firing!.fingerprint,
      endsAt: '2026-11-27T15:20:00.000Z',
    });
  });

  it.each([
    ['scheduledChange', 'warning'],
    ['accountNotification', 'info'],
  ] as const)('gives a %s event severity %s', (category, severity) => {
    // Prepare
    const event = withChange(loadEvent('health.eventbridge'), ['detail', 'eventTypeCategory'], category);

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.severity).toBe(severity);
  });

  it('starts an upcoming scheduled change when Health announced it, not in the future', () => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('health.eventbridge'), ['detail', 'statusCode'], 'upcoming'),
      ['detail', 'startTime'],
      'Thu, 03 Dec 2026 02:00:00 GMT',
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert).toMatchObject({ status: 'firing', startsAt: '2026-11-27T13:05:22.000Z' });
    expect(alert!.annotations.start_time).toBe('2026-12-03T02:00:00.000Z');
  });

  it('names the missing event type code', () => {
    // Prepare
    const event = withChange(loadEvent('health.eventbridge'), ['detail', 'eventTypeCode'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.eventTypeCode']);
  });
});
