import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeApi } from '../../../functions/api/make-handler';
import { DetailType } from '../../../functions/core/bus';
import { RunwatchError, ValidationError } from '../../../functions/core/errors';
import { makeHandler as makeIngestEvents } from '../../../functions/ingest-events/make-handler';
import type { ExecutionRecord } from '../../../functions/ports';
import { makeHandler as makeRemediate } from '../../../functions/remediate/make-handler';
import { makeHandler } from '../../../functions/runbook-events/make-handler';
import { loadEvent } from '../../helpers/events';
import { context, httpEvent, makeTestRuntime, stopTestDynalite, type TestRuntime } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const PREFIX = 'runwatch-test-';

interface AutomationStatusEvent {
  time: string;
  resources: string[];
  detail: { ExecutionId: string; Definition: string; Status: string };
}

interface CommandStatusEvent {
  time: string;
  detail: { 'command-id': string; 'document-name': string; status: string };
}

/** The Automation status sample, re-aimed at `ssmExecutionId` of `document` (as SSM names it). */
function automationStatus(ssmExecutionId: string, document: string, status: string): AutomationStatusEvent {
  const event = loadEvent('ssm-automation-status.eventbridge') as AutomationStatusEvent;
  event.detail.ExecutionId = ssmExecutionId;
  event.detail.Definition = document;
  event.detail.Status = status;
  event.resources = [
    `arn:aws:ssm:us-east-1:123456789012:automation-execution/${ssmExecutionId}`,
    `arn:aws:ssm:us-east-1:123456789012:automation-definition/${document}:1`,
  ];
  return event;
}

function commandStatus(commandId: string, status: string): CommandStatusEvent {
  const event = loadEvent('ssm-command-status.eventbridge') as CommandStatusEvent;
  event.detail['command-id'] = commandId;
  event.detail.status = status;
  return event;
}

/** Lets the restart-ecs-service policy start an execution for the ECS sample, as remediate does. */
async function startedByPolicy(rt: TestRuntime): Promise<ExecutionRecord> {
  await makeIngestEvents(rt.forFunction('ingest-events'))(
    loadEvent('ecs-task-stopped.eventbridge'),
    context('ingest-events'),
  );
  await makeRemediate(rt.forFunction('remediate'))(
    rt.bus.sqsEvent(DetailType.alert, { queue: 'remediation' }),
    context('remediate'),
  );
  const [execution] = await rt.db.listExecutions();
  if (!execution?.ssmExecutionId) throw new Error('remediate did not start the execution');
  rt.notifiers.clear();
  return execution;
}

describe('runbook-events handler', () => {
  let rt: TestRuntime;
  let handler: ReturnType<typeof makeHandler>;

  beforeEach(async () => {
    rt = await makeTestRuntime();
    handler = makeHandler(rt.forFunction('runbook-events'), { documentPrefix: PREFIX });
  });

  it('moves an Automation execution to Success and tells on-call once', async () => {
    // Prepare
    const execution = await startedByPolicy(rt);
    const event = automationStatus(execution.ssmExecutionId ?? '', `${PREFIX}restart-ecs-service`, 'Success');

    // Act
    const outcome = await handler(event, context('runbook-events'));

    // Assess
    expect(outcome).toEqual({ executionId: execution.id, status: 'Success' });
    expect(await rt.db.getExecution(execution.id)).toMatchObject({
      status: 'Success',
      statusDetail: `automation Success at ${new Date(event.time).toISOString()}`,
    });
    expect(rt.notifiers.sent.map((s) => [s.kind, s.notification.subject.split(']')[0]])).toEqual([
      ['slack', '[RUNBOOK SUCCEEDED'],
      ['outbox', '[RUNBOOK SUCCEEDED'],
    ]);
  });

  it('never moves an execution backwards on repeated or late events', async () => {
    // Prepare
    const execution = await startedByPolicy(rt);
    const ssmId = execution.ssmExecutionId ?? '';
    const document = `${PREFIX}restart-ecs-service`;
    await handler(automationStatus(ssmId, document, 'Success'), context('runbook-events'));

    // Act
    const repeated = await handler(automationStatus(ssmId, document, 'Success'), context('runbook-events'));
    const late = await handler(automationStatus(ssmId, document, 'InProgress'), context('runbook-events'));
    const contradicting = await handler(automationStatus(ssmId, document, 'Failed'), context('runbook-events'));

    // Assess
    expect([repeated, late, contradicting]).toEqual([
      { executionId: execution.id, status: 'Success' },
      { executionId: execution.id, status: 'Success' },
      { executionId: execution.id, status: 'Success' },
    ]);
    expect((await rt.db.getExecution(execution.id))?.status).toBe('Success');
    expect(rt.notifiers.sent).toHaveLength(2);
  });

  it('tracks a Run Command execution by its command id and reports a failure', async () => {
    // Prepare
    const api = makeApi(rt.forFunction('api'));
    await api(httpEvent('POST', '/v1/runbooks/patch-scan/executions', {}), context('api'));
    await makeRemediate(rt.forFunction('remediate'))(
      rt.bus.sqsEvent(DetailType.runbookRequested, { queue: 'remediation' }),
      context('remediate'),
    );
    const [execution] = await rt.db.listExecutions();
    rt.notifiers.clear();

    // Act
    const outcome = await handler(commandStatus(execution?.ssmExecutionId ?? '', 'Failed'), context('runbook-events'));

    // Assess
    expect(outcome).toEqual({ executionId: execution?.id, status: 'Failed' });
    expect(rt.notifiers.withSubject('[RUNBOOK FAILED] patch-scan')).toHaveLength(2);
  });

  it('ignores an unknown execution of a document runwatch does not ship', async () => {
    // Prepare
    const event = automationStatus(randomUUID(), 'AWS-RestartEC2Instance', 'Success');

    // Act
    const outcome = await handler(event, context('runbook-events'));

    // Assess
    expect(outcome).toEqual({ ignored: 'not a runwatch execution' });
    expect(rt.notifiers.attempts).toEqual([]);
  });

  it('throws a retryable error for an unknown execution of its own document, so the event is retried', async () => {
    // Prepare
    const event = automationStatus(randomUUID(), `${PREFIX}restart-ecs-service`, 'Success');

    // Act
    const failure = await handler(event, context('runbook-events')).catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(RunwatchError);
    expect((failure as RunwatchError).retryable).toBe(true);
  });

  it('ignores events that are not SSM status changes and rejects broken ones', async () => {
    // Prepare
    const broken = automationStatus(randomUUID(), `${PREFIX}restart-ecs-service`, 'Success') as unknown as {
      detail: Record<string, unknown>;
    };
    delete broken.detail.Status;

    // Act
    const unrelated = await handler(loadEvent('health.eventbridge'), context('runbook-events'));
    const failure = await handler(broken, context('runbook-events')).catch((e: unknown) => e);

    // Assess
    expect(unrelated).toEqual({ ignored: 'unsupported event' });
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).issues.map((i) => i.path)).toContain('detail.Status');
  });
});
