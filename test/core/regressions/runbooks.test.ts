// Regressions: bugs in functions/core/runbooks and config, found in review and fixed.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../functions/core/config/load';
import { DependencyError } from '../../../functions/core/errors';
import { statusFromSsm } from '../../../functions/core/runbooks/execution';
import { applySsmStatus, requestExecution } from '../../../functions/core/runbooks/lifecycle';
import { runbookHarness } from '../pipeline/fakes';

describe('fixed: statusFromSsm: SSM statuses left unmapped or mis-mapped', () => {
  it.each([
    ['ChangeCalendarOverrideApproved', 'InProgress'],
    ['ChangeCalendarOverrideRejected', 'Failed'],
    ['Exited', 'Failed'],
    ['Delivery Timed Out', 'TimedOut'],
    ['Execution Timed Out', 'TimedOut'],
    ['Incomplete', 'Failed'],
    ['Rate Exceeded', 'Failed'],
    ['Access Denied', 'Failed'],
    ['No Instances In Tag', 'Failed'],
  ])('%s → %s', (ssm, ours) => {
    expect(statusFromSsm(ssm)).toBe(ours);
  });
});

describe('fixed: config: duplicate policy names are accepted and collide on execution ids', () => {
  const raw = {
    receivers: [{ name: 'o', outbox: {} }],
    runbooks: [
      { name: 'restart', document: 'restart-ecs-service', kind: 'automation' },
      { name: 'diagnose', document: 'collect-diagnostics', kind: 'automation' },
    ],
    policies: [
      { name: 'ecs', match: { source: 'ecs' }, runbook: 'restart' },
      { name: 'ecs', match: { source: 'ecs' }, runbook: 'diagnose' },
    ],
  };
  it('rejects the second policy named "ecs"', () => {
    expect(() => validateConfig(raw)).toThrow(/policies\[1\]\.name/);
  });
});

describe('fixed: config: a zero duration is accepted as a repeat interval', () => {
  it('rejects repeatInterval: 0s', () => {
    expect(() =>
      validateConfig({ receivers: [{ name: 'o', outbox: {} }], defaults: { repeatInterval: '0s' } }),
    ).toThrow(/defaults\.repeatInterval/);
  });
});

const CONFIG = validateConfig({
  defaults: { receiver: 'oncall' },
  receivers: [{ name: 'oncall', slack: {} }],
  runbooks: [
    { name: 'rollback', document: 'rollback-lambda-alias', kind: 'automation', approval: true },
    { name: 'restart', document: 'restart-ecs-service', kind: 'automation' },
  ],
});
const T0 = '2026-11-27T10:00:00.000Z';

describe('fixed: lifecycle: a retryable notifier failure loses the notification for good', () => {
  it('the approval request reaches on-call after a retryable Slack failure and a redelivery', async () => {
    const h = runbookHarness(CONFIG);
    const slack = h.notifiers.oncall![0]!;
    slack.failNext(new DependencyError('slack 503'));
    const plan = { id: 'e1', runbook: CONFIG.runbooks[0]!, parameters: {}, trigger: 'api:alice' };

    await requestExecution(h.ctx(T0), plan).catch(() => undefined);
    await requestExecution(h.ctx(T0), plan).catch(() => undefined);

    expect(slack.sent).toHaveLength(1);
  });

  it('the terminal status reaches on-call after a retryable Slack failure and a redelivery of the SSM event', async () => {
    const h = runbookHarness(CONFIG);
    const slack = h.notifiers.oncall![0]!;
    const plan = { id: 'e2', runbook: CONFIG.runbooks[1]!, parameters: {}, trigger: 'api:alice' };
    await requestExecution(h.ctx(T0), plan);
    slack.failNext(new DependencyError('slack 503'));

    for (let i = 0; i < 2; i++) {
      const current = (await h.store.getExecution('e2'))!;
      await applySsmStatus(h.ctx(T0), current, 'Success', 'automation Success').catch(() => undefined);
    }

    expect(slack.sent.map((n) => n.subject.split(']')[0])).toEqual(['[RUNBOOK STARTED', '[RUNBOOK SUCCEEDED']);
  });
});

describe('fixed: lifecycle: applySsmStatus reports "updated" when its conditional write failed', () => {
  it('decides "skipped" for a stale record whose execution already ended', async () => {
    const h = runbookHarness(CONFIG);
    const plan = { id: 'e3', runbook: CONFIG.runbooks[1]!, parameters: {}, trigger: 'api:alice' };
    const stale = (await requestExecution(h.ctx(T0), plan))!;
    await applySsmStatus(h.ctx(T0), stale, 'Success', 'first');

    const out = await applySsmStatus(h.ctx(T0), stale, 'Failed', 'late, concurrent');

    expect(out?.status).toBe('Success');
    expect(h.decisions.at(-1)?.outcome).not.toBe('updated');
  });
});
