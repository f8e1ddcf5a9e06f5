import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore, SERIES_SHARDS, seriesShard } from '../../../functions/adapters/aws/dynamodb-store';
import { ensureTable, GSI2_ATTRIBUTES } from '../../../functions/adapters/aws/table-definition';
import { packState, UNREADABLE_STATE } from '../../../functions/adapters/stored-state';
import { makeAlert } from '../../../functions/core/alert';
import { DependencyError } from '../../../functions/core/errors';
import type { AlertRecord, ExecutionRecord, Silence } from '../../../functions/ports';
import { seriesListingContract } from '../../core/pipeline/series-listing-contract';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite';

function alertRecord(name: string, updatedAt: string): AlertRecord {
  const alert = makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'cloudwatch',
    labels: { alertname: name, service: 'chat' },
    annotations: { summary: `${name} is firing` },
    startsAt: '2026-11-27T10:00:00.000Z',
  });
  return { ...alert, id: alert.fingerprint, receivedAt: '2026-11-27T10:00:01.000Z', updatedAt };
}

function execution(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id,
    runbook: 'restart-ecs-service',
    document: 'restart-ecs-service',
    kind: 'automation',
    parameters: { ClusterName: ['prod'], ServiceName: ['chat'] },
    status: 'Pending',
    trigger: 'policy:restart-on-crash',
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  };
}

