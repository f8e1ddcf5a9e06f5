import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeApi } from '../../../functions/api/make-handler';
import { DetailType } from '../../../functions/core/bus';
import { DependencyError } from '../../../functions/core/errors';
import { makeHandler as makeIngestEvents } from '../../../functions/ingest-events/make-handler';
import type { ExecutionRecord } from '../../../functions/ports';
import { makeHandler } from '../../../functions/remediate/make-handler';
import { loadEvent } from '../../helpers/events';
import {
  bodyOf,
  context,
  httpEvent,
  makeTestRuntime,
  repoConfig,
  stopTestDynalite,
  type TestRuntime,
} from '../../helpers/runtime';

afterAll(stopTestDynalite);

const ONCALL = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';

/** The ECS sample as another task of the same service stopping `minutesLater`. */
function ecsTaskStopped(minutesLater = 0): unknown {
  const event = loadEvent('ecs-task-stopped.eventbridge') as { id: string; detail: Record<string, string> };
  if (minutesLater) {
    const at = new Date(Date.parse(event.detail.stoppedAt ?? '') + minutesLater * 60_000).toISOString();
    event.id = `${event.id.slice(0, -4)}${String(minutesLater).padStart(4, '0')}`;
    event.detail.stoppedAt = at;
    event.detail.updatedAt = at;
  }
  return event;
}

/** What the remediation queue delivers once ingest-events has published the event's alerts. */
async function remediationDelivery(rt: TestRuntime, event: unknown): Promise<SQSEvent> {
  rt.bus.clear();
  await makeIngestEvents(rt.forFunction('ingest-events'))(event, context('ingest-events'));
  return rt.bus.sqsEvent(DetailType.alert, { queue: 'remediation' });
}

function redelivered(event: SQSEvent, receiveCount: number): SQSEvent {
  return {
    Records: event.Records.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: String(receiveCount) },
    })),
  };
}

