// The dead man's switch, pure part: the allowed silence, what ingest stores for the watchdog, and MetricStale.
import { describe, expect, it } from 'vitest';
import { defaultQualityConfig, qualityConfigSchema } from '../../../functions/core/quality/config';
import { checkSeries } from '../../../functions/core/quality/series';
import { findStale, type StaleEntry, seriesMeta, staleAfterMs } from '../../../functions/core/quality/stale';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;
const CONFIG = defaultQualityConfig();
const LABELS = { metric: 'InputTokenCount', ModelId: 'claude' };

function entry(overrides: Partial<StaleEntry> = {}): StaleEntry {
  return { key: 'InputTokenCount{ModelId=claude}', labels: LABELS, lastSeenMs: T0, intervalMs: MINUTE, ...overrides };
}

describe('staleAfterMs', () => {
  it.each([
    ['a one-minute series waits the minimum', MINUTE, 15 * MINUTE],
    ['a ten-minute series waits factor × interval', 10 * MINUTE, 30 * MINUTE],
    ['an hourly series waits three hours', 60 * MINUTE, 180 * MINUTE],
    ['a series of unknown cadence waits unknownInterval', undefined, 60 * MINUTE],
  ])('%s', (_, interval, expected) => {
    // Act
    const after = staleAfterMs(interval, CONFIG);

    // Assess
    expect(after).toBe(expected);
  });
});

describe('seriesMeta', () => {
  it('lists a watched series at its arrival time plus the allowed silence', () => {
    // Prepare
    const points = Array.from({ length: 10 }, (_, i) => ({
      metric: 'InputTokenCount',
      dimensions: { ModelId: 'claude' },
      t: T0 + i * 10 * MINUTE,
      value: 100,
    }));
    const arrival = T0 + 95 * MINUTE;
    const { state } = checkSeries(undefined, points, LABELS, CONFIG, arrival);

    // Act
    const meta = seriesMeta(state, LABELS, CONFIG);

    // Assess
    expect(meta).toEqual({
      labels: LABELS,
      lastSeenMs: arrival,
      intervalMs: 10 * MINUTE,
      staleAtMs: arrival + 30 * MINUTE,
    });
  });

  it('does not list excluded series or when the check is off, and has nothing before the first point', () => {
    // Prepare
    const { state } = checkSeries(
      undefined,
      [{ metric: 'InputTokenCount', dimensions: { ModelId: 'claude' }, t: T0, value: 1 }],
      LABELS,
      CONFIG,
      T0,
    );
    const excluded = qualityConfigSchema.parse({ stale: { exclude: [{ metric: '~.*Count' }] } });
    const off = qualityConfigSchema.parse({ stale: { enabled: false } });

    // Act
    const metas = [seriesMeta(state, LABELS, excluded), seriesMeta(state, LABELS, off)];
    const fresh = seriesMeta(checkSeries(undefined, [], LABELS, CONFIG, T0).state, LABELS, CONFIG);

    // Assess
    for (const meta of metas) expect(meta).toEqual({ labels: LABELS, lastSeenMs: T0 });
    expect(fresh).toBeUndefined();
  });
});

describe('findStale', () => {
  it('fires MetricStale for a series silent past its allowed silence, starting when it became stale', () => {
    // Act
    const review = findStale([entry()], T0 + 20 * MINUTE, CONFIG);

    // Assess
    expect(review.later).toEqual([]);
    expect(review.stale).toHaveLength(1);
    const verdict = review.stale[0];
    expect(verdict?.since).toBe('2026-11-27T10:15:00.000Z');
    expect(verdict?.alreadyMarked).toBe(false);
    expect(verdict?.alert).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-27T10:15:00.000Z',
      labels: { ...LABELS, alertname: 'MetricStale', check: 'stale', source: 'detector', severity: 'warning' },
    });
    expect(verdict?.alert.annotations.summary).toBe(
      'InputTokenCount{ModelId=claude}: no data since 2026-11-27T10:00:00.000Z (usually every 1 min; stale after 15 min without data)',
    );
  });

  it('gives the same alert on every run, so a re-publish is a duplicate dispatch folds', () => {
    // Act
    const early = findStale([entry()], T0 + 16 * MINUTE, CONFIG).stale[0];
    const late = findStale([entry()], T0 + 90 * MINUTE, CONFIG).stale[0];

    // Assess
    expect(late?.alert).toEqual(early?.alert);
  });

  it('re-publishes a series an earlier run marked, with its marked start', () => {
    // Act
    const review = findStale([entry({ staleSince: '2026-11-27T10:15:00.000Z' })], T0 + 20 * MINUTE, CONFIG);

    // Assess
    expect(review.stale.map((v) => [v.since, v.alreadyMarked, v.alert.startsAt])).toEqual([
      ['2026-11-27T10:15:00.000Z', true, '2026-11-27T10:15:00.000Z'],
    ]);
  });

  it('moves series not due under the current configuration, and unlists those no longer watched', () => {
    // Prepare
    const config = qualityConfigSchema.parse({ stale: { minimum: '1h', exclude: [{ ModelId: 'titan' }] } });
    const titan = entry({ key: 'titan', labels: { metric: 'InputTokenCount', ModelId: 'titan' } });

    // Act
    const review = findStale([entry(), titan], T0 + 20 * MINUTE, config);

    // Assess
    expect(review.stale).toEqual([]);
    expect(review.later).toEqual([
      { key: 'InputTokenCount{ModelId=claude}', staleAtMs: T0 + 60 * MINUTE },
      { key: 'titan', staleAtMs: null },
    ]);
  });

  it('says when the interval is not known yet', () => {
    // Act
    const review = findStale([entry({ intervalMs: undefined })], T0 + 2 * 60 * MINUTE, CONFIG);

    // Assess
    expect(review.stale[0]?.alert.annotations.summary).toContain('its interval is not known yet; stale after 1 h');
  });
});
