import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

describe('Lambda destination failure records', () => {
  it('turns a raw on-failure record into a LambdaInvocationFailed alert', () => {
    // Prepare
    const record = loadEvent('lambda-destination-failure');

    // Act
    const result = normalizeEvent(record, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'lambda', shape: 'lambda-destination' });
    const [alert] = normalizeAlerts(record);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', startsAt: '2026-11-27T14:36:52.118Z' });
    expect(alert!.labels).toEqual({
      alertname: 'LambdaInvocationFailed',
      account: '123456789012',
      region: 'us-east-1',
      function: 'chat-api',
      condition: 'RetriesExhausted',
      source: 'lambda',
      severity: 'critical',
    });
    expect(alert!.annotations).toMatchObject({
      errorType: 'ThrottlingException',
      errorMessage: 'Too many requests, please wait before trying again.',
      requestId: 'e4b46cbf-b738-4c1e-8880-a18cdf61200e',
      approximateInvokeCount: '3',
    });
  });

  it('gives the EventBridge-wrapped record the same alert', () => {
    // Prepare
    const wrapped = loadEvent('lambda-destination-failure.eventbridge');

    // Act
    const result = normalizeEvent(wrapped, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', shape: 'eventbridge:lambda-destination' });
    expect(normalizeAlerts(wrapped)[0]!.fingerprint).toBe(
      normalizeAlerts(loadEvent('lambda-destination-failure'))[0]!.fingerprint,
    );
  });

  it('dedups repeated failures of the same function: the request id changes, the fingerprint does not', () => {
    // Prepare
    const first = loadEvent('lambda-destination-failure');
    const second = withChange(first, ['requestContext', 'requestId'], '0c7a3b1d-44e2-4f9a-9d61-5b2e8f7a1c03');

    // Act
    const [a] = normalizeAlerts(first);
    const [b] = normalizeAlerts(second);

    // Assess
    expect(b!.fingerprint).toBe(a!.fingerprint);
    expect(b!.annotations.requestId).toBe('0c7a3b1d-44e2-4f9a-9d61-5b2e8f7a1c03');
  });

  it('gives an event that was too old its own alert', () => {
    // Prepare
    const tooOld = withChange(
      loadEvent('lambda-destination-failure'),
      ['requestContext', 'condition'],
      'EventAgeExceeded',
    );

    // Act
    const [alert] = normalizeAlerts(tooOld);

    // Assess
    expect(alert!.labels.condition).toBe('EventAgeExceeded');
    expect(alert!.fingerprint).not.toBe(normalizeAlerts(loadEvent('lambda-destination-failure'))[0]!.fingerprint);
  });

  it('does not alert on a success record', () => {
    // Prepare
    const success = withChange(loadEvent('lambda-destination-failure'), ['requestContext', 'condition'], 'Success');

    // Act
    const result = normalizeEvent(success, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'unsupported', shape: 'lambda-destination' });
  });

  it('names the missing timestamp of an EventBridge-wrapped record under detail', () => {
    // Prepare
    const wrapped = withChange(loadEvent('lambda-destination-failure.eventbridge'), ['detail', 'timestamp'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(wrapped, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.timestamp']);
  });

  it('refuses a function ARN that is not a Lambda ARN', () => {
    // Prepare
    const record = withChange(loadEvent('lambda-destination-failure'), ['requestContext', 'functionArn'], 'chat-api');

    // Act
    const issues = validationIssues(() => normalizeEvent(record, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['requestContext.functionArn']);
  });
});
