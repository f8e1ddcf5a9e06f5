// Regressions: bugs in functions/core/metrics, found in review and fixed.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../functions/core/config/load';
import { evaluateSeries } from '../../../functions/core/metrics/evaluate';
import { parsePointBatch } from '../../../functions/core/metrics/points';

describe('fixed: points: epoch seconds are read as milliseconds', () => {
  it('rejects (or converts) 1764237600, which is 2025-11-27 in seconds but 1970-01-21 in ms', () => {
    const { points, rejected } = parsePointBatch({ points: [{ metric: 'm', timestamp: 1764237600, value: 1 }] });
    expect(rejected[0]?.path).toBe('points[0].timestamp');
    expect(points).toHaveLength(0);
  });
});

describe('fixed: points: a bad dimension name loses its reason', () => {
  it('says what a dimension name may contain', () => {
    const { rejected } = parsePointBatch({
      points: [{ metric: 'm', dimensions: { 'bad name': 'x' }, timestamp: 1, value: 1 }],
    });
    expect(rejected[0]).toMatchObject({
      path: 'points[0].dimensions.bad name',
      message: expect.stringContaining('dimension names are letters, digits'),
    });
  });
});

describe('fixed: evaluate: rebuilding the state of a firing series loses its resolve', () => {
  it('a firing series whose state must be rebuilt (window changed) still resolves', () => {
    const [small] = validateConfig({
      receivers: [{ name: 'o', outbox: {} }],
      detectors: [{ name: 'd', window: 8, minPoints: 4 }],
    }).detectors;
    const prior = {
      v: 2,
      detector: 'd',
      d: { v: 1, buf: Array(20).fill(1), pos: 0, last: 0, firing: true, normalRun: 0 },
      alert: { firing: true, normalRun: 0, since: '2026-11-27T10:00:00.000Z' },
      version: '',
      last: 0,
    };
    const pts = Array.from({ length: 10 }, (_, i) => ({ metric: 'm', dimensions: {}, t: 1000 + i, value: 1 }));
    const out = evaluateSeries(pts, prior, small!);
    expect(out.rebuilt).toBe(true);
    expect(out.alerts.map((a) => a.status)).toContain('resolved');
  });
});