describe('remediate handler', () => {
  let rt: TestRuntime;
  let handler: ReturnType<typeof makeHandler>;

  beforeEach(async () => {
    rt = await makeTestRuntime();
    handler = makeHandler(rt.forFunction('remediate'));
  });

  describe('policies', () => {
    it('starts restart-ecs-service once for a stopped ECS task delivered three times', async () => {
      // Prepare
      const delivery = await remediationDelivery(rt, ecsTaskStopped());

      // Act
      const responses: SQSBatchResponse[] = [];
      for (const n of [1, 2, 3])
        responses.push((await handler(redelivered(delivery, n), context('remediate'))) as SQSBatchResponse);

      // Assess
      expect(responses.map((r) => r.batchItemFailures)).toEqual([[], [], []]);
      expect(rt.recordingExecutor.started).toHaveLength(1);
      const [start] = rt.recordingExecutor.started;
      expect(start).toMatchObject({
        document: 'restart-ecs-service',
        kind: 'automation',
        parameters: { ClusterName: ['genai-prod'], ServiceName: ['genai-inference'] },
      });
      const executions = await rt.db.listExecutions();
      expect(executions).toHaveLength(1);
      expect(executions[0]).toMatchObject({
        id: start?.executionId,
        runbook: 'restart-ecs-service',
        status: 'InProgress',
        ssmExecutionId: start?.ssmExecutionId,
        trigger: 'policy:restart-stopped-ecs-tasks',
        alertFingerprint: '508e98a4efc59052',
      });
      expect(rt.notifiers.withSubject('[RUNBOOK STARTED]').map((s) => s.kind)).toEqual(['slack', 'outbox']);
    });

    it('starts nothing for an alert no policy matches', async () => {
      // Prepare
      const delivery = await remediationDelivery(rt, loadEvent('cloudwatch-alarm.eventbridge'));

      // Act
      const response = (await handler(delivery, context('remediate'))) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(rt.recordingExecutor.started).toEqual([]);
      expect(await rt.db.listExecutions()).toEqual([]);
    });

    it('rejects a start once the runbook reached its hourly rate limit', async () => {
      // Prepare
      const config = repoConfig();
      const restart = config.runbooks.find((r) => r.name === 'restart-ecs-service');
      if (!restart) throw new Error('runwatch.yml has no restart-ecs-service runbook');
      restart.maxPerHour = 1;
      rt = await makeTestRuntime({ config });
      handler = makeHandler(rt.forFunction('remediate'));
      await handler(await remediationDelivery(rt, ecsTaskStopped()), context('remediate'));
      rt.clock.advance(10 * 60_000);
      const second = await remediationDelivery(rt, ecsTaskStopped(9));

      // Act
      const response = (await handler(second, context('remediate'))) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(rt.recordingExecutor.started).toHaveLength(1);
      const statuses = (await rt.db.listExecutions()).map((e) => e.status).sort();
      expect(statuses).toEqual(['InProgress', 'Rejected']);
      const rejected = (await rt.db.listExecutions()).find((e) => e.status === 'Rejected');
      expect(rejected?.statusDetail).toMatch(/rate limit/);
      expect(rt.notifiers.withSubject('[RUNBOOK REJECTED]')).toHaveLength(2);
    });

    it('gives the claim back on a retryable start failure and starts on the redelivery', async () => {
      // Prepare
      const delivery = await remediationDelivery(rt, ecsTaskStopped());
      rt.recordingExecutor.failNext(new DependencyError('SSM throttled'));

      // Act
      const failure = await handler(delivery, context('remediate')).catch((e: unknown) => e);
      const afterFailure = (await rt.db.listExecutions())[0];
      const retry = (await handler(redelivered(delivery, 2), context('remediate'))) as SQSBatchResponse;

      // Assess
      expect((failure as Error).name).toBe('FullBatchFailureError');
      expect(afterFailure?.status).toBe('Pending');
      expect(retry.batchItemFailures).toEqual([]);
      expect(rt.recordingExecutor.started).toHaveLength(1);
      expect((await rt.db.listExecutions())[0]?.status).toBe('InProgress');
    });
  });

  describe('approval through the api', () => {
    it.each([
      ['rollback-lambda-alias', { parameters: { FunctionName: 'chat-api', AliasName: 'live', FunctionVersion: '41' } }],
      ['patch-install', {}],
    ])('%s waits for approval, then starts once when approved', async (runbook, body) => {
      // Prepare
      const api = makeApi(rt.forFunction('api'));
      const requested = await api(
        httpEvent('POST', `/v1/runbooks/${runbook}/executions`, { body, userArn: ONCALL }),
        context('api'),
      );
      const pending = bodyOf<ExecutionRecord>(requested);
      const approved = await api(
        httpEvent('POST', `/v1/executions/${pending.id}/approve`, { userArn: ONCALL }),
        context('api'),
      );
      const delivery = rt.bus.sqsEvent(DetailType.runbookApproved, { queue: 'remediation' });

      // Act
      for (const n of [1, 2, 3]) await handler(redelivered(delivery, n), context('remediate'));

      // Assess
      expect(requested).toMatchObject({ statusCode: 202 });
      expect(pending.status).toBe('PendingApproval');
      expect(rt.notifiers.withSubject('[APPROVAL NEEDED]')).toHaveLength(2);
      expect(approved).toMatchObject({ statusCode: 202 });
      expect(bodyOf(approved)).toMatchObject({ status: 'Pending', approvedBy: ONCALL });
      expect(delivery.Records).toHaveLength(1);
      expect(rt.recordingExecutor.started).toHaveLength(1);
      expect(rt.recordingExecutor.started[0]?.executionId).toBe(pending.id);
      expect(await rt.db.getExecution(pending.id)).toMatchObject({
        status: 'InProgress',
        approvedBy: ONCALL,
        ssmExecutionId: rt.recordingExecutor.started[0]?.ssmExecutionId,
      });
    });

    it('starts a runbook requested without approval from its runbook.requested event', async () => {
      // Prepare
      const api = makeApi(rt.forFunction('api'));
      const requested = await api(
        httpEvent('POST', '/v1/runbooks/patch-scan/executions', { userArn: ONCALL }),
        context('api'),
      );
      const delivery = rt.bus.sqsEvent(DetailType.runbookRequested, { queue: 'remediation' });

      // Act
      await handler(delivery, context('remediate'));

      // Assess
      expect(bodyOf(requested)).toMatchObject({ status: 'Pending', runbook: 'patch-scan' });
      expect(rt.recordingExecutor.started).toEqual([
        expect.objectContaining({
          document: 'AWS-RunPatchBaseline',
          kind: 'command',
          parameters: { Operation: ['Scan'] },
          targets: [{ key: 'tag:PatchGroup', values: ['genai'] }],
        }),
      ]);
    });
  });
});
