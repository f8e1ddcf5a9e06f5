// The watchdog on the real DynamoDB store (dynalite): MetricStale for silent series, at most once, never lost, resolved by ingest.
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import { DetailType } from '../../../functions/core/bus';
import { DependencyError } from '../../../functions/core/errors';
import type { MetricPoint } from '../../../functions/core/metrics/points';
import { seriesKey } from '../../../functions/core/metrics/points';
import type { QualityConfig } from '../../../functions/core/quality/config';
import { checkSchemaViolations } from '../../../functions/core/quality/schema-violations';
import { checkSeries, type SeriesCheckResult } from '../../../functions/core/quality/series';
import { seriesMeta } from '../../../functions/core/quality/stale';
import type { Store } from '../../../functions/ports';
import { makeHandler } from '../../../functions/watchdog/make-handler';
import { loadEvent } from '../../helpers/events';
import { context, makeTestRuntime, stopTestDynalite, type TestRuntime } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const MINUTE = 60_000;
const RUN_AT = '2026-11-27T14:55:00Z';
const DIMENSIONS = { ModelId: 'anthropic.claude-3-5-sonnet' };
const LABELS = { ...DIMENSIONS, metric: 'InvocationLatency' };
const KEY = seriesKey('InvocationLatency', DIMENSIONS);

function scheduled(time = RUN_AT): unknown {
  return { ...(loadEvent('scheduled.eventbridge') as Record<string, unknown>), time };
}

function minutes(fromIso: string, n: number, labels = LABELS): MetricPoint[] {
  const { metric, ...dimensions } = labels;
  return Array.from({ length: n }, (_, i) => ({
    metric: metric as string,
    dimensions,
    t: Date.parse(fromIso) + i * MINUTE,
    value: 800 + (i % 4) * 10,
  }));
}

/** What ingest-metrics does per series: state read, checkSeries with the stale mark, one conditional write with the meta. */
async function ingest(store: Store, config: QualityConfig, points: MetricPoint[], nowIso: string, labels = LABELS) {
  const { metric, ...dimensions } = labels;
  const key = seriesKey(metric as string, dimensions);
  for (let attempt = 0; attempt < 5; attempt++) {
    const prior = await store.getSeriesState(key);
    const stored = prior?.state as { quality?: unknown } | undefined;
    const options = prior?.staleSince === undefined ? {} : { staleSince: prior.staleSince };
    const q: SeriesCheckResult = checkSeries(stored?.quality, points, labels, config, Date.parse(nowIso), options);
    const meta = seriesMeta(q.state, labels, config);
    if (await store.putSeriesState(key, { quality: q.state }, prior?.version ?? 0, meta)) return q;
  }
  throw new Error('kept conflicting');
}

function published(rt: TestRuntime): Alert[] {
  return rt.bus.eventsOf(DetailType.alert).flatMap((e) => (e.detail as { alerts: Alert[] }).alerts);
}

async function runtimeWithSilentSeries(wrapStore?: (store: Store) => Store): Promise<TestRuntime> {
  const rt = await makeTestRuntime(wrapStore ? { wrapStore } : {});
  // Thirty one-minute points that arrived by 14:30: stale 15 min later, at 14:45.
  await ingest(rt.db, rt.config.quality, minutes('2026-11-27T14:00:00Z', 30), '2026-11-27T14:30:00Z');
  return rt;
}

