// Parallel writers on one series against the embedded DynamoDB: every committed update survives (no lost update).
import { afterAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { bodyOf, context, httpEvent, makeTestRuntime, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const KEY = 'QueueDepth{service=chat-api}';

describe('ingest-metrics under concurrency', () => {
  it('six containers racing on one series: the stored model holds exactly the committed batches', async () => {
    // Prepare: batch i carries minutes [10i, 10i+10) with value = minute, so the stored window says who landed.
    const rt = await makeTestRuntime();
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
    const buf = (stored?.state as { d: { buf: number[] } } | undefined)?.d.buf ?? [];
    // In time order (a streaming model never goes back in time) ...
    expect([...buf].sort((a, b) => a - b)).toEqual(buf);
    // ... and every version increment is a batch whose points are all there: nothing was overwritten.
    const landed = new Set(buf.map((v) => Math.floor(v / 10)));
    expect(stored?.version).toBe(landed.size);
    for (const b of landed) expect(buf.filter((v) => Math.floor(v / 10) === b).length).toBe(10);
    // The newest batch always lands.
    expect(landed.has(5)).toBe(true);
  });
});
