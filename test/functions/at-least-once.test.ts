import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalRunbookExecutor } from '../../functions/adapters/local/local-executor';
import { DetailType } from '../../functions/core/bus';
import { makeHandler as makeDispatch } from '../../functions/dispatch/make-handler';
import { makeHandler as makeIngestEvents } from '../../functions/ingest-events/make-handler';
import { makeHandler as makeRemediate } from '../../functions/remediate/make-handler';
import { makeHandler as makeRunbookEvents } from '../../functions/runbook-events/make-handler';
import { loadEvent } from '../helpers/events';
import { ACCOUNT, context, makeTestRuntime, REGION, stopTestDynalite, TestClock } from '../helpers/runtime';

afterAll(stopTestDynalite);

const PREFIX = 'runwatch-test-';

function redelivered(event: SQSEvent, receiveCount: number): SQSEvent {
  return {
    Records: event.Records.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: String(receiveCount) },
    })),
  };
}

/** Every SQS message in its own batch, delivered twice (the second as a redelivery), all at once. */
async function deliverAllTwice(
  handler: (event: SQSEvent, ctx: ReturnType<typeof context>) => Promise<unknown>,
  event: SQSEvent,
  name: string,
): Promise<SQSBatchResponse[]> {
  const batches = event.Records.flatMap((r) => [{ Records: [r] }, redelivered({ Records: [r] }, 2)]);
  return (await Promise.all(batches.map((b) => handler(b, context(name))))) as SQSBatchResponse[];
}

describe('at-least-once delivery across the handlers', () => {
  let executor: LocalRunbookExecutor | undefined;

  afterEach(() => {
    executor?.close();
  });

  it('turns an alarm delivered three times into one alert record and one notification per integration', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    const ingest = makeIngestEvents(rt.forFunction('ingest-events'));
    const dispatch = makeDispatch(rt.forFunction('dispatch'));
    const remediate = makeRemediate(rt.forFunction('remediate'));

    // Act: EventBridge invokes ingest-events three times; its rule feeds each bus event to both queues.
    for (let i = 0; i < 3; i++) await ingest(loadEvent('cloudwatch-alarm.eventbridge'), context('ingest-events'));
    const toDispatch = await deliverAllTwice(
      dispatch,
      rt.bus.sqsEvent(DetailType.alert, { queue: 'alerts' }),
      'dispatch',
    );
    const toRemediate = await deliverAllTwice(
      remediate,
      rt.bus.sqsEvent(DetailType.alert, { queue: 'remediation' }),
      'remediate',
    );

    // Assess
    expect(rt.bus.eventsOf(DetailType.alert)).toHaveLength(3);
    expect([...toDispatch, ...toRemediate].flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect((await rt.db.listAlerts()).map((a) => [a.labels.alertname, a.status])).toEqual([
      ['genai-chat-p99-latency', 'firing'],
    ]);
    expect(rt.notifiers.sent.map((s) => [s.receiver, s.kind])).toEqual([
      ['oncall', 'slack'],
      ['oncall', 'outbox'],
    ]);
    expect(rt.recordingExecutor.started).toEqual([]);
  });

  it('starts one runbook for a stopped ECS task delivered three times, and reports its success once', async () => {
    // Prepare: the local executor simulates SSM and sends each status event twice, as EventBridge may.
    let runbookEvents: ((event: unknown) => Promise<unknown>) | undefined;
    let inFlight = 0;
    const clock = new TestClock();
    executor = new LocalRunbookExecutor({
      clock,
      newId: randomUUID,
      validate: () => [],
      emit: async (event) => {
        inFlight += 1;
        try {
          await runbookEvents?.(event);
          await runbookEvents?.(structuredClone(event));
        } finally {
          inFlight -= 1;
        }
      },
      templates: {
        automation: loadEvent('ssm-automation-status.eventbridge') as Record<string, unknown>,
        command: loadEvent('ssm-command-status.eventbridge') as Record<string, unknown>,
      },
      documentPrefix: PREFIX,
      account: ACCOUNT,
      region: REGION,
      stepMs: 5,
    });
    const rt = await makeTestRuntime({ executor, clock });
    const statusHandler = makeRunbookEvents(rt.forFunction('runbook-events'), { documentPrefix: PREFIX });
    runbookEvents = (event) => statusHandler(event, context('runbook-events'));
    const ingest = makeIngestEvents(rt.forFunction('ingest-events'));
    const dispatch = makeDispatch(rt.forFunction('dispatch'));
    const remediate = makeRemediate(rt.forFunction('remediate'));

    // Act
    for (let i = 0; i < 3; i++) await ingest(loadEvent('ecs-task-stopped.eventbridge'), context('ingest-events'));
    await deliverAllTwice(dispatch, rt.bus.sqsEvent(DetailType.alert, { queue: 'alerts' }), 'dispatch');
    const responses = await deliverAllTwice(
      remediate,
      rt.bus.sqsEvent(DetailType.alert, { queue: 'remediation' }),
      'remediate',
    );
    const deadline = Date.now() + 5_000;
    while ((executor.pending() > 0 || inFlight > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }

    // Assess
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await rt.db.listAlerts()).toHaveLength(1);
    expect(executor.started).toHaveLength(1);
    expect(executor.started[0]).toMatchObject({ documentName: `${PREFIX}restart-ecs-service` });
    const [execution] = await rt.db.listExecutions();
    expect(execution).toMatchObject({ status: 'Success', ssmExecutionId: executor.started[0]?.ssmExecutionId });
    const subjects = rt.notifiers.sent.map((s) => `${s.kind} ${s.notification.subject.split(']')[0]}]`);
    expect(subjects.sort()).toEqual(
      [
        'slack [FIRING:1]',
        'outbox [FIRING:1]',
        'slack [RUNBOOK STARTED]',
        'outbox [RUNBOOK STARTED]',
        'slack [RUNBOOK SUCCEEDED]',
        'outbox [RUNBOOK SUCCEEDED]',
      ].sort(),
    );
  });
});
