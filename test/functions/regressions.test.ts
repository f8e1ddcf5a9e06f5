// Regressions found in review: each test names the failure it guards against.
import { afterAll, describe, expect, it } from 'vitest';
import { makeHandler as makeApi } from '../../functions/api/make-handler';
import { DetailType } from '../../functions/core/bus';
import { DependencyError } from '../../functions/core/errors';
import type { ExecutionRecord } from '../../functions/ports';
import { makeHandler as makeRemediate } from '../../functions/remediate/make-handler';
import { makeHandler as makeRunbookEvents } from '../../functions/runbook-events/make-handler';
import { loadEvent } from '../helpers/events';
import { bodyOf, context, httpEvent, makeTestRuntime, repoConfig, stopTestDynalite } from '../helpers/runtime';

afterAll(stopTestDynalite);

describe('regressions', () => {
  it('approve retried after a lost publish re-publishes runbook.approved', async () => {
    const rt = await makeTestRuntime();
    const api = makeApi(rt.forFunction('api'));
    const created = bodyOf<ExecutionRecord>(
      await api(httpEvent('POST', '/v1/runbooks/patch-install/executions'), context('api')),
    );
    rt.bus.failNextPublish(new DependencyError('PutEvents throttled'));
    const first = await api(httpEvent('POST', `/v1/executions/${created.id}/approve`), context('api'));
    const retry = await api(httpEvent('POST', `/v1/executions/${created.id}/approve`), context('api'));
    expect(first.statusCode).toBe(503);
    expect(retry.statusCode).toBe(200);
    expect((await rt.db.getExecution(created.id))?.status).toBe('Pending');
    expect(rt.bus.eventsOf(DetailType.runbookApproved)).toHaveLength(1);
  });

  it('rate limit counts only executions that started', async () => {
    const config = repoConfig();
    config.runbooks.find((r) => r.name === 'patch-install')!.maxPerHour = 1;
    const rt = await makeTestRuntime({ config });
    const api = makeApi(rt.forFunction('api'));
    const a = bodyOf<ExecutionRecord>(
      await api(httpEvent('POST', '/v1/runbooks/patch-install/executions'), context('api')),
    );
    const b = bodyOf<ExecutionRecord>(
      await api(httpEvent('POST', '/v1/runbooks/patch-install/executions'), context('api')),
    );
    await api(httpEvent('POST', `/v1/executions/${a.id}/reject`), context('api'));
    await api(httpEvent('POST', `/v1/executions/${b.id}/approve`), context('api'));
    await makeRemediate(rt.forFunction('remediate'))(
      rt.bus.sqsEvent(DetailType.runbookApproved, { queue: 'remediation' }),
      context('remediate'),
    );
    const got = await rt.db.getExecution(b.id);
    console.log(got?.status, got?.statusDetail);
    expect(rt.recordingExecutor.started).toHaveLength(1);
  });

  it('a foreign AWS-RunPatchBaseline status is retried while fresh, then ignored (never a DLQ storm)', async () => {
    // Prepare: the sample is a patch scan runwatch did not start; its time is 2026-11-27T03:12:09Z.
    const event = loadEvent('ssm-command-status.eventbridge');
    const rt = await makeTestRuntime({ now: '2026-11-27T03:12:20.000Z' });
    const h = makeRunbookEvents(rt.forFunction('runbook-events'), { documentPrefix: 'runwatch-test-' });
    // Act + Assess: fresh → retryable (it may be ours, racing the link to its execution)
    const fresh = await h(event, context('runbook-events')).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(DependencyError);
    expect((fresh as DependencyError).retryable).toBe(true);
    // ...and at Lambda's first async retry a minute later it is let go.
    rt.clock.advance(70_000);
    const later = await h(event, context('runbook-events'));
    expect(later).toEqual({ ignored: 'not a runwatch execution' });
  });
});
