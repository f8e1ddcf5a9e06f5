import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../functions/core/config/load';
import type { RunbookConfig } from '../../../functions/core/config/schema';
import { DependencyError, RunwatchError } from '../../../functions/core/errors';
import type { NewExecution } from '../../../functions/core/runbooks/execution';
import {
  applySsmStatus,
  notifyExecution,
  requestExecution,
  startExecution,
} from '../../../functions/core/runbooks/lifecycle';
import type { ExecutionRecord, ExecutionStatus } from '../../../functions/ports';
import { type RunbookHarness, runbookHarness, totalSent } from '../pipeline/fakes';

const T0 = '2026-11-27T10:00:00.000Z';
const T0_PLUS_1M = '2026-11-27T10:01:00.000Z';
const T0_PLUS_61M = '2026-11-27T11:01:00.000Z';

const CONFIG = validateConfig({
  defaults: { receiver: 'oncall' },
  receivers: [
    { name: 'platform', outbox: {} },
    { name: 'oncall', slack: {}, sns: {} },
  ],
  runbooks: [
    {
      name: 'restart',
      document: 'restart-ecs-service',
      kind: 'automation',
      maxPerHour: 1,
      parameters: { ClusterName: 'genai' },
    },
    { name: 'rollback', document: 'rollback-lambda-alias', kind: 'automation', approval: true },
    {
      name: 'scan',
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      parameters: { Operation: 'Scan' },
      targets: [{ key: 'tag:PatchGroup', values: ['genai'] }],
    },
  ],
});

function runbook(name: string): RunbookConfig {
  const found = CONFIG.runbooks.find((r) => r.name === name);
  if (!found) throw new Error(`no runbook ${name}`);
  return found;
}

function plan(name: string, id = `exec-${name}`): NewExecution {
  const rb = runbook(name);
  return { id, runbook: rb, parameters: { ClusterName: ['genai'] }, trigger: 'policy:restart-stopped-ecs-tasks' };
}

/** Subjects of everything the on-call receiver was told, per integration. */
function told(h: RunbookHarness): string[][] {
  return (h.notifiers.oncall ?? []).map((n) => n.sent.map((s) => s.subject.split(']')[0] ?? ''));
}

