import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeApi } from '../../../functions/api/make-handler';
import { DetailType } from '../../../functions/core/bus';
import { makeHandler } from '../../../functions/dispatch/make-handler';
import { makeHandler as makeIngestEvents } from '../../../functions/ingest-events/make-handler';
import { loadEvent } from '../../helpers/events';
import {
  bodyOf,
  context,
  httpEvent,
  makeTestRuntime,
  sqsRecord,
  stopTestDynalite,
  type TestRuntime,
} from '../../helpers/runtime';

afterAll(stopTestDynalite);

const ALARM_FINGERPRINT = '385ea806597a0b6d';

/** The SQS delivery dispatch gets for the alarm sample: ingest-events publishes, the rule feeds the alerts queue. */
async function alarmDelivery(rt: TestRuntime, sample = 'cloudwatch-alarm.eventbridge'): Promise<SQSEvent> {
  await makeIngestEvents(rt.forFunction('ingest-events'))(loadEvent(sample), context('ingest-events'));
  return rt.bus.sqsEvent(DetailType.alert, { queue: 'alerts' });
}

function redelivered(event: SQSEvent, receiveCount: number): SQSEvent {
  return {
    Records: event.Records.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: String(receiveCount) },
    })),
  };
}

describe('dispatch handler', () => {
  let rt: TestRuntime;
  let handler: ReturnType<typeof makeHandler>;

  beforeEach(async () => {
    rt = await makeTestRuntime();
    handler = makeHandler(rt.forFunction('dispatch'));
  });

  it('records the alert and sends one notification per integration of the routed receiver', async () => {
    // Prepare
    const delivery = await alarmDelivery(rt);

    // Act
    const response = (await handler(delivery, context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(rt.notifiers.sent.map((s) => [s.receiver, s.kind])).toEqual([
      ['oncall', 'slack'],
      ['oncall', 'outbox'],
    ]);
    expect(rt.notifiers.sent[0]?.notification.subject).toMatch(/^\[FIRING:1\] genai-chat-p99-latency/);
    const record = await rt.db.getAlert(ALARM_FINGERPRINT);
    expect(record).toMatchObject({ id: ALARM_FINGERPRINT, status: 'firing', receivedAt: rt.clock.now().toISOString() });
  });

  it('notifies once when the same record is delivered three times', async () => {
    // Prepare
    const delivery = await alarmDelivery(rt);

    // Act
    for (const n of [1, 2, 3]) {
      rt.clock.advance(30_000);
      await handler(redelivered(delivery, n), context('dispatch'));
    }

    // Assess
    expect(rt.notifiers.sent.map((s) => s.kind)).toEqual(['slack', 'outbox']);
    expect(await rt.db.listAlerts()).toHaveLength(1);
  });

  it('hands a retryable notifier failure back to SQS and notifies on the next delivery', async () => {
    // Prepare: the alarm shares its batch with a message that succeeds, as SQS batches do.
    const alarm = await alarmDelivery(rt);
    await rt.bus.publish([{ detailType: DetailType.runbookRequested, detail: { executionId: 'e-1' } }]);
    const delivery = rt.bus.sqsEvent(undefined, { queue: 'alerts' });
    rt.notifiers.fail('slack', { retryable: true });

    // Act
    const first = (await handler(delivery, context('dispatch'))) as SQSBatchResponse;
    const second = (await handler(redelivered(alarm, 2), context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: alarm.Records[0]?.messageId }]);
    expect(second.batchItemFailures).toEqual([]);
    expect(rt.notifiers.attempts.map((a) => a.kind)).toEqual(['slack', 'outbox', 'slack']);
    expect(rt.notifiers.sent.map((s) => s.kind).sort()).toEqual(['outbox', 'slack']);
  });

  it('fails the invocation when the only record of a batch fails, so SQS redelivers it', async () => {
    // Prepare
    const delivery = await alarmDelivery(rt);
    rt.notifiers.fail('outbox', { retryable: true });

    // Act
    const failure = await handler(delivery, context('dispatch')).catch((e: unknown) => e);
    const retry = (await handler(redelivered(delivery, 2), context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('FullBatchFailureError');
    expect(retry.batchItemFailures).toEqual([]);
    expect(rt.notifiers.sent.map((s) => s.kind)).toEqual(['slack', 'outbox']);
  });

  it('does not retry a permanent notifier failure', async () => {
    // Prepare
    const delivery = await alarmDelivery(rt);
    rt.notifiers.fail('slack', { retryable: false });

    // Act
    const first = (await handler(delivery, context('dispatch'))) as SQSBatchResponse;
    const second = (await handler(redelivered(delivery, 2), context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(rt.notifiers.attempts.map((a) => a.kind)).toEqual(['slack', 'outbox']);
  });

  it('reports a poison body in batchItemFailures and still handles the good record', async () => {
    // Prepare
    const good = await alarmDelivery(rt);
    const notJson = sqsRecord('{"detail-type": "runwatch.alert", ', { queue: 'alerts' });
    const notAnAlert = sqsRecord(
      JSON.stringify({ 'detail-type': DetailType.alert, source: 'runwatch', detail: { alerts: [{ status: 'x' }] } }),
      { queue: 'alerts' },
    );

    // Act
    const response = (await handler(
      { Records: [notJson, ...good.Records, notAnAlert] },
      context('dispatch'),
    )) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: notJson.messageId },
      { itemIdentifier: notAnAlert.messageId },
    ]);
    expect(rt.notifiers.sent).toHaveLength(2);
  });

  it('ignores bus events that are not alerts', async () => {
    // Prepare
    await rt.bus.publish([{ detailType: DetailType.runbookRequested, detail: { executionId: 'e-1' } }]);

    // Act
    const response = (await handler(rt.bus.sqsEvent(), context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(rt.notifiers.attempts).toEqual([]);
  });

  it('mutes an alert matched by a silence created through the api', async () => {
    // Prepare
    const api = makeApi(rt.forFunction('api'));
    const created = await api(
      httpEvent('POST', '/v1/silences', {
        body: { matchers: { alertname: 'genai-chat-p99-latency' }, duration: '2h', comment: 'load test' },
        userArn: 'arn:aws:sts::123456789012:assumed-role/oncall/alice',
      }),
      context('api'),
    );
    const silence = bodyOf<{ id: string }>(created);
    const delivery = await alarmDelivery(rt);

    // Act
    const response = (await handler(delivery, context('dispatch'))) as SQSBatchResponse;

    // Assess
    expect(created).toMatchObject({ statusCode: 201 });
    expect(response.batchItemFailures).toEqual([]);
    expect(rt.notifiers.attempts).toEqual([]);
    expect(await rt.db.getAlert(ALARM_FINGERPRINT)).toMatchObject({ mutedBy: `silence:${silence.id}` });
  });

  it('follows the routes of the configuration it was given', async () => {
    // Prepare
    rt = await makeTestRuntime({
      configYaml: [
        'version: 1',
        'receivers:',
        '  - name: ml-platform',
        '    outbox: {}',
        '  - name: oncall',
        '    slack: { webhookUrlEnv: SLACK_WEBHOOK_URL }',
        'routes:',
        '  - match: { functionname: chat-api }',
        '    receiver: ml-platform',
        '    continue: true',
        '  - match: { severity: critical }',
        '    receiver: oncall',
      ].join('\n'),
    });
    handler = makeHandler(rt.forFunction('dispatch'));

    // Act
    await handler(await alarmDelivery(rt), context('dispatch'));

    // Assess
    expect(rt.notifiers.sent.map((s) => [s.receiver, s.kind])).toEqual([
      ['ml-platform', 'outbox'],
      ['oncall', 'slack'],
    ]);
  });

  it('notifies the resolve of an alert once, after its firing', async () => {
    // Prepare
    await handler(await alarmDelivery(rt), context('dispatch'));
    rt.bus.clear();
    const resolve = await alarmDelivery(rt, 'cloudwatch-alarm-ok.eventbridge');

    // Act
    await handler(resolve, context('dispatch'));
    await handler(redelivered(resolve, 2), context('dispatch'));

    // Assess
    expect(rt.notifiers.sent.map((s) => s.notification.subject.slice(0, 10))).toEqual([
      '[FIRING:1]',
      '[FIRING:1]',
      '[RESOLVED]',
      '[RESOLVED]',
    ]);
    expect(await rt.db.getAlert(ALARM_FINGERPRINT)).toMatchObject({ status: 'resolved' });
  });
});