describe('DynamoDbStore against dynalite', () => {
  let db: DynaliteHandle;
  let store: DynamoDbStore;
  let table: string;
  const raw = () => DynamoDBDocumentClient.from(db.client);

  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    // A fresh table per test keeps the cases independent without restarting the server.
    const fresh = await freshTable(db);
    table = fresh;
    store = new DynamoDbStore({ tableName: fresh, client: db.client });
  });

  describe('alerts', () => {
    it('round-trips a record without the table keys', async () => {
      // Prepare
      const record = alertRecord('HighLatency', '2026-11-27T10:00:01.000Z');

      // Act
      await store.putAlert(record);
      const read = await store.getAlert(record.id);

      // Assess
      expect(read).toEqual(record);
    });

    it('lists newest first by updatedAt', async () => {
      // Prepare
      const older = alertRecord('Old', '2026-11-27T10:00:00.000Z');
      const newest = alertRecord('Newest', '2026-11-27T12:00:00.000Z');
      const middle = alertRecord('Middle', '2026-11-27T11:00:00.000Z');
      for (const r of [older, newest, middle]) await store.putAlert(r);

      // Act
      const listed = await store.listAlerts();

      // Assess
      expect(listed.map((r) => r.labels.alertname)).toEqual(['Newest', 'Middle', 'Old']);
    });

    it('acks an existing alert and ignores a missing one', async () => {
      // Prepare
      const record = alertRecord('HighLatency', '2026-11-27T10:00:01.000Z');
      await store.putAlert(record);

      // Act
      const acked = await store.ackAlert(record.id, 'alice', '2026-11-27T10:05:00.000Z');
      const missing = await store.ackAlert('nope', 'alice', '2026-11-27T10:05:00.000Z');

      // Assess
      expect(acked).toEqual({ ...record, ackedBy: 'alice', ackedAt: '2026-11-27T10:05:00.000Z' });
      expect(missing).toBeUndefined();
    });
  });

  describe('notification log', () => {
    it('records a key once, and again only after it was released', async () => {
      // Prepare
      const entry = { fingerprint: 'f1', receiver: 'oncall', at: '2026-11-27T10:00:00.000Z', ttlSeconds: 3600 };

      // Act
      const first = await store.recordNotificationOnce('f1:oncall:firing', entry);
      const second = await store.recordNotificationOnce('f1:oncall:firing', entry);
      await store.releaseNotification('f1:oncall:firing');
      const afterRelease = await store.recordNotificationOnce('f1:oncall:firing', entry);

      // Assess
      expect([first, second, afterRelease]).toEqual([true, false, true]);
    });

    it('lets exactly one of many concurrent callers win', async () => {
      // Prepare
      const entry = { fingerprint: 'f1', receiver: 'oncall', at: '2026-11-27T10:00:00.000Z', ttlSeconds: 60 };

      // Act
      const results = await Promise.all(Array.from({ length: 8 }, () => store.recordNotificationOnce('k', entry)));

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('silences', () => {
    it('lists silences by end time', async () => {
      // Prepare
      const base: Omit<Silence, 'id' | 'endsAt'> = {
        matchers: { service: 'chat' },
        startsAt: '2026-11-27T10:00:00.000Z',
        createdBy: 'alice',
        comment: 'deploy',
        createdAt: '2026-11-27T09:59:00.000Z',
      };
      await store.putSilence({ ...base, id: 'late', endsAt: '2026-11-27T14:00:00.000Z' });
      await store.putSilence({ ...base, id: 'early', endsAt: '2026-11-27T11:00:00.000Z' });

      // Act
      const listed = await store.listSilences();

      // Assess
      expect(listed.map((s) => s.id)).toEqual(['early', 'late']);
      expect(listed[0]).toEqual({ ...base, id: 'early', endsAt: '2026-11-27T11:00:00.000Z' });
    });
  });

  describe('executions', () => {
    it('creates an execution only once', async () => {
      // Prepare
      const record = execution('11111111-1111-4111-8111-111111111111');

      // Act
      const first = await store.createExecution(record);
      const second = await store.createExecution({ ...record, trigger: 'api:bob' });

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(await store.getExecution(record.id)).toEqual(record);
    });

    it('updates only from an expected status, and lets one of two racing claims win', async () => {
      // Prepare
      const record = execution('22222222-2222-4222-8222-222222222222');
      await store.createExecution(record);

      // Act
      const claims = await Promise.all([
        store.updateExecution(record.id, { status: 'Starting', updatedAt: '2026-11-27T10:01:00.000Z' }, ['Pending']),
        store.updateExecution(record.id, { status: 'Starting', updatedAt: '2026-11-27T10:01:00.000Z' }, ['Pending']),
      ]);
      const wrongState = await store.updateExecution(record.id, { status: 'Success' }, ['InProgress']);
      const missing = await store.updateExecution('nope', { status: 'Success' });

      // Assess
      expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
      expect(claims.find((c) => c !== undefined)).toEqual({
        ...record,
        status: 'Starting',
        updatedAt: '2026-11-27T10:01:00.000Z',
      });
      expect(wrongState).toBeUndefined();
      expect(missing).toBeUndefined();
      expect((await store.getExecution(record.id))?.status).toBe('Starting');
    });

    it('finds an execution by the SSM id set through an update', async () => {
      // Prepare
      const record = execution('33333333-3333-4333-8333-333333333333', { status: 'Starting' });
      await store.createExecution(record);

      // Act
      const updated = await store.updateExecution(
        record.id,
        { status: 'InProgress', ssmExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', statusDetail: undefined },
        ['Starting'],
      );
      const found = await store.getExecutionBySsmId('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111');
      const unknown = await store.getExecutionBySsmId('not-started-by-us');

      // Assess
      expect(updated?.status).toBe('InProgress');
      expect(found).toEqual(updated);
      expect(unknown).toBeUndefined();
    });

    it('returns nothing for an empty expected list and reads through an empty patch', async () => {
      // Prepare
      const record = execution('44444444-4444-4444-8444-444444444444');
      await store.createExecution(record);

      // Act
      const none = await store.updateExecution(record.id, { status: 'Success' }, []);
      const same = await store.updateExecution(record.id, {}, ['Pending']);

      // Assess
      expect(none).toBeUndefined();
      expect(same).toEqual(record);
    });

    it('lists newest first and counts a runbook since a time', async () => {
      // Prepare
      await store.createExecution(execution('e1', { createdAt: '2026-11-27T08:00:00.000Z', ssmExecutionId: 's1' }));
      await store.createExecution(execution('e2', { createdAt: '2026-11-27T09:30:00.000Z', ssmExecutionId: 's2' }));
      await store.createExecution(execution('e3', { createdAt: '2026-11-27T09:45:00.000Z', status: 'Starting' }));
      await store.createExecution(execution('e4', { createdAt: '2026-11-27T09:50:00.000Z', runbook: 'patch-now' }));
      // Requested but never started (rejected, or waiting for approval): does not use up the rate limit.
      await store.createExecution(execution('e5', { createdAt: '2026-11-27T09:55:00.000Z', status: 'Rejected' }));

      // Act
      const listed = await store.listExecutions();
      const count = await store.countExecutionsSince('restart-ecs-service', '2026-11-27T09:00:00.000Z');

      // Assess
      expect(listed.map((e) => e.id)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
      expect(count).toBe(2);
    });
  });

  describe('series state', () => {
    it('round-trips the state exactly, versioned from 1', async () => {
      // Prepare
      const state = { mean: 0.1 + 0.2, buckets: [1, 2.5, -0], seasonal: { '0': [], '23': [1e-9] }, last: null };

      // Act
      const written = await store.putSeriesState('tokens|model=claude', state, 0);
      const read = await store.getSeriesState('tokens|model=claude');

      // Assess
      expect(written).toBe(true);
      expect(read).toEqual({ version: 1, state: JSON.parse(JSON.stringify(state)) });
      expect(await store.getSeriesState('other')).toBeUndefined();
    });

    it('rejects a stale version and a second creation', async () => {
      // Prepare
      await store.putSeriesState('s', { n: 1 }, 0);
      await store.putSeriesState('s', { n: 2 }, 1);

      // Act
      const stale = await store.putSeriesState('s', { n: 99 }, 1);
      const recreate = await store.putSeriesState('s', { n: 99 }, 0);

      // Assess
      expect([stale, recreate]).toEqual([false, false]);
      expect(await store.getSeriesState('s')).toEqual({ version: 2, state: { n: 2 } });
    });

    it('lets one of several parallel writers of the same version win', async () => {
      // Prepare
      await store.putSeriesState('s', { n: 0 }, 0);

      // Act
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => store.putSeriesState('s', { n }, 1)));

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = [1, 2, 3, 4, 5][results.indexOf(true)];
      expect(await store.getSeriesState('s')).toEqual({ version: 2, state: { n: winner } });
    });

    it('stores the state deflated in a binary attribute, and still reads a state stored as a JSON string', async () => {
      // Prepare: an item as written before states were deflated
      const state = { detector: 'x', d: { m: ['A'.repeat(500), 'B'.repeat(500)] } };
      await raw().send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'SERIES#old', sk: 'STATE', version: 4, state: JSON.stringify(state) },
        }),
      );

      // Act
      await store.putSeriesState('new', state, 0);
      const item = (await raw().send(new GetCommand({ TableName: table, Key: { pk: 'SERIES#new', sk: 'STATE' } })))
        .Item;

      // Assess
      expect(await store.getSeriesState('old')).toEqual({ version: 4, state });
      expect(await store.getSeriesState('new')).toEqual({ version: 1, state });
      expect(item?.state).toBeInstanceOf(Uint8Array);
      expect((item?.state as Uint8Array | undefined)?.byteLength).toBeLessThan(JSON.stringify(state).length / 5);
    });

    it('hands back an unreadable stored state as one no decoder accepts instead of throwing', async () => {
      // Prepare
      await raw().send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'SERIES#bad', sk: 'STATE', version: 2, state: Uint8Array.from([1, 2, 3]) },
        }),
      );

      // Act
      const read = await store.getSeriesState('bad');

      // Assess
      expect(read).toEqual({ version: 2, state: UNREADABLE_STATE });
    });
  });
});