describe('requestExecution', () => {
  it('creates once and starts once across three deliveries of the same trigger', async () => {
    // Prepare
    const h = runbookHarness(CONFIG);

    // Act
    const results = [];
    for (const at of [T0, T0, T0_PLUS_1M]) results.push(await requestExecution(h.ctx(at), plan('restart')));

    // Assess
    expect(await h.store.listExecutions()).toHaveLength(1);
    expect(h.executor.requests).toEqual([
      {
        executionId: 'exec-restart',
        document: 'restart-ecs-service',
        kind: 'automation',
        parameters: { ClusterName: ['genai'] },
      },
    ]);
    expect(results.map((r) => r?.status)).toEqual(['InProgress', 'InProgress', 'InProgress']);
    expect(await h.store.getExecution('exec-restart')).toMatchObject({
      status: 'InProgress',
      ssmExecutionId: 'ssm-exec-restart',
      statusDetail: 'started automation restart-ecs-service',
    });
    expect(h.decisions.map((d) => d.outcome)).toEqual(['created', 'started', 'duplicate', 'duplicate']);
    expect(h.decisions[2]?.reason).toBe('already InProgress');
    expect(told(h)).toEqual([['[RUNBOOK STARTED'], ['[RUNBOOK STARTED']]);
  });

  it('sends a command runbook with its targets', async () => {
    const h = runbookHarness(CONFIG);

    await requestExecution(h.ctx(T0), { ...plan('scan'), parameters: { Operation: ['Scan'] } });

    expect(h.executor.requests[0]).toEqual({
      executionId: 'exec-scan',
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      parameters: { Operation: ['Scan'] },
      targets: [{ key: 'tag:PatchGroup', values: ['genai'] }],
    });
    expect(await h.store.getExecutionBySsmId('ssm-exec-scan')).toMatchObject({ id: 'exec-scan' });
  });

  it('waits for approval without starting, and tells on-call once', async () => {
    const h = runbookHarness(CONFIG);

    for (const at of [T0, T0, T0_PLUS_1M]) await requestExecution(h.ctx(at), plan('rollback'));

    expect((await h.store.getExecution('exec-rollback'))?.status).toBe('PendingApproval');
    expect(h.executor.requests).toEqual([]);
    expect(told(h)).toEqual([['[APPROVAL NEEDED'], ['[APPROVAL NEEDED']]);
    expect(h.decisions).toContainEqual({
      executionId: 'exec-rollback',
      outcome: 'awaiting-approval',
      reason: 'runbook rollback needs approval',
    });
    expect(totalSent(h.notifiers)).toBe(2);
  });

  it('rejects a start over the hourly rate limit and tells on-call', async () => {
    const h = runbookHarness(CONFIG);
    await requestExecution(h.ctx(T0), plan('restart', 'first'));

    const second = await requestExecution(h.ctx(T0_PLUS_1M), plan('restart', 'second'));

    expect(second).toMatchObject({ status: 'Rejected', statusDetail: 'rate limit: 1 starts in the last hour (max 1)' });
    expect(h.executor.requests.map((r) => r.executionId)).toEqual(['first']);
    expect(h.decisions).toContainEqual({
      executionId: 'second',
      outcome: 'rejected',
      reason: 'rate limit: 1 starts in the last hour (max 1)',
    });
    expect(told(h)[0]).toEqual(['[RUNBOOK STARTED', '[RUNBOOK REJECTED']);
  });

  it('allows the next start once the earlier one is more than an hour old', async () => {
    const h = runbookHarness(CONFIG);
    await requestExecution(h.ctx(T0), plan('restart', 'first'));

    const later = await requestExecution(h.ctx(T0_PLUS_61M), plan('restart', 'later'));

    expect(later?.status).toBe('InProgress');
  });

  it('gives the claim back and throws on a retryable executor error, so the redelivery starts it', async () => {
    const h = runbookHarness(CONFIG);
    h.executor.failNext(new DependencyError('ThrottlingException'));

    await expect(requestExecution(h.ctx(T0), plan('restart'))).rejects.toThrow('ThrottlingException');
    const between = await h.store.getExecution('exec-restart');
    const retried = await requestExecution(h.ctx(T0_PLUS_1M), plan('restart'));

    expect(between).toMatchObject({ status: 'Pending', statusDetail: 'retrying: ThrottlingException' });
    expect(retried?.status).toBe('InProgress');
    expect(h.executor.requests).toHaveLength(1);
    expect(h.decisions).toContainEqual({
      executionId: 'exec-restart',
      outcome: 'failed',
      reason: 'retryable: ThrottlingException',
    });
  });

  it('treats an unknown executor error as retryable', async () => {
    const h = runbookHarness(CONFIG);
    h.executor.failNext(new Error('socket hang up'));

    await expect(requestExecution(h.ctx(T0), plan('restart'))).rejects.toBeInstanceOf(RunwatchError);

    expect((await h.store.getExecution('exec-restart'))?.status).toBe('Pending');
  });

  it('marks the execution Failed on a permanent executor error, tells on-call, and never retries', async () => {
    const h = runbookHarness(CONFIG);
    h.executor.failNext(new RunwatchError('document not found', { retryable: false }));

    const failed = await requestExecution(h.ctx(T0), plan('restart'));
    const again = await requestExecution(h.ctx(T0_PLUS_1M), plan('restart'));

    expect(failed).toMatchObject({ status: 'Failed', statusDetail: 'document not found' });
    expect(again?.status).toBe('Failed');
    expect(h.executor.requests).toEqual([]);
    expect(told(h)).toEqual([['[RUNBOOK FAILED'], ['[RUNBOOK FAILED']]);
  });
});

describe('startExecution', () => {
  it('skips an execution that does not exist', async () => {
    const h = runbookHarness(CONFIG);

    expect(await startExecution(h.ctx(T0), 'nope')).toBeUndefined();
    expect(h.decisions).toEqual([{ executionId: 'nope', outcome: 'skipped', reason: 'no such execution' }]);
  });

  it.each(['PendingApproval', 'Starting', 'InProgress', 'Success'] as const)(
    'does not start an execution that is %s',
    async (status) => {
      const h = runbookHarness(CONFIG);
      await requestExecution(h.ctx(T0), plan('rollback'));
      await h.store.updateExecution('exec-rollback', { status });

      const out = await startExecution(h.ctx(T0), 'exec-rollback');

      expect(out?.status).toBe(status);
      expect(h.executor.requests).toEqual([]);
    },
  );

  it('starts an approved execution (moved back to Pending) once', async () => {
    const h = runbookHarness(CONFIG);
    await requestExecution(h.ctx(T0), plan('rollback'));
    await h.store.updateExecution('exec-rollback', { status: 'Pending', approvedBy: 'alice' }, ['PendingApproval']);

    await startExecution(h.ctx(T0_PLUS_1M), 'exec-rollback');
    await startExecution(h.ctx(T0_PLUS_1M), 'exec-rollback');

    expect(h.executor.requests).toHaveLength(1);
    expect(told(h)[0]).toEqual(['[APPROVAL NEEDED', '[RUNBOOK STARTED']);
  });
});

