// Shared cases for the Store's watchdog listing, stale mark and source state: run against the DynamoDB adapter and the memory store.
import { expect, it } from 'vitest';
import type { SeriesMeta, Store } from '../../../functions/ports';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function meta(key: string, staleInMinutes: number | undefined): SeriesMeta {
  const m: SeriesMeta = { labels: { metric: 'Invocations', ModelId: key }, lastSeenMs: T0, intervalMs: MINUTE };
  if (staleInMinutes !== undefined) m.staleAtMs = T0 + staleInMinutes * MINUTE;
  return m;
}

/** Registers the cases; `store()` returns the store under test, fresh for each case. */
export function seriesListingContract(store: () => Store): void {
  it('answers "unchanged" without the state to the writer that wrote it, and in full once it changed hands', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('w', { n: 1 }, 0, undefined, 'w-1');

    // Act
    const own = await s.getSeriesState('w', 'w-1');
    const other = await s.getSeriesState('w', 'w-0');
    // The watchdog's stale mark bumps the version but keeps the state: still the writer's own.
    const marked = await s.markSeriesStale('w', 1, '2026-11-27T00:00:00.000Z');
    const afterMark = await s.getSeriesState('w', 'w-1');
    await s.putSeriesState('w', { n: 2 }, 2);
    const afterOther = await s.getSeriesState('w', 'w-1');

    // Assess
    expect(own).toEqual({ version: 1, state: undefined, writeId: 'w-1', unchanged: true });
    expect(other).toEqual({ version: 1, state: { n: 1 }, writeId: 'w-1' });
    expect(marked).toBe(true);
    expect(afterMark).toEqual({
      version: 2,
      state: undefined,
      writeId: 'w-1',
      unchanged: true,
      staleSince: '2026-11-27T00:00:00.000Z',
    });
    expect(afterOther).toEqual({ version: 3, state: { n: 2 } });
  });

  it('lists series due by then, most overdue first, with their meta and version and without their state', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('b', { big: 'x'.repeat(100) }, 0, meta('b', 20));
    await s.putSeriesState('a', { n: 1 }, 0, meta('a', 15));
    await s.putSeriesState('a', { n: 2 }, 1, meta('a', 10));
    await s.putSeriesState('later', {}, 0, meta('later', 60));
    await s.putSeriesState('unwatched', {}, 0, meta('unwatched', undefined));
    await s.putSeriesState('plain', {}, 0);

    // Act
    const due = await s.listSeriesDueBefore(iso(T0 + 20 * MINUTE), 10);

    // Assess: the boundary is inclusive
    expect(due).toEqual([
      { key: 'a', version: 2, ...meta('a', 10) },
      { key: 'b', version: 1, ...meta('b', 20) },
    ]);
  });

  it('spreads listed series over its partitions and still returns the most overdue first, up to the limit', async () => {
    // Prepare
    const s = store();
    const keys = Array.from({ length: 40 }, (_, i) => `Invocations{ModelId=model-${i}}`);
    for (const [i, key] of keys.entries()) await s.putSeriesState(key, {}, 0, meta(key, 40 - i));

    // Act
    const first = await s.listSeriesDueBefore(iso(T0 + 60 * MINUTE), 5);
    const all = await s.listSeriesDueBefore(iso(T0 + 60 * MINUTE), 100);

    // Assess
    expect(first.map((d) => d.key)).toEqual(keys.slice(-5).reverse());
    expect(all).toHaveLength(40);
    expect(all.map((d) => d.staleAtMs)).toEqual([...all.map((d) => d.staleAtMs as number)].sort((x, y) => x - y));
  });

  it('marks a series stale once, only over the version it read, and bumps the version', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('k', { n: 1 }, 0, meta('k', 15));
    const since = iso(T0 + 15 * MINUTE);

    // Act
    const stale = await s.markSeriesStale('k', 0, since);
    const marked = await s.markSeriesStale('k', 1, since);
    const again = await s.markSeriesStale('k', 2, since);
    const missing = await s.markSeriesStale('none', 0, since);

    // Assess
    expect([stale, marked, again, missing]).toEqual([false, true, false, false]);
    expect(await s.getSeriesState('k')).toEqual({
      version: 2,
      state: { n: 1 },
      staleSince: since,
      labels: meta('k', 15).labels,
    });
    expect(await s.listSeriesDueBefore(iso(T0 + 20 * MINUTE), 10)).toEqual([
      { key: 'k', version: 2, staleSince: since, ...meta('k', 15) },
    ]);
  });

  it('makes an ingest that read before the mark reload, and its write clears the mark and relists', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('k', { n: 1 }, 0, meta('k', 15));
    const read = await s.getSeriesState('k');
    await s.markSeriesStale('k', 1, iso(T0 + 15 * MINUTE));

    // Act
    const lost = await s.putSeriesState('k', { n: 2 }, read?.version ?? 0, meta('k', 45));
    const reread = await s.getSeriesState('k');
    const won = await s.putSeriesState('k', { n: 2 }, reread?.version ?? 0, meta('k', 45));

    // Assess
    expect([lost, reread?.staleSince, won]).toEqual([false, iso(T0 + 15 * MINUTE), true]);
    expect(await s.getSeriesState('k')).toEqual({ version: 3, state: { n: 2 }, labels: meta('k', 45).labels });
    expect(await s.listSeriesDueBefore(iso(T0 + 30 * MINUTE), 10)).toEqual([]);
    expect((await s.listSeriesDueBefore(iso(T0 + 45 * MINUTE), 10)).map((d) => d.key)).toEqual(['k']);
  });

  it('relists or unlists a series over the version it read', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('moved', {}, 0, meta('moved', 10));
    await s.putSeriesState('gone', {}, 0, meta('gone', 10));

    // Act
    const outdated = await s.relistSeries('moved', 0, T0 + 50 * MINUTE);
    const moved = await s.relistSeries('moved', 1, T0 + 50 * MINUTE);
    const gone = await s.relistSeries('gone', 1, null);

    // Assess
    expect([outdated, moved, gone]).toEqual([false, true, true]);
    expect(await s.listSeriesDueBefore(iso(T0 + 40 * MINUTE), 10)).toEqual([]);
    expect(await s.listSeriesDueBefore(iso(T0 + 50 * MINUTE), 10)).toEqual([
      { key: 'moved', version: 1, ...meta('moved', 50) },
    ]);
    expect(await s.getSeriesState('gone')).toEqual({ version: 1, state: {}, labels: meta('gone', 30).labels });
  });

  it('keeps input-source state versioned and apart from series state', async () => {
    // Prepare
    const s = store();
    await s.putSeriesState('sqs', { series: true }, 0);

    // Act
    const created = await s.putSourceState('sqs', { open: null }, 0);
    const conflict = await s.putSourceState('sqs', { open: 'x' }, 0);
    const updated = await s.putSourceState('sqs', { open: 'y' }, 1);

    // Assess
    expect([created, conflict, updated]).toEqual([true, false, true]);
    expect(await s.getSourceState('sqs')).toEqual({ version: 2, state: { open: 'y' } });
    expect(await s.getSourceState('http')).toBeUndefined();
    expect(await s.getSeriesState('sqs')).toEqual({ version: 1, state: { series: true } });
  });
}
