import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../functions/core/alert';
import { validateConfig } from '../../../functions/core/config/load';
import type { DetectorConfig } from '../../../functions/core/config/schema';
import {
  decodeSavedState,
  encodeSeriesState,
  evaluateSeries,
  MAX_LEARNED_MAGNITUDE,
  type SeriesState,
  selectDetector,
  seriesLabels,
} from '../../../functions/core/metrics/evaluate';
import type { MetricPoint } from '../../../functions/core/metrics/points';
import { repoConfig } from '../../helpers/runtime';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;

function detectors(...input: Record<string, unknown>[]): DetectorConfig[] {
  return validateConfig({ receivers: [{ name: 'oncall', outbox: {} }], detectors: input }).detectors;
}

const [DETECTOR] = detectors({ name: 'genai-usage', minPoints: 20, threshold: 6, severity: 'critical' }) as [
  DetectorConfig,
];

function points(values: number[], startIndex = 0): MetricPoint[] {
  return values.map((value, i) => ({
    metric: 'OutputTokens',
    dimensions: { model: 'claude', region: 'us-east-1' },
    t: T0 + (startIndex + i) * MINUTE,
    value,
  }));
}

function normal(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1000 + 40 * Math.sin(i * 1.3));
}

describe('evaluateSeries', () => {
  it('turns the start of an anomaly into one firing alert with the expected band and observed value', () => {
    // Act
    const outcome = evaluateSeries(points([...normal(30), 5000, 5200]), undefined, DETECTOR);

    // Assess
    expect(outcome.alerts).toHaveLength(1);
    const [alert] = outcome.alerts;
    expect(alert).toMatchObject({
      status: 'firing',
      severity: 'critical',
      source: 'detector',
      startsAt: new Date(T0 + 30 * MINUTE).toISOString(),
      labels: {
        alertname: 'OutputTokensAnomaly',
        metric: 'OutputTokens',
        model: 'claude',
        region: 'us-east-1',
        detector: 'genai-usage',
        source: 'detector',
        severity: 'critical',
      },
    });
    expect(alert?.fingerprint).toBe(fingerprintOf(alert?.labels ?? {}));
    expect(alert?.annotations.observed).toBe('5000');
    expect(Number(alert?.annotations.expected)).toBeCloseTo(1000, -2);
    expect(alert?.annotations.band).toMatch(/^[\d.]+ … [\d.]+$/);
    expect(alert?.annotations.summary).toContain('OutputTokens is 5000, outside the expected band');
    expect(alert?.annotations.component).toBe('spike');
    expect(Number(alert?.annotations.score)).toBeGreaterThan(0);
    expect(outcome.state.alert.since).toBe(alert?.startsAt);
    expect(outcome).toMatchObject({ processed: 32, skipped: 0, rebuilt: false });
  });

  it("resolves with the firing's startsAt, even when the resolve comes in a later batch after a JSON round trip", () => {
    // Prepare
    const first = evaluateSeries(points([...normal(30), 5000]), undefined, DETECTOR);
    const stored = JSON.parse(JSON.stringify(first.state));

    // Act
    const second = evaluateSeries(points(normal(3), 31), stored, DETECTOR);

    // Assess
    const firing = first.alerts[0];
    const resolved = second.alerts[0];
    expect(second.rebuilt).toBe(false);
    expect(resolved).toMatchObject({
      status: 'resolved',
      startsAt: firing?.startsAt,
      endsAt: new Date(T0 + 33 * MINUTE).toISOString(),
      fingerprint: firing?.fingerprint,
    });
    expect(resolved?.annotations.summary).toContain('back within its expected band');
    expect(second.state.alert.since).toBeNull();
  });

  it('counts out-of-order and duplicate points as skipped', () => {
    const batch = points(normal(5));
    const late = { ...batch[1]!, value: 1 };

    const outcome = evaluateSeries([...batch, late, batch[4]!], undefined, DETECTOR);

    expect(outcome).toMatchObject({ processed: 5, skipped: 2 });
  });

  it.each([
    ['no prior state', undefined, false],
    ['state of another detector', { detector: 'other', since: null, d: { v: 1 } }, true],
    ['corrupt state', { detector: 'genai-usage', since: null, d: { v: 1, buf: 'x' } }, true],
    ['state that is not an object', 'garbage', true],
  ])('with %s, starts a fresh baseline (rebuilt=%s)', (_name, prior, rebuilt) => {
    const outcome = evaluateSeries(points(normal(3)), prior, DETECTOR);

    expect(outcome.rebuilt).toBe(rebuilt);
    expect(outcome.state.detector).toBe('genai-usage');
    expect((outcome.state.d as { buf: number[] }).buf).toHaveLength(3);
  });

  it('does nothing with an empty batch but still hands back usable state', () => {
    const outcome = evaluateSeries([], undefined, DETECTOR);

    expect(outcome).toMatchObject({ alerts: [], processed: 0, skipped: 0, rebuilt: false });
    expect((outcome.state.d as { buf: number[] }).buf).toEqual([]);
  });
});