describe('watchdog', () => {
  it('publishes MetricStale for a series silent past its allowed silence, marks it and stops listing it', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const handler = makeHandler(rt.forFunction('watchdog'));

    // Act
    const outcome = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(outcome).toMatchObject({ listed: 1, stale: 1, published: 1, conflicts: 0 });
    const [alert] = published(rt);
    expect(alert).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-27T14:45:00.000Z',
      labels: { ...LABELS, alertname: 'MetricStale', check: 'stale', source: 'detector', severity: 'warning' },
    });
    expect(alert?.annotations.summary).toBe(
      'InvocationLatency{ModelId=anthropic.claude-3-5-sonnet}: no data since 2026-11-27T14:30:00.000Z (usually every 1 min; stale after 15 min without data)',
    );
    expect(rt.bus.eventsOf(DetailType.alert)[0]?.detail).toMatchObject({
      correlationId: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    });
    expect((await rt.db.getSeriesState(KEY))?.staleSince).toBe('2026-11-27T14:45:00.000Z');
    expect(await rt.db.listSeriesDueBefore('2026-11-28T00:00:00Z', 10)).toEqual([]);
  });

  it('publishes nothing again on a redelivered event or on the next run', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const handler = makeHandler(rt.forFunction('watchdog'));
    await handler(scheduled(), context('watchdog'));

    // Act
    const redelivered = await handler(scheduled(), context('watchdog'));
    const next = await handler(scheduled('2026-11-27T15:00:00Z'), context('watchdog'));

    // Assess
    expect(published(rt)).toHaveLength(1);
    expect([redelivered.published, next.published]).toEqual([0, 0]);
  });

  it('leaves a series alone until it is due', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const handler = makeHandler(rt.forFunction('watchdog'));

    // Act
    const outcome = await handler(scheduled('2026-11-27T14:44:00Z'), context('watchdog'));

    // Assess
    expect(outcome).toMatchObject({ listed: 0, stale: 0, published: 0 });
    expect(await rt.db.getSeriesState(KEY)).not.toHaveProperty('staleSince');
  });

  it('publishes a marked series again when the publish failed, and only then unlists it', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const handler = makeHandler(rt.forFunction('watchdog'));
    rt.bus.failNextPublish(new DependencyError('EventBridge PutEvents throttled'));

    // Act
    const failed = await handler(scheduled(), context('watchdog')).catch((e: unknown) => e);
    const listedAfterFailure = await rt.db.listSeriesDueBefore(RUN_AT, 10);
    const retried = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(failed).toBeInstanceOf(DependencyError);
    expect(listedAfterFailure.map((d) => [d.key, d.staleSince])).toEqual([[KEY, '2026-11-27T14:45:00.000Z']]);
    expect(retried).toMatchObject({ stale: 0, published: 1 });
    expect(published(rt).map((a) => [a.labels.alertname, a.startsAt])).toEqual([
      ['MetricStale', '2026-11-27T14:45:00.000Z'],
    ]);
    expect(await rt.db.listSeriesDueBefore(RUN_AT, 10)).toEqual([]);
  });

  it('lets ingest win when data arrives between the listing and the mark', async () => {
    // Prepare: data arrives right after the watchdog listed the series
    let rt: TestRuntime | undefined;
    const racing = (store: Store): Store =>
      new Proxy(store, {
        get(target, name) {
          if (name === 'listSeriesDueBefore') {
            return async (before: string, limit: number) => {
              const due = await target.listSeriesDueBefore(before, limit);
              if (rt)
                await ingest(target, rt.config.quality, minutes('2026-11-27T14:54:00Z', 1), '2026-11-27T14:54:30Z');
              return due;
            };
          }
          const value = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    rt = await runtimeWithSilentSeries(racing);
    const handler = makeHandler(rt.forFunction('watchdog'));

    // Act
    const outcome = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(outcome).toMatchObject({ listed: 1, stale: 0, published: 0, conflicts: 1 });
    expect(await rt.db.getSeriesState(KEY)).not.toHaveProperty('staleSince');
    expect((await rt.db.listSeriesDueBefore('2026-11-27T15:10:00Z', 10)).map((d) => d.key)).toEqual([KEY]);
  });

  it('lets the returning data resolve MetricStale, even when it read the series before the mark', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const handler = makeHandler(rt.forFunction('watchdog'));
    const readBeforeMark = await rt.db.getSeriesState(KEY);
    await handler(scheduled(), context('watchdog'));

    // Act: the write over the pre-mark version fails; the reload sees the mark
    const lost = await rt.db.putSeriesState(KEY, { quality: null }, readBeforeMark?.version ?? 0);
    const q = await ingest(rt.db, rt.config.quality, minutes('2026-11-27T15:01:00Z', 2), '2026-11-27T15:03:00Z');

    // Assess
    expect(lost).toBe(false);
    const [firing] = published(rt);
    expect(q.alerts.map((a) => [a.labels.alertname, a.status, a.fingerprint, a.startsAt, a.endsAt])).toEqual([
      ['MetricStale', 'resolved', firing?.fingerprint, '2026-11-27T14:45:00.000Z', '2026-11-27T15:03:00.000Z'],
    ]);
    expect(await rt.db.getSeriesState(KEY)).not.toHaveProperty('staleSince');
    expect((await rt.db.listSeriesDueBefore('2026-11-27T15:18:00Z', 10)).map((d) => d.key)).toEqual([KEY]);
  });

  it('unlists series excluded since they were listed, and never alerts on them', async () => {
    // Prepare
    const rt = await runtimeWithSilentSeries();
    const config = {
      ...rt.config,
      quality: {
        ...rt.config.quality,
        stale: { ...rt.config.quality.stale, exclude: [{ metric: 'InvocationLatency' }] },
      },
    };
    const handler = makeHandler({ ...rt.forFunction('watchdog'), config });

    // Act
    const outcome = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(outcome).toMatchObject({ listed: 1, stale: 0, published: 0, relisted: 1 });
    expect(await rt.db.listSeriesDueBefore('2026-11-28T00:00:00Z', 10)).toEqual([]);
  });

  it('works through more due series than one page', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    for (let i = 0; i < 7; i++) {
      const labels = { metric: 'Invocations', ModelId: `model-${i}` };
      await ingest(
        rt.db,
        rt.config.quality,
        minutes('2026-11-27T14:00:00Z', 10, labels),
        '2026-11-27T14:10:00Z',
        labels,
      );
    }
    const handler = makeHandler(rt.forFunction('watchdog'), { pageSize: 3 });

    // Act
    const outcome = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(outcome).toMatchObject({ stale: 7, published: 7, conflicts: 0 });
    expect(new Set(published(rt).map((a) => a.labels.ModelId)).size).toBe(7);
  });

  it('resolves a schema-violation alert whose source has rejected nothing for a whole window', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    const issues = Array.from({ length: 12 }, (_, i) => ({ path: `points[${i}].value`, message: 'must be a number' }));
    const fired = checkSchemaViolations(
      undefined,
      'sqs',
      issues,
      0,
      rt.config.quality,
      Date.parse('2026-11-27T14:30:00Z'),
    );
    await rt.db.putSourceState('sqs', fired.state, 0);
    const handler = makeHandler(rt.forFunction('watchdog'));

    // Act
    const outcome = await handler(scheduled(), context('watchdog'));
    const again = await handler(scheduled(), context('watchdog'));

    // Assess
    expect(outcome.sourcesResolved).toBe(1);
    expect(again.sourcesResolved).toBe(0);
    expect(published(rt)).toEqual([
      expect.objectContaining({
        status: 'resolved',
        fingerprint: fired.alert?.fingerprint,
        startsAt: '2026-11-27T14:30:00.000Z',
        labels: expect.objectContaining({ alertname: 'MetricSchemaViolations', input: 'sqs' }),
      }),
    ]);
  });

  it('ignores events that are not scheduled events', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    const handler = makeHandler(rt.forFunction('watchdog'));

    // Act
    const outcome = await handler(loadEvent('health.eventbridge'), context('watchdog'));

    // Assess
    expect(outcome.unsupported).toBe(true);
    expect(published(rt)).toEqual([]);
  });
});