describe('applySsmStatus', () => {
  async function started(h: RunbookHarness): Promise<ExecutionRecord> {
    const record = await requestExecution(h.ctx(T0), plan('restart'));
    if (!record) throw new Error('not started');
    return record;
  }

  it.each([
    ['InProgress', 'Success', 'Success'],
    ['InProgress', 'Failed', 'Failed'],
    ['InProgress', 'TimedOut', 'TimedOut'],
    ['InProgress', 'Cancelled', 'Cancelled'],
    ['InProgress', 'Pending', 'InProgress'],
    ['InProgress', 'InProgress', 'InProgress'],
    ['Starting', 'InProgress', 'InProgress'],
    ['Starting', 'Pending', 'Starting'],
    ['Success', 'Failed', 'Success'],
    ['Success', 'InProgress', 'Success'],
    ['Failed', 'Success', 'Failed'],
    ['Cancelled', 'Success', 'Cancelled'],
  ] as [ExecutionStatus, ExecutionStatus, ExecutionStatus][])(
    'from %s, an SSM %s leaves it %s (never backwards, never out of a terminal state)',
    async (from, ssm, expected) => {
      // Prepare
      const h = runbookHarness(CONFIG);
      await started(h);
      const current = await h.store.updateExecution('exec-restart', { status: from });
      if (!current) throw new Error('no execution');

      // Act
      const out = await applySsmStatus(h.ctx(T0_PLUS_1M), current, ssm, `automation ${ssm}`);

      // Assess
      expect(out?.status).toBe(expected);
      expect((await h.store.getExecution('exec-restart'))?.status).toBe(expected);
    },
  );

  it('records the detail and tells on-call of a terminal state once, however often it arrives', async () => {
    const h = runbookHarness(CONFIG);
    const execution = await started(h);

    const first = await applySsmStatus(h.ctx(T0_PLUS_1M), execution, 'Success', 'automation Success at t');
    // A concurrent delivery that read the record before the first one wrote it.
    await applySsmStatus(h.ctx(T0_PLUS_1M), execution, 'Success', 'automation Success at t');
    const fresh = await h.store.getExecution('exec-restart');
    const late = fresh && (await applySsmStatus(h.ctx(T0_PLUS_1M), fresh, 'Success', 'automation Success at t'));

    expect(first).toMatchObject({ status: 'Success', statusDetail: 'automation Success at t', updatedAt: T0_PLUS_1M });
    expect((await h.store.getExecution('exec-restart'))?.status).toBe('Success');
    expect(late?.status).toBe('Success');
    expect(told(h)).toEqual([
      ['[RUNBOOK STARTED', '[RUNBOOK SUCCEEDED'],
      ['[RUNBOOK STARTED', '[RUNBOOK SUCCEEDED'],
    ]);
    expect(h.decisions.at(-1)).toEqual({
      executionId: 'exec-restart',
      outcome: 'skipped',
      reason: 'Success after Success',
    });
  });

  it('does not notify a non-terminal update', async () => {
    const h = runbookHarness(CONFIG);
    await requestExecution(h.ctx(T0), plan('restart'));
    const starting = await h.store.updateExecution('exec-restart', { status: 'Starting' });
    if (!starting) throw new Error('no execution');
    const before = totalSent(h.notifiers);

    await applySsmStatus(h.ctx(T0_PLUS_1M), starting, 'InProgress', 'automation InProgress');

    expect(totalSent(h.notifiers)).toBe(before);
    expect(h.decisions.at(-1)).toEqual({
      executionId: 'exec-restart',
      outcome: 'updated',
      reason: 'Starting → InProgress',
    });
  });
});

describe('notifyExecution', () => {
  it('tells the first receiver when no default receiver is configured', async () => {
    const config = validateConfig({
      receivers: [
        { name: 'platform', outbox: {} },
        { name: 'oncall', sns: {} },
      ],
    });
    const h = runbookHarness(config);
    const record: ExecutionRecord = {
      id: 'e',
      runbook: 'r',
      document: 'd',
      kind: 'automation',
      parameters: {},
      status: 'Success',
      trigger: 'api:alice',
      createdAt: T0,
      updatedAt: T0,
    };

    await notifyExecution(h.ctx(T0), record);
    await notifyExecution(h.ctx(T0), record);

    expect(h.notifiers.platform?.[0]?.sent).toHaveLength(1);
    expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(0);
  });

  it('never throws for a notifier failure, and records why', async () => {
    const h = runbookHarness(CONFIG);
    h.notifiers.oncall?.[0]?.failNext(new RunwatchError('webhook revoked', { retryable: false }));
    const record = (await requestExecution(h.ctx(T0), plan('rollback'))) as ExecutionRecord;

    expect(record.status).toBe('PendingApproval');
    expect(h.decisions).toContainEqual({
      executionId: 'exec-rollback',
      outcome: 'failed',
      reason: 'notify slack: webhook revoked',
    });
    expect(h.notifiers.oncall?.[1]?.sent).toHaveLength(1);
  });
});