describe('evaluateSeries with the shipped ensemble', () => {
  const ensemble = repoConfig().detectors[0] as DetectorConfig;
  const wave = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => 1000 + 200 * Math.sin((from + i) / 40) + (((from + i) * 7919) % 23));
  const roundTrip = (state: SeriesState, d: DetectorConfig) => JSON.parse(JSON.stringify(encodeSeriesState(state, d)));

  it("scores a value beyond ±1e30 but does not learn it: an emitter's sentinel does not cost the series its baseline", () => {
    // Prepare: 2,000 points learned and saved; then a batch with a 1e100 sentinel in it, and the same without it.
    const first = evaluateSeries(points(wave(0, 2000)), undefined, ensemble);
    const saved = roundTrip(first.state, ensemble);
    const rest = points(wave(2000, 300), 2000);
    const withSentinel = [...rest.slice(0, 10), { ...(rest[10] as MetricPoint), value: 1e100 }, ...rest.slice(11)];
    const without = [...rest.slice(0, 10), ...rest.slice(11)];

    // Act
    const a = evaluateSeries(withSentinel, saved, ensemble);
    const b = evaluateSeries(without, saved, ensemble);
    const next = evaluateSeries(points(wave(2300, 50), 2300), roundTrip(a.state, ensemble), ensemble);

    // Assess: the sentinel paged, was counted, and left the model exactly as if it had not come; the saved state
    // decodes (no rebuild in the next batch).
    expect(a.tooLarge).toBe(1);
    expect(a.alerts.map((x) => [x.status, x.annotations.observed])).toContainEqual(['firing', '1e+100']);
    expect(encodeSeriesState(a.state, ensemble).d).toEqual(encodeSeriesState(b.state, ensemble).d);
    expect(next.rebuilt).toBe(false);
    expect(MAX_LEARNED_MAGNITUDE).toBe(1e30);
  });

  it('decodes a saved state as the next batch would, and refuses one the decoder would rebuild', () => {
    // Prepare
    const { state } = evaluateSeries(points(wave(0, 500)), undefined, ensemble);
    const stored = encodeSeriesState(state, ensemble);
    const broken = { ...stored, d: { ...(stored.d as Record<string, unknown>), cool: -1 } };

    // Act
    const again = decodeSavedState(stored, ensemble);
    const refused = decodeSavedState(broken, ensemble);

    // Assess: the decoded state continues exactly like one read back from its JSON.
    const later = points(wave(500, 200), 500);
    expect(refused).toBeUndefined();
    expect(again).toBeDefined();
    const fromLive = evaluateSeries(later, undefined, ensemble, { live: again as SeriesState });
    const fromJson = evaluateSeries(later, JSON.parse(JSON.stringify(stored)), ensemble);
    expect(encodeSeriesState(fromLive.state, ensemble)).toEqual(encodeSeriesState(fromJson.state, ensemble));
    expect(fromLive.alerts).toEqual(fromJson.alerts);
  });
});

describe('selectDetector', () => {
  const list = detectors(
    { name: 'latency', match: { metric: '~.*Latency.*' }, threshold: 4 },
    { name: 'claude', match: { model: 'claude' } },
    { name: 'everything', match: { metric: '~.*' } },
  );

  it.each([
    [{ metric: 'InvocationLatency', model: 'claude' }, 'latency'],
    [{ metric: 'OutputTokens', model: 'claude' }, 'claude'],
    [{ metric: 'OutputTokens', model: 'llama' }, 'everything'],
  ])('%j → %s (first match wins)', (labels, name) => {
    expect(selectDetector(list, labels)?.name).toBe(name);
  });

  it('finds none when nothing matches', () => {
    expect(selectDetector(list.slice(0, 2), { metric: 'Errors' })).toBeUndefined();
  });
});

describe('seriesLabels', () => {
  it('is the dimensions plus the metric name', () => {
    expect(seriesLabels({ metric: 'Errors', dimensions: { model: 'claude' } })).toEqual({
      model: 'claude',
      metric: 'Errors',
    });
  });
});
