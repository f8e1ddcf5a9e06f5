import { describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../../functions/ports';
import { MemoryStore } from './memory-store';
import { seriesListingContract } from './series-listing-contract';

function execution(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id,
    runbook: 'restart-ecs-service',
    document: 'restart-ecs-service',
    kind: 'automation',
    parameters: {},
    status: 'Pending',
    trigger: 'policy:p',
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  };
}

const entry = { fingerprint: 'f', receiver: 'oncall', at: '2026-11-27T10:00:00.000Z', ttlSeconds: 60 };

describe('MemoryStore (the Store port, as the DynamoDB adapter behaves)', () => {
  it('records a notification key once until it is released', async () => {
    // Prepare
    const store = new MemoryStore();

    // Act
    const first = await store.recordNotificationOnce('k', entry);
    const second = await store.recordNotificationOnce('k', entry);
    await store.releaseNotification('k');
    const afterRelease = await store.recordNotificationOnce('k', entry);

    // Assess
    expect([first, second, afterRelease]).toEqual([true, false, true]);
  });

  it('creates an execution only once', async () => {
    const store = new MemoryStore();

    const created = [await store.createExecution(execution('e1')), await store.createExecution(execution('e1'))];

    expect(created).toEqual([true, false]);
    expect(await store.listExecutions()).toHaveLength(1);
  });

  it('updates an execution only from an expected status, and never a missing one', async () => {
    const store = new MemoryStore();
    await store.createExecution(execution('e1'));

    const wrongStatus = await store.updateExecution('e1', { status: 'InProgress' }, ['Starting']);
    const noStatusAllowed = await store.updateExecution('e1', { status: 'InProgress' }, []);
    const missing = await store.updateExecution('nope', { status: 'InProgress' });
    const claimed = await store.updateExecution('e1', { status: 'Starting', statusDetail: undefined }, ['Pending']);

    expect(wrongStatus).toBeUndefined();
    expect(noStatusAllowed).toBeUndefined();
    expect(missing).toBeUndefined();
    expect(claimed?.status).toBe('Starting');
    expect(claimed).not.toHaveProperty('statusDetail');
  });

  it('finds an execution by its SSM id once an update set it', async () => {
    const store = new MemoryStore();
    await store.createExecution(execution('e1'));

    await store.updateExecution('e1', { status: 'InProgress', ssmExecutionId: 'ssm-1' }, ['Pending']);

    expect((await store.getExecutionBySsmId('ssm-1'))?.id).toBe('e1');
    expect(await store.getExecutionBySsmId('ssm-2')).toBeUndefined();
  });

  it('counts started executions of one runbook created at or after a time', async () => {
    const store = new MemoryStore();
    await store.createExecution(execution('a', { createdAt: '2026-11-27T09:00:00.000Z', ssmExecutionId: 's-a' }));
    await store.createExecution(execution('b', { createdAt: '2026-11-27T10:00:00.000Z', status: 'Starting' }));
    await store.createExecution(
      execution('c', { createdAt: '2026-11-27T10:30:00.000Z', runbook: 'other', ssmExecutionId: 's-c' }),
    );
    await store.createExecution(execution('d', { createdAt: '2026-11-27T10:40:00.000Z', status: 'Rejected' }));

    expect(await store.countExecutionsSince('restart-ecs-service', '2026-11-27T10:00:00.000Z')).toBe(1);
    expect(await store.countExecutionsSince('restart-ecs-service', '2026-11-27T08:00:00.000Z')).toBe(2);
  });

  it('writes series state only at the expected version (0 = absent)', async () => {
    const store = new MemoryStore();

    const results = [
      await store.putSeriesState('s', { n: 1 }, 1),
      await store.putSeriesState('s', { n: 1 }, 0),
      await store.putSeriesState('s', { n: 2 }, 0),
      await store.putSeriesState('s', { n: 2 }, 1),
    ];

    expect(results).toEqual([false, true, false, true]);
    expect(await store.getSeriesState('s')).toEqual({ version: 2, state: { n: 2 } });
  });

  it('acks only an existing alert and hands out copies', async () => {
    const store = new MemoryStore();
    const record = {
      id: 'f1',
      fingerprint: 'f1',
      status: 'firing' as const,
      severity: 'critical' as const,
      source: 'ecs' as const,
      labels: { alertname: 'A' },
      annotations: {},
      startsAt: '2026-11-27T10:00:00.000Z',
      receivedAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:00:00.000Z',
    };
    await store.putAlert(record);

    const acked = await store.ackAlert('f1', 'alice', '2026-11-27T10:05:00.000Z');
    const missing = await store.ackAlert('f2', 'alice', '2026-11-27T10:05:00.000Z');
    const read = await store.getAlert('f1');
    if (read) read.labels.alertname = 'changed';

    expect(acked?.ackedBy).toBe('alice');
    expect(missing).toBeUndefined();
    expect((await store.getAlert('f1'))?.labels.alertname).toBe('A');
  });

  it('lists silences ending soonest first', async () => {
    const store = new MemoryStore();
    const silence = { matchers: {}, startsAt: '2026-11-27T00:00:00.000Z', createdBy: 'a', comment: '', createdAt: '' };
    await store.putSilence({ ...silence, id: 'late', endsAt: '2026-11-28T00:00:00.000Z' });
    await store.putSilence({ ...silence, id: 'soon', endsAt: '2026-11-27T12:00:00.000Z' });

    expect((await store.listSilences()).map((s) => s.id)).toEqual(['soon', 'late']);
  });
});

describe('MemoryStore series listing (the same cases as the DynamoDB adapter)', () => {
  seriesListingContract(() => new MemoryStore());
});
