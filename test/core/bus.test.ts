import { describe, expect, it } from 'vitest';
import { type Alert, makeAlert } from '../../functions/core/alert';
import { alertEvents, BUS_SOURCE, DetailType, parseBusMessage } from '../../functions/core/bus';
import { type Issue, ValidationError } from '../../functions/core/errors';

function alert(i = 0): Alert {
  return makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'ecs',
    labels: { alertname: 'EcsTaskStopped', cluster: 'genai', task: `t${i}` },
    annotations: { summary: 'ECS task stopped' },
    startsAt: '2026-11-27T10:00:00.000Z',
    generatorURL: 'https://console.aws.amazon.com/ecs/v2/clusters/genai',
  });
}

/** The body SQS holds when an EventBridge rule targets the queue: the whole event as JSON. */
function sqsBody(detailType: string, detail: unknown, source = BUS_SOURCE): string {
  return JSON.stringify({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-11-27T10:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

function validationIssues(act: () => unknown): Issue[] {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).retryable).toBe(false);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('parseBusMessage', () => {
  it('reads a runwatch.alert event delivered to SQS', () => {
    // Prepare
    const alerts = [alert(1), alert(2)];
    const body = sqsBody(DetailType.alert, {
      alerts,
      shape: 'eventbridge:ECS Task State Change',
      correlationId: 'c-1',
    });

    // Act
    const message = parseBusMessage(body);

    // Assess
    expect(message).toEqual({
      kind: 'alert',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      alerts,
      correlationId: 'c-1',
    });
  });

  it.each([
    [DetailType.runbookRequested, 'runbook-requested'],
    [DetailType.runbookApproved, 'runbook-approved'],
  ] as const)('reads a %s event', (detailType, kind) => {
    const message = parseBusMessage(sqsBody(detailType, { executionId: 'e-1', correlationId: 'c-2' }));

    expect(message).toEqual({
      kind,
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      executionId: 'e-1',
      correlationId: 'c-2',
    });
  });

  it('leaves out the correlation id and event id when absent', () => {
    const body = JSON.stringify({
      'detail-type': DetailType.runbookRequested,
      source: BUS_SOURCE,
      detail: { executionId: 'e' },
    });

    expect(parseBusMessage(body)).toEqual({ kind: 'runbook-requested', executionId: 'e' });
  });

  it('passes over an event of another detail type', () => {
    const body = sqsBody('EC2 Automation Execution Status-change Notification', { Status: 'Success' }, 'aws.ssm');

    expect(parseBusMessage(body)).toEqual({
      kind: 'other',
      detailType: 'EC2 Automation Execution Status-change Notification',
    });
  });

  it.each([
    ['a body that is not JSON', '{"detail-type":', 'body'],
    ['an event without detail-type', JSON.stringify({ source: 'runwatch', detail: {} }), 'detail-type'],
    ['an event without source', JSON.stringify({ 'detail-type': DetailType.alert, detail: {} }), 'source'],
    ['a JSON array', '[]', '(root)'],
    ['an alert event without detail', sqsBody(DetailType.alert, undefined), 'detail'],
    ['an alert event with no alerts', sqsBody(DetailType.alert, { alerts: [] }), 'detail.alerts'],
    [
      'an alert with an unknown severity',
      sqsBody(DetailType.alert, { alerts: [{ ...alert(), severity: 'loud' }] }),
      'detail.alerts[0].severity',
    ],
    [
      'an alert with a non-string label',
      sqsBody(DetailType.alert, { alerts: [alert(), { ...alert(), labels: { task: 3 } }] }),
      'detail.alerts[1].labels.task',
    ],
    [
      'an alert without a fingerprint',
      sqsBody(DetailType.alert, { alerts: [{ ...alert(), fingerprint: '' }] }),
      'detail.alerts[0].fingerprint',
    ],
    ['a runbook event without an execution id', sqsBody(DetailType.runbookApproved, {}), 'detail.executionId'],
  ])('rejects %s as a ValidationError naming %s', (_name, body, path) => {
    const issues = validationIssues(() => parseBusMessage(body));

    expect(issues.map((i) => i.path)).toContain(path);
  });
});

describe('alertEvents', () => {
  it('splits alerts into chunks of 25, in order, each carrying shape and correlation id', () => {
    // Prepare
    const alerts = Array.from({ length: 60 }, (_, i) => alert(i));

    // Act
    const events = alertEvents(alerts, 'alertmanager', 'c-9');

    // Assess
    expect(events.map((e) => e.detail.alerts.length)).toEqual([25, 25, 10]);
    expect(events.flatMap((e) => e.detail.alerts)).toEqual(alerts);
    for (const e of events) {
      expect(e.detailType).toBe(DetailType.alert);
      expect(e.detail).toMatchObject({ shape: 'alertmanager', correlationId: 'c-9' });
    }
  });

  it.each([
    [0, 10, []],
    [1, 10, [1]],
    [10, 10, [10]],
    [11, 10, [10, 1]],
    [3, 1, [1, 1, 1]],
  ])('%i alerts at %i per event → %j', (n, perEvent, sizes) => {
    const events = alertEvents(
      Array.from({ length: n }, (_, i) => alert(i)),
      's',
      'c',
      perEvent,
    );

    expect(events.map((e) => e.detail.alerts.length)).toEqual(sizes);
  });

  it('produces events that parse back to the same alerts once delivered to SQS', () => {
    const alerts = Array.from({ length: 30 }, (_, i) => alert(i));

    const parsed = alertEvents(alerts, 's', 'c').map((e) => parseBusMessage(sqsBody(e.detailType, e.detail)));

    expect(parsed.flatMap((m) => (m.kind === 'alert' ? m.alerts : []))).toEqual(alerts);
    expect(parsed.every((m) => m.kind === 'alert' && m.correlationId === 'c')).toBe(true);
  });
});
