import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/api/make-handler';
import { DetailType } from '../../../functions/core/bus';
import { DependencyError } from '../../../functions/core/errors';
import { makeHandler as makeDispatch } from '../../../functions/dispatch/make-handler';
import { makeHandler as makeIngestEvents } from '../../../functions/ingest-events/make-handler';
import type { AlertRecord, ExecutionRecord, Silence } from '../../../functions/ports';
import { loadEvent } from '../../helpers/events';
import {
  bodyOf,
  context,
  type HttpRequest,
  httpEvent,
  makeTestRuntime,
  repoConfig,
  stopTestDynalite,
  type TestRuntime,
} from '../../helpers/runtime';

afterAll(stopTestDynalite);

const ALICE = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';
const ALARM_FINGERPRINT = '385ea806597a0b6d';

type Result = { statusCode: number; headers: Record<string, string>; body: string };

describe('api handler', () => {
  let rt: TestRuntime;
  let api: ReturnType<typeof makeHandler>;

  async function call(method: string, path: string, request: HttpRequest = {}): Promise<Result> {
    return (await api(httpEvent(method, path, { userArn: ALICE, ...request }), context('api'))) as Result;
  }

  /** The alarm sample through ingest-events and dispatch, so the api has an alert to show. */
  async function alarmRecorded(): Promise<void> {
    await makeIngestEvents(rt.forFunction('ingest-events'))(
      loadEvent('cloudwatch-alarm.eventbridge'),
      context('ingest-events'),
    );
    await makeDispatch(rt.forFunction('dispatch'))(rt.bus.sqsEvent(DetailType.alert), context('dispatch'));
    rt.bus.clear();
  }

  beforeEach(async () => {
    rt = await makeTestRuntime();
    api = makeHandler(rt.forFunction('api'));
  });

  it('GET /health answers 200 with the stage and time', async () => {
    // Act
    const result = await call('GET', '/health');

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      status: 'ok',
      service: 'runwatch',
      stage: 'test',
      time: rt.clock.now().toISOString(),
    });
  });

  describe('alerts', () => {
    it('GET /v1/alerts lists recorded alerts, filtered by status', async () => {
      // Prepare
      await alarmRecorded();

      // Act
      const all = await call('GET', '/v1/alerts');
      const firing = await call('GET', '/v1/alerts', { query: { status: 'firing' } });
      const resolved = await call('GET', '/v1/alerts', { query: { status: 'resolved' } });

      // Assess
      expect(all.statusCode).toBe(200);
      expect(bodyOf<{ alerts: AlertRecord[] }>(all).alerts.map((a) => a.id)).toEqual([ALARM_FINGERPRINT]);
      expect(bodyOf<{ alerts: AlertRecord[] }>(firing).alerts).toHaveLength(1);
      expect(bodyOf<{ alerts: AlertRecord[] }>(resolved).alerts).toEqual([]);
    });

    it('GET /v1/alerts answers 400 naming `status` for an unknown status', async () => {
      // Act
      const result = await call('GET', '/v1/alerts', { query: { status: 'open' } });

      // Assess
      expect(result.statusCode).toBe(400);
      expect(bodyOf<{ issues: { path: string }[] }>(result).issues.map((i) => i.path)).toEqual(['status']);
    });

    it('GET /v1/alerts/{id} answers the record, or 404', async () => {
      // Prepare
      await alarmRecorded();

      // Act
      const found = await call('GET', `/v1/alerts/${ALARM_FINGERPRINT}`);
      const missing = await call('GET', '/v1/alerts/0000000000000000');

      // Assess
      expect(found.statusCode).toBe(200);
      expect(bodyOf(found)).toMatchObject({ id: ALARM_FINGERPRINT, status: 'firing' });
      expect(missing.statusCode).toBe(404);
    });

    it('POST /v1/alerts/{id}/ack records who acknowledged it and when', async () => {
      // Prepare
      await alarmRecorded();
      rt.clock.advance(5 * 60_000);

      // Act
      const byPrincipal = await call('POST', `/v1/alerts/${ALARM_FINGERPRINT}/ack`);
      const byName = await call('POST', `/v1/alerts/${ALARM_FINGERPRINT}/ack`, { body: { by: 'bob' } });
      const missing = await call('POST', '/v1/alerts/0000000000000000/ack');

      // Assess
      expect(byPrincipal.statusCode).toBe(200);
      expect(bodyOf(byPrincipal)).toMatchObject({ ackedBy: ALICE, ackedAt: rt.clock.now().toISOString() });
      expect(bodyOf(byName)).toMatchObject({ ackedBy: 'bob' });
      expect(await rt.db.getAlert(ALARM_FINGERPRINT)).toMatchObject({ ackedBy: 'bob' });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('silences', () => {
    it('POST /v1/silences creates a silence that GET /v1/silences lists', async () => {
      // Prepare
      const body = { matchers: { service: 'chat-api', alertname: '~genai-.*' }, duration: '2h', comment: 'deploy' };

      // Act
      const created = await call('POST', '/v1/silences', { body });
      const listed = await call('GET', '/v1/silences');

      // Assess
      expect(created.statusCode).toBe(201);
      const silence = bodyOf<Silence>(created);
      expect(silence).toMatchObject({
        matchers: body.matchers,
        startsAt: '2026-11-27T15:00:00.000Z',
        endsAt: '2026-11-27T17:00:00.000Z',
        createdBy: ALICE,
        comment: 'deploy',
      });
      expect(bodyOf<{ silences: Silence[] }>(listed).silences.map((s) => s.id)).toEqual([silence.id]);
    });

    it.each([
      ['without a comment', { matchers: { alertname: 'x' }, duration: '1h' }, 'comment'],
      ['without an end', { matchers: { alertname: 'x' }, comment: 'why' }, 'endsAt'],
      ['ending before it starts', { matchers: { a: 'x' }, endsAt: '2026-11-27T14:00:00Z', comment: 'c' }, 'endsAt'],
      ['with no matchers', { matchers: {}, duration: '1h', comment: 'why' }, 'matchers'],
      ['with a bad regex', { matchers: { alertname: '~(' }, duration: '1h', comment: 'why' }, 'matchers.alertname'],
    ])('POST /v1/silences %s answers 400 naming `%s`', async (_case, body, path) => {
      // Act
      const result = await call('POST', '/v1/silences', { body });

      // Assess
      expect(result.statusCode).toBe(400);
      expect(bodyOf<{ issues: { path: string }[] }>(result).issues.map((i) => i.path)).toContain(path);
      expect(await rt.db.listSilences()).toEqual([]);
    });
  });

  describe('runbooks and executions', () => {
    it('GET /v1/runbooks lists the configured runbooks', async () => {
      // Act
      const result = await call('GET', '/v1/runbooks');

      // Assess
      expect(result.statusCode).toBe(200);
      const runbooks = bodyOf<{ runbooks: { name: string; approval: boolean }[] }>(result).runbooks;
      expect(runbooks.map((r) => r.name)).toEqual(repoConfig().runbooks.map((r) => r.name));
      expect(runbooks.find((r) => r.name === 'patch-install')?.approval).toBe(true);
    });

    it('POST /v1/runbooks/{name}/executions without an Idempotency-Key creates a new execution each time', async () => {
      // Act
      const first = await call('POST', '/v1/runbooks/patch-scan/executions');
      const second = await call('POST', '/v1/runbooks/patch-scan/executions');

      // Assess
      expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
      const ids = [bodyOf<ExecutionRecord>(first).id, bodyOf<ExecutionRecord>(second).id];
      expect(new Set(ids).size).toBe(2);
      expect(bodyOf(first)).toMatchObject({ status: 'Pending', trigger: `api:${ALICE}`, runbook: 'patch-scan' });
      expect(rt.bus.eventsOf(DetailType.runbookRequested).map((e) => e.detail.executionId)).toEqual(ids);
    });

    it('POST /v1/runbooks/{name}/executions with an Idempotency-Key maps retries to one execution', async () => {
      // Prepare
      const request = { headers: { 'Idempotency-Key': 'change-4711' }, body: { reason: 'CVE patching' } };

      // Act
      const first = await call('POST', '/v1/runbooks/patch-scan/executions', request);
      const retry = await call('POST', '/v1/runbooks/patch-scan/executions', request);

      // Assess
      expect([first.statusCode, retry.statusCode]).toEqual([202, 200]);
      expect(bodyOf<ExecutionRecord>(retry).id).toBe(bodyOf<ExecutionRecord>(first).id);
      expect(await rt.db.listExecutions()).toHaveLength(1);
      expect(new Set(rt.bus.eventsOf(DetailType.runbookRequested).map((e) => e.detail.executionId))).toEqual(
        new Set([bodyOf<ExecutionRecord>(first).id]),
      );
    });

    it('POST /v1/runbooks/{name}/executions retried with its Idempotency-Key after a lost publish asks again', async () => {
      // Prepare
      const request = { headers: { 'idempotency-key': 'change-4712' } };
      rt.bus.failNextPublish(new DependencyError('PutEvents throttled'));

      // Act
      const lost = await call('POST', '/v1/runbooks/patch-scan/executions', request);
      const retry = await call('POST', '/v1/runbooks/patch-scan/executions', request);

      // Assess
      expect(lost.statusCode).toBe(503);
      expect(lost.headers['retry-after']).toBe('5');
      expect(retry.statusCode).toBe(200);
      expect(rt.bus.eventsOf(DetailType.runbookRequested).map((e) => e.detail.executionId)).toEqual([
        bodyOf<ExecutionRecord>(retry).id,
      ]);
    });

    it('POST /v1/runbooks/{name}/executions answers 404 for an unknown runbook and 400 for a bad body', async () => {
      // Act
      const unknown = await call('POST', '/v1/runbooks/reboot-everything/executions');
      const badBody = await call('POST', '/v1/runbooks/patch-scan/executions', { body: { target: 'i-1' } });
      const notJson = await call('POST', '/v1/runbooks/patch-scan/executions', { body: '{' });

      // Assess
      expect(unknown.statusCode).toBe(404);
      expect(badBody.statusCode).toBe(400);
      expect(notJson.statusCode).toBe(400);
      expect(bodyOf<{ issues: { path: string }[] }>(notJson).issues[0]?.path).toBe('body');
      expect(await rt.db.listExecutions()).toEqual([]);
    });

    it('GET /v1/executions and /v1/executions/{id} show executions, 404 for unknown ids', async () => {
      // Prepare
      const created = bodyOf<ExecutionRecord>(await call('POST', '/v1/runbooks/patch-install/executions'));

      // Act
      const listed = await call('GET', '/v1/executions');
      const one = await call('GET', `/v1/executions/${created.id}`);
      const missing = await call('GET', '/v1/executions/00000000-0000-4000-8000-000000000000');

      // Assess
      expect(bodyOf<{ executions: ExecutionRecord[] }>(listed).executions.map((e) => e.id)).toEqual([created.id]);
      expect(bodyOf(one)).toMatchObject({ id: created.id, status: 'PendingApproval', runbook: 'patch-install' });
      expect(missing.statusCode).toBe(404);
    });

    it('POST /v1/executions/{id}/approve approves once and publishes runbook.approved', async () => {
      // Prepare
      const created = bodyOf<ExecutionRecord>(await call('POST', '/v1/runbooks/patch-install/executions'));

      // Act
      const approved = await call('POST', `/v1/executions/${created.id}/approve`);
      const again = await call('POST', `/v1/executions/${created.id}/approve`);

      // Assess
      expect(approved.statusCode).toBe(202);
      expect(bodyOf(approved)).toMatchObject({ status: 'Pending', approvedBy: ALICE });
      expect(again.statusCode).toBe(200);
      expect(bodyOf(again)).toMatchObject({ status: 'Pending', approvedBy: ALICE });
      // A repeated approve re-asks for the start (safe: the start is claimed once), in case the first publish was lost.
      const published = rt.bus.eventsOf(DetailType.runbookApproved).map((e) => e.detail);
      expect(published.length).toBeGreaterThanOrEqual(1);
      expect(new Set(published.map((d) => JSON.stringify(d)))).toEqual(
        new Set([JSON.stringify({ executionId: created.id })]),
      );
    });

    it('POST /v1/executions/{id}/approve answers 409 for an execution not waiting for approval, 404 for none', async () => {
      // Prepare
      const created = bodyOf<ExecutionRecord>(await call('POST', '/v1/runbooks/patch-scan/executions'));

      // Act
      const conflict = await call('POST', `/v1/executions/${created.id}/approve`);
      const missing = await call('POST', '/v1/executions/00000000-0000-4000-8000-000000000000/approve');

      // Assess
      expect(conflict.statusCode).toBe(409);
      expect(bodyOf<{ error: string }>(conflict).error).toMatch(/Pending/);
      expect(missing.statusCode).toBe(404);
      expect(rt.bus.eventsOf(DetailType.runbookApproved)).toEqual([]);
    });

    it('POST /v1/executions/{id}/reject rejects a pending approval and tells on-call; 409 afterwards', async () => {
      // Prepare
      const created = bodyOf<ExecutionRecord>(await call('POST', '/v1/runbooks/patch-install/executions'));
      rt.notifiers.clear();

      // Act
      const rejected = await call('POST', `/v1/executions/${created.id}/reject`);
      const approveAfter = await call('POST', `/v1/executions/${created.id}/approve`);
      const rejectAgain = await call('POST', `/v1/executions/${created.id}/reject`);

      // Assess
      expect(rejected.statusCode).toBe(200);
      expect(bodyOf(rejected)).toMatchObject({ status: 'Rejected', statusDetail: `rejected by ${ALICE}` });
      expect(rt.notifiers.withSubject('[RUNBOOK REJECTED]')).toHaveLength(2);
      expect([approveAfter.statusCode, rejectAgain.statusCode]).toEqual([409, 409]);
      expect(rt.bus.eventsOf(DetailType.runbookApproved)).toEqual([]);
    });
  });

  describe('routing', () => {
    it('answers 404 for an unknown path', async () => {
      // Act
      const result = await call('GET', '/v1/incidents');

      // Assess
      expect(result.statusCode).toBe(404);
      expect(bodyOf<{ error: string }>(result).error).toMatch(/\/v1\/incidents/);
    });

    it('answers 405 with Allow for a known path and the wrong method', async () => {
      // Act
      const silences = await call('DELETE', '/v1/silences');
      const approve = await call('GET', '/v1/executions/abc/approve');

      // Assess
      expect(silences.statusCode).toBe(405);
      expect(silences.headers.allow).toBe('GET, POST');
      expect(approve.statusCode).toBe(405);
      expect(approve.headers.allow).toBe('POST');
    });
  });
});
