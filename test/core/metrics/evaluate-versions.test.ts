// Version awareness and exclusion windows in series evaluation (issue 3 §4).
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../functions/core/config/load';
import type { DetectorConfig } from '../../../functions/core/config/schema';
import { encodeSeriesState, evaluateSeries, seriesLabels, versionOf } from '../../../functions/core/metrics/evaluate';
import type { MetricPoint } from '../../../functions/core/metrics/points';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;
const config = validateConfig({
  receivers: [{ name: 'oncall', outbox: {} }],
  detectors: [{ name: 'latency', minPoints: 20, threshold: 6 }],
  exclusions: [
    { name: 'deploy', match: { service: 'chat' }, start: '2026-11-27T10:30:00Z', end: '2026-11-27T10:40:00Z' },
  ],
});
const DETECTOR = config.detectors[0] as DetectorConfig;

function series(values: number[], dims: Record<string, string>, start = 0): MetricPoint[] {
  return values.map((value, i) => ({
    metric: 'InvocationLatency',
    dimensions: dims,
    t: T0 + (start + i) * MINUTE,
    value,
  }));
}
const steady = (n: number, level = 2000) => Array.from({ length: n }, (_, i) => level + 30 * Math.sin(i));

describe('version labels', () => {
  it('are not part of the series identity', () => {
    const labels = seriesLabels({
      metric: 'm',
      dimensions: { model_version: '3', prompt_version: 'p7', ModelId: 'x' },
    });
    expect(labels).toEqual({ metric: 'm', ModelId: 'x' });
    expect(versionOf({ prompt_version: 'p7', model_version: '3' })).toBe('model_version=3,prompt_version=p7');
  });

  it('a new prompt_version starts a fresh baseline instead of paging on the expected shift', () => {
    // Prepare: 30 minutes at 2 s on prompt v1, stored.
    const v1 = evaluateSeries(series(steady(30), { service: 'chat', prompt_version: 'v1' }), undefined, DETECTOR);
    const stored = JSON.parse(JSON.stringify(encodeSeriesState(v1.state, DETECTOR)));
    // Act: prompt v2 doubles latency.
    const v2 = evaluateSeries(
      series(steady(10, 4000), { service: 'chat', prompt_version: 'v2' }, 30),
      stored,
      DETECTOR,
    );
    // Assess
    expect(v2.versionReset).toBe(true);
    expect(v2.alerts).toEqual([]);
    expect(v2.state.version).toBe('prompt_version=v2');
  });

  it('the same shift without a version change pages', () => {
    const v1 = evaluateSeries(series(steady(30), { service: 'chat' }), undefined, DETECTOR);
    const out = evaluateSeries(series(steady(10, 4000), { service: 'chat' }, 30), v1.state, DETECTOR);
    expect(out.alerts.map((a) => a.status)).toEqual(['firing']);
  });
});

describe('exclusion windows', () => {
  it('points inside a matching window are scored but neither page nor teach the baseline', () => {
    // Prepare: 30 normal minutes, then a deploy window (10:30–10:40) at double latency, then normal again.
    const before = series(steady(30), { service: 'chat' });
    const during = series(steady(10, 4000), { service: 'chat' }, 30);
    const after = series(steady(5), { service: 'chat' }, 40);
    // Act
    const out = evaluateSeries([...before, ...during, ...after], undefined, DETECTOR, {
      exclusions: config.exclusions,
    });
    // Assess: nothing paged, the 10 excluded points were counted, and the baseline still expects ~2000.
    expect(out.excluded).toBe(10);
    expect(out.alerts).toEqual([]);
    expect(out.last?.expected).toBeLessThan(2100);
    expect((out.state.d as { buf: number[] }).buf).toHaveLength(35);
  });

  it('do not apply to series they do not match', () => {
    const out = evaluateSeries(
      [...series(steady(30), { service: 'search' }), ...series(steady(10, 4000), { service: 'search' }, 30)],
      undefined,
      DETECTOR,
      { exclusions: config.exclusions },
    );
    expect(out.excluded).toBe(0);
    expect(out.alerts.map((a) => a.status)).toEqual(['firing']);
  });
});