describe('DynamoDbStore request shapes and errors', () => {
  // Mock one instance, not the class, so the dynalite suite above keeps its real client.
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const doc = mockClient(client);
  const store = new DynamoDbStore({ tableName: 'runwatch-test', client });

  beforeEach(() => doc.reset());

  it('writes the notification log entry conditionally with an expiry from its time', async () => {
    // Prepare
    doc.on(PutCommand).resolves({});

    // Act
    await store.recordNotificationOnce('k', {
      fingerprint: 'f',
      receiver: 'r',
      at: '2026-11-27T10:00:00.000Z',
      ttlSeconds: 600,
    });

    // Assess
    expect(doc.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'runwatch-test',
      Item: {
        pk: 'NFLOG#k',
        sk: 'NFLOG',
        fingerprint: 'f',
        receiver: 'r',
        at: '2026-11-27T10:00:00.000Z',
        expiresAt: Date.parse('2026-11-27T10:00:00.000Z') / 1000 + 600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('turns throttling into a retryable DependencyError', async () => {
    // Prepare
    doc.on(GetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const error = await store.getAlert('a').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(true);
    expect((error as DependencyError).message).toContain('ProvisionedThroughputExceededException');
  });

  it('turns access denied into a non-retryable DependencyError', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform dynamodb:GetItem'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    doc.on(GetCommand).rejects(denied);

    // Act
    const error = await store.getExecution('e').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(false);
  });
});

let tableCounter = 0;
async function freshTable(db: DynaliteHandle): Promise<string> {
  tableCounter += 1;
  const name = `${db.tableName}-${tableCounter}`;
  await ensureTable(db.client, name);
  return name;
}

describe('DynamoDbStore series listing against dynalite (the same cases as the memory store)', () => {
  let db: DynaliteHandle;
  let current: DynamoDbStore;

  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    current = new DynamoDbStore({ tableName: await freshTable(db), client: db.client });
  });

  seriesListingContract(() => current);
});

describe('DynamoDbStore series listing request shapes', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const doc = mockClient(client);
  const store = new DynamoDbStore({ tableName: 'runwatch-test', client });

  beforeEach(() => doc.reset());

  it('lists a watched series in a hashed gsi2 partition, keyed by its due time', async () => {
    // Prepare
    doc.on(PutCommand).resolves({});
    const key = 'InvocationLatency{ModelId=claude}';

    // Act
    await store.putSeriesState(key, { q: 1 }, 3, {
      labels: { metric: 'InvocationLatency', ModelId: 'claude' },
      lastSeenMs: Date.parse('2026-11-27T10:00:00.000Z'),
      intervalMs: 60_000,
      staleAtMs: Date.parse('2026-11-27T10:15:00.000Z'),
    });

    // Assess
    const input = doc.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.Item).toEqual({
      pk: `SERIES#${key}`,
      sk: 'STATE',
      version: 4,
      state: packState({ q: 1 }),
      labels: { metric: 'InvocationLatency', ModelId: 'claude' },
      lastSeenMs: Date.parse('2026-11-27T10:00:00.000Z'),
      intervalMs: 60_000,
      gsi2pk: seriesShard(key),
      gsi2sk: `2026-11-27T10:15:00.000Z#${key}`,
    });
    expect(seriesShard(key)).toMatch(/^SERIES#(0\d|1[0-5])$/);
    expect(input?.ConditionExpression).toBe('#version = :expected');
  });

  it('queries every partition for due series without reading their state', async () => {
    // Prepare
    doc.on(QueryCommand).resolves({ Items: [] });

    // Act
    await store.listSeriesDueBefore('2026-11-27T10:20:00Z', 50);

    // Assess
    const inputs = doc.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(SERIES_SHARDS);
    expect(new Set(inputs.map((i) => i.ExpressionAttributeValues?.[':pk'])).size).toBe(SERIES_SHARDS);
    for (const input of inputs) {
      expect(input).toMatchObject({
        IndexName: 'gsi2',
        KeyConditionExpression: '#gpk = :pk AND #gsk < :bound',
        ScanIndexForward: true,
        Limit: 50,
      });
      expect(input.ExpressionAttributeValues?.[':bound']).toBe('2026-11-27T10:20:00.000Z$');
      expect(input.ProjectionExpression).not.toContain('state');
      // It reads nothing the index does not project (an INCLUDE index cannot fetch the rest).
      const read = (input.ProjectionExpression ?? '').split(', ').map((n) => input.ExpressionAttributeNames?.[n]);
      const projected = ['pk', 'sk', 'gsi2pk', 'gsi2sk', ...GSI2_ATTRIBUTES];
      expect(read.filter((name) => !projected.includes(name as string))).toEqual([]);
    }
  });

  it('marks stale with a version check that a concurrent write would fail', async () => {
    // Prepare
    doc.on(UpdateCommand).resolves({});

    // Act
    await store.markSeriesStale('k', 7, '2026-11-27T10:15:00.000Z');

    // Assess
    expect(doc.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'SERIES#k', sk: 'STATE' },
      UpdateExpression: 'SET #staleSince = :since, #version = :next',
      ConditionExpression: '#version = :expected AND attribute_not_exists(#staleSince)',
      ExpressionAttributeValues: { ':since': '2026-11-27T10:15:00.000Z', ':next': 8, ':expected': 7 },
    });
  });
});
