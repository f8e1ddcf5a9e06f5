// Series keys escape their delimiters now: a series stored under its old, unescaped key continues from that item
// (model, quality state, stale mark) and the old item leaves the watchdog's listing.
import { afterAll, describe, expect, it } from 'vitest';
import { DetailType } from '../../../functions/core/bus';
import { legacySeriesKey, seriesKey } from '../../../functions/core/metrics/points';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { context, httpEvent, makeTestRuntime, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const MIN = 60_000;
const T0 = Date.parse('2026-11-27T12:00:00.000Z');
const DIMS = { model: 'claude', route: '/v1/chat?a=1,b=2' };
const NEW_KEY = seriesKey('Latency', DIMS);
const OLD_KEY = legacySeriesKey('Latency', DIMS);

function batch(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    metric: 'Latency',
    dimensions: DIMS,
    timestamp: new Date(T0 + (from + i) * MIN).toISOString(),
    value: 100 + ((from + i) % 7),
  }));
}

describe('ingest-metrics across the series-key change', () => {
  it('continues a series from its old item, resolves its stale mark, and unlists the old item', async () => {
    // Prepare: what the series looked like after 200 minutes, as a current container stores it (reference table),
    // then the same state under the old key, listed and marked stale by the watchdog (upgraded table).
    expect(OLD_KEY).not.toBe(NEW_KEY);
    const reference = await makeTestRuntime({ now: new Date(T0 + 200 * MIN).toISOString() });
    const upgraded = await makeTestRuntime({ now: new Date(T0 + 200 * MIN).toISOString() });
    const post = (rt: typeof reference, from: number, n: number) =>
      makeHandler(rt.forFunction('ingest-metrics'), { warmSeries: 0 })(
        httpEvent('POST', '/v1/metrics', { body: { points: batch(from, n) } }),
        context('ingest-metrics'),
      );
    await post(reference, 0, 200);
    const before = await reference.db.getSeriesState(NEW_KEY);
    const labels = { metric: 'Latency', ...DIMS };
    const lastSeenMs = T0 + 199 * MIN;
    await upgraded.db.putSeriesState(OLD_KEY, before?.state, 0, {
      labels,
      lastSeenMs,
      staleAtMs: lastSeenMs + 15 * MIN,
    });
    expect(await upgraded.db.markSeriesStale(OLD_KEY, 1, new Date(lastSeenMs + 15 * MIN).toISOString())).toBe(true);

    // Act: the next hour arrives at both.
    for (const rt of [reference, upgraded]) rt.clock.set(new Date(T0 + 260 * MIN).toISOString());
    await post(reference, 200, 60);
    await post(upgraded, 200, 60);

    // Assess: the model went on from the old item (the same as never having moved), the stale page resolved, and
    // only the new item is listed for the watchdog.
    const moved = (await upgraded.db.getSeriesState(NEW_KEY))?.state as { d: unknown; last: number };
    const stayed = (await reference.db.getSeriesState(NEW_KEY))?.state as { d: unknown; last: number };
    expect(moved.d).toEqual(stayed.d);
    expect(moved.last).toBe(T0 + 259 * MIN);
    const stale = upgraded.bus
      .eventsOf(DetailType.alert)
      .flatMap((e) => (e.detail as { alerts: { labels: Record<string, string>; status: string }[] }).alerts)
      .filter((a) => a.labels.alertname === 'MetricStale');
    expect(stale.map((a) => a.status)).toEqual(['resolved']);
    const listed = await upgraded.db.listSeriesDueBefore('2027-01-01T00:00:00.000Z', 10);
    expect(listed.map((s) => s.key)).toEqual([NEW_KEY]);
    // The old item is a marker of where the series went, one version on (so a mark from an earlier listing fails).
    expect(await upgraded.db.getSeriesState(OLD_KEY)).toEqual({ version: 3, state: { movedTo: NEW_KEY } });
  });

  it('does not page a live series stale when the watchdog marks its old item after the move', async () => {
    // Prepare: the old item is due; the watchdog has listed it (it read version 1) when the move happens.
    const rt = await makeTestRuntime({ now: new Date(T0 + 200 * MIN).toISOString() });
    const labels = { metric: 'Latency', ...DIMS };
    const due = T0 + 100 * MIN;
    await rt.db.putSeriesState(OLD_KEY, { v: 2 }, 0, { labels, lastSeenMs: T0, staleAtMs: due });
    const listed = await rt.db.listSeriesDueBefore(new Date(T0 + 200 * MIN).toISOString(), 10);
    await makeHandler(rt.forFunction('ingest-metrics'))(
      httpEvent('POST', '/v1/metrics', { body: { points: batch(200, 5) } }),
      context('ingest-metrics'),
    );

    // Act: the watchdog's mark, based on what it listed before the move.
    const marked = await rt.db.markSeriesStale(OLD_KEY, listed[0]?.version ?? 0, new Date(due).toISOString());

    // Assess
    expect(listed.map((d) => [d.key, d.version])).toEqual([[OLD_KEY, 1]]);
    expect(marked).toBe(false);
    expect(await rt.db.listSeriesDueBefore('2027-01-01T00:00:00.000Z', 10)).toEqual([
      expect.objectContaining({ key: NEW_KEY }),
    ]);
  });

  it("never adopts another live series' item whose key is this series' old key", async () => {
    // Prepare: metric `a{b=c}` without dimensions had the old key `a{b=c}` — today the key of metric `a` with b=c.
    const rt = await makeTestRuntime({ now: new Date(T0 + 60 * MIN).toISOString() });
    const post = (points: unknown[]) =>
      makeHandler(rt.forFunction('ingest-metrics'))(
        httpEvent('POST', '/v1/metrics', { body: { points } }),
        context('ingest-metrics'),
      );
    const at = (m: number) => new Date(T0 + m * MIN).toISOString();
    const live = Array.from({ length: 30 }, (_, m) => ({
      metric: 'a',
      dimensions: { b: 'c' },
      timestamp: at(m),
      value: 1000 + (m % 3),
    }));
    await post(live);
    const before = await rt.db.getSeriesState(seriesKey('a', { b: 'c' }));

    // Act
    await post([{ metric: 'a{b=c}', dimensions: {}, timestamp: at(31), value: 3 }]);

    // Assess: the live series' item is untouched; the other series started its own.
    expect(legacySeriesKey('a{b=c}', {})).toBe(seriesKey('a', { b: 'c' }));
    expect(await rt.db.getSeriesState(seriesKey('a', { b: 'c' }))).toEqual(before);
    const own = (await rt.db.getSeriesState(seriesKey('a{b=c}', {})))?.state as { last: number };
    expect(own.last).toBe(T0 + 31 * MIN);
  });
});
