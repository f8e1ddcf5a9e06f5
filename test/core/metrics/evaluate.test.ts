import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../functions/core/alert';
import { validateConfig } from '../../../functions/core/config/load';
import type { DetectorConfig } from '../../../functions/core/config/schema';
import { evaluateSeries, selectDetector, seriesLabels } from '../../../functions/core/metrics/evaluate';
import type { MetricPoint } from '../../../functions/core/metrics/points';

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
