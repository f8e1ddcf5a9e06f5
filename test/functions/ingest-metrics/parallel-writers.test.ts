// Parallel writers on one series against the embedded DynamoDB: every committed update survives (no lost update).
import { afterAll, describe, expect, it } from 'vitest';
import { batchDigest } from '../../../functions/core/quality/series';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { baselineConfig, bodyOf, context, httpEvent, makeTestRuntime, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const KEY = 'QueueDepth{service=chat-api}';

describe('ingest-metrics under concurrency', () => {
  it('six containers racing on one series: the stored model holds exactly the committed batches', async () => {
    // Prepare: batch i carries minutes [10i, 10i+10) with value = minute, so the stored window says who landed.
    const rt = await makeTestRuntime({ config: baselineConfig() });
    const containers = Array.from({ length: 6 }, () => makeHandler(rt.forFunction('ingest-metrics')));
    const batches = containers.map((_, i) =>
      Array.from({ length: 10 }, (_, j) => ({
        metric: 'QueueDepth',
        dimensions: { service: 'chat-api' },
        timestamp: new Date(T0 + (10 * i + j) * 60_000).toISOString(),
        value: 10 * i + j,
      })),
    );

    // Act: all at once; each reads, computes and conditionally writes, reloading and replaying on conflict.
    const results = await Promise.all(
      containers.map((handler, i) =>
        handler(httpEvent('POST', '/v1/metrics', { body: { points: batches[i] } }), context('ingest-metrics')),
      ),
    );

    // Assess
    expect(results.map((r) => (r as { statusCode: number }).statusCode)).toEqual([202, 202, 202, 202, 202, 202]);
    for (const r of results) expect(bodyOf<{ accepted: number }>(r).accepted).toBe(10);
    const stored = await rt.db.getSeriesState(KEY);
    const state = stored?.state as { d: { buf: number[] }; extra: { quality: { batches: string[] } } } | undefined;
    const buf = state?.d.buf ?? [];
    // Every invocation committed exactly once, and each commit is in the stored state: nothing was overwritten.
    expect(stored?.version).toBe(6);
    for (const batch of batches) {
      const points = batch.map((p) => ({
        metric: p.metric,
        dimensions: p.dimensions,
        t: Date.parse(p.timestamp),
        value: p.value,
      }));
      expect(state?.extra.quality.batches).toContain(batchDigest(points));
    }
    // The detector's model only moves forward in time, and the newest batch is always in it.
    expect([...buf].sort((a, b) => a - b)).toEqual(buf);
    expect(buf.slice(-10)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
  });
});
