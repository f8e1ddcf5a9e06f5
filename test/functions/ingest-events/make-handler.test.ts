import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import { DetailType } from '../../../functions/core/bus';
import { ValidationError } from '../../../functions/core/errors';
import { makeHandler } from '../../../functions/ingest-events/make-handler';
import { loadEvent } from '../../helpers/events';
import { bodyOf, context, httpEvent, makeTestRuntime, stopTestDynalite, type TestRuntime } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const ALARM_FINGERPRINT = '385ea806597a0b6d';

/** The alerts in every runwatch.alert event published so far. */
function publishedAlerts(rt: TestRuntime): Alert[] {
  return rt.bus.eventsOf(DetailType.alert).flatMap((e) => (e.detail as { alerts: Alert[] }).alerts);
}

function snsHttpPost(notification: Record<string, unknown>) {
  // The headers SNS sends with an HTTP(S) subscription delivery; the body is text/plain JSON.
  return httpEvent('POST', '/v1/events', {
    body: JSON.stringify(notification),
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': String(notification.MessageId),
      'x-amz-sns-topic-arn': String(notification.TopicArn),
      'user-agent': 'Amazon Simple Notification Service Agent',
    },
  });
}

describe('ingest-events handler', () => {
  let rt: TestRuntime;
  let handler: ReturnType<typeof makeHandler>;

  beforeEach(async () => {
    rt = await makeTestRuntime();
    handler = makeHandler(rt.forFunction('ingest-events'));
  });

  describe('asynchronous invocations (EventBridge, SNS, alarm actions, destinations)', () => {
    it.each([
      ['cloudwatch-alarm.eventbridge', 'cloudwatch', 'genai-chat-p99-latency', 'firing'],
      ['cloudwatch-alarm-ok.eventbridge', 'cloudwatch', 'genai-chat-p99-latency', 'resolved'],
      ['cloudwatch-alarm.sns-lambda', 'cloudwatch', 'genai-chat-p99-latency', 'firing'],
      ['cloudwatch-alarm.lambda-action', 'cloudwatch', 'genai-chat-p99-latency', 'firing'],
      ['ecs-task-stopped.eventbridge', 'ecs', 'EcsTaskStopped', 'firing'],
      ['health.eventbridge', 'health', 'AWS_BEDROCK_OPERATIONAL_ISSUE', 'firing'],
      ['lambda-destination-failure.eventbridge', 'lambda', 'LambdaInvocationFailed', 'firing'],
      ['lambda-destination-failure', 'lambda', 'LambdaInvocationFailed', 'firing'],
      ['ssm-compliance.eventbridge', 'ssm', 'PatchCompliance', 'firing'],
    ])('%s publishes one %s alert %s (%s)', async (sample, source, alertname, status) => {
      // Prepare
      const event = loadEvent(sample);

      // Act
      const outcome = await handler(event, context('ingest-events'));

      // Assess
      const alerts = publishedAlerts(rt);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ source, status, labels: { alertname } });
      expect(outcome).toMatchObject({ accepted: 1, fingerprints: [alerts[0]?.fingerprint] });
      const [published] = rt.bus.eventsOf(DetailType.alert);
      expect(published?.detail.shape).toBe((outcome as { shape: string }).shape);
    });

    it('carries the event id as the correlation id of what it publishes', async () => {
      // Prepare
      const event = loadEvent('cloudwatch-alarm.eventbridge') as { id: string };

      // Act
      await handler(event, context('ingest-events'));

      // Assess
      expect(rt.bus.published[0]?.detail.correlationId).toBe(event.id);
    });

    it('accepts an unsupported EventBridge event without publishing or throwing', async () => {
      // Prepare
      const event = loadEvent('unsupported.eventbridge');

      // Act
      const outcome = await handler(event, context('ingest-events'));

      // Assess
      expect(outcome).toMatchObject({ accepted: 0, fingerprints: [] });
      expect((outcome as { unsupported?: string }).unsupported).toMatch(/aws\.ec2/);
      expect(rt.bus.published).toEqual([]);
    });

    it('rethrows a malformed event so Lambda retries it into the dead-letter queue, and keeps serving', async () => {
      // Prepare
      const broken = loadEvent('cloudwatch-alarm.eventbridge') as { detail: { state: Record<string, unknown> } };
      delete broken.detail.state.value;

      // Act
      const failure = await handler(broken, context('ingest-events')).catch((e: unknown) => e);
      const next = await handler(loadEvent('cloudwatch-alarm.eventbridge'), context('ingest-events'));

      // Assess
      expect(failure).toBeInstanceOf(ValidationError);
      expect((failure as ValidationError).issues.map((i) => i.path)).toContain('detail.state.value');
      expect(next).toMatchObject({ accepted: 1 });
      expect(publishedAlerts(rt)).toHaveLength(1);
    });
  });

  describe('HTTP API (POST /v1/events)', () => {
    it('accepts the SNS HTTP notification body and publishes the alarm', async () => {
      // Prepare
      const event = snsHttpPost(loadEvent('cloudwatch-alarm.sns-notification') as Record<string, unknown>);

      // Act
      const result = await handler(event, context('ingest-events'));

      // Assess
      expect(result).toMatchObject({ statusCode: 202 });
      expect(bodyOf(result)).toMatchObject({
        shape: 'sns-http:cloudwatch-alarm',
        accepted: 1,
        fingerprints: [ALARM_FINGERPRINT],
      });
      expect(publishedAlerts(rt).map((a) => [a.fingerprint, a.status])).toEqual([[ALARM_FINGERPRINT, 'firing']]);
    });

    it('accepts an Alertmanager webhook and publishes one alert per Alertmanager alert', async () => {
      // Prepare
      const event = httpEvent('POST', '/v1/events', {
        body: loadEvent('alertmanager-webhook') as object,
        headers: { 'user-agent': 'Alertmanager/0.27.0', 'x-correlation-id': 'am-group-1' },
      });

      // Act
      const result = await handler(event, context('ingest-events'));

      // Assess
      expect(result).toMatchObject({ statusCode: 202 });
      expect(bodyOf(result)).toMatchObject({ accepted: 2, correlationId: 'am-group-1' });
      expect(publishedAlerts(rt).map((a) => [a.labels.alertname, a.status, a.source])).toEqual([
        ['VllmRequestQueueHigh', 'firing', 'alertmanager'],
        ['GpuMemoryPressure', 'resolved', 'alertmanager'],
      ]);
      expect(rt.bus.published[0]?.detail.correlationId).toBe('am-group-1');
    });

    it('accepts an unsupported event with 202 and publishes nothing', async () => {
      // Prepare
      const event = httpEvent('POST', '/v1/events', { body: loadEvent('unsupported.eventbridge') as object });

      // Act
      const result = await handler(event, context('ingest-events'));

      // Assess
      expect(result).toMatchObject({ statusCode: 202 });
      expect(bodyOf(result)).toMatchObject({ accepted: 0 });
      expect(rt.bus.published).toEqual([]);
    });

    it('answers 400 naming `body` for malformed JSON', async () => {
      // Prepare
      const event = httpEvent('POST', '/v1/events', { body: '{"detail-type": "CloudWatch Alarm State Change",' });

      // Act
      const result = await handler(event, context('ingest-events'));

      // Assess
      expect(result).toMatchObject({ statusCode: 400 });
      const body = bodyOf<{ issues: { path: string; message: string }[] }>(result);
      expect(body.issues[0]?.path).toBe('body');
      expect(rt.bus.published).toEqual([]);
    });

    it('answers 400 naming `detail.state.value` when the alarm state is missing', async () => {
      // Prepare
      const alarm = loadEvent('cloudwatch-alarm.eventbridge') as { detail: { state: Record<string, unknown> } };
      delete alarm.detail.state.value;
      const event = httpEvent('POST', '/v1/events', { body: alarm });

      // Act
      const result = await handler(event, context('ingest-events'));

      // Assess
      expect(result).toMatchObject({ statusCode: 400 });
      const body = bodyOf<{ issues: { path: string }[] }>(result);
      expect(body.issues.map((i) => i.path)).toContain('detail.state.value');
      expect(rt.bus.published).toEqual([]);
    });
  });

  it('publishes the same alert identity for the same alarm whichever way it arrives', async () => {
    // Prepare
    const arrivals = [
      loadEvent('cloudwatch-alarm.eventbridge'),
      loadEvent('cloudwatch-alarm.sns-lambda'),
      loadEvent('cloudwatch-alarm.lambda-action'),
      snsHttpPost(loadEvent('cloudwatch-alarm.sns-notification') as Record<string, unknown>),
    ];

    // Act
    for (const event of arrivals) await handler(event, context('ingest-events'));

    // Assess
    expect(new Set(publishedAlerts(rt).map((a) => `${a.fingerprint}/${a.startsAt}`))).toEqual(
      new Set([`${ALARM_FINGERPRINT}/2026-11-27T14:32:10.512Z`]),
    );
  });
});
