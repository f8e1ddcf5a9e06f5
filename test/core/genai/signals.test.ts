// Derived GenAI signals: the math per (dimensions, timestamp), the period it scales by, and what it refuses to divide.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGenaiConfig } from '../../../functions/core/genai/config';
import { DERIVED_LABEL, deriveSignals, inferPeriodMs } from '../../../functions/core/genai/signals';
import { type MetricPoint, parsePointBatch } from '../../../functions/core/metrics/points';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const T0 = Date.parse('2026-11-27T14:50:00Z');
const config = parseGenaiConfig({ prices: { [HAIKU]: { inputPer1k: 0.00025, outputPer1k: 0.00125 } } });
const DIMS = { ModelId: HAIKU };

function at(t: number, values: Record<string, number>, dimensions: Record<string, string> = DIMS): MetricPoint[] {
  return Object.entries(values).map(([metric, value]) => ({ metric, dimensions, t, value }));
}

function signal(out: MetricPoint[], metric: string, t = T0): number | undefined {
  return out.find((p) => p.metric === metric && p.t === t)?.value;
}

describe('deriveSignals', () => {
  it.each([
    // [name, raw values at one timestamp, expected derived values (undefined = not emitted)]
    [
      'a full period',
      {
        Invocations: 40,
        InputTokenCount: 48_000,
        OutputTokenCount: 12_000,
        InvocationLatency: 1800,
        InvocationClientErrors: 1,
        InvocationServerErrors: 1,
        InvocationThrottles: 10,
      },
      {
        Cost: 0.027,
        CostPerRequest: 0.000675,
        CostPerHour: 1.62,
        LatencyPerOutputToken: 6,
        ErrorRate: 5,
        ThrottleRate: 20,
      },
    ],
    [
      'no invocations: no per-request values',
      { Invocations: 0, InputTokenCount: 0, OutputTokenCount: 0, InvocationLatency: 0 },
      {
        Cost: 0,
        CostPerRequest: undefined,
        CostPerHour: 0,
        LatencyPerOutputToken: undefined,
        ErrorRate: undefined,
        ThrottleRate: undefined,
      },
    ],
    [
      'everything throttled',
      { Invocations: 0, InvocationThrottles: 25 },
      { Cost: undefined, ErrorRate: undefined, ThrottleRate: 100 },
    ],
    ['throttles without an Invocations point', { InvocationThrottles: 3 }, { ThrottleRate: 100, ErrorRate: undefined }],
    [
      'invocations with no error or throttle points count them as zero',
      { Invocations: 10 },
      { ErrorRate: 0, ThrottleRate: 0, Cost: undefined, LatencyPerOutputToken: undefined },
    ],
    ['errors beyond invocations are capped at 100%', { Invocations: 2, InvocationServerErrors: 5 }, { ErrorRate: 100 }],
    [
      'an embedding model: input tokens only',
      { Invocations: 100, InputTokenCount: 20_000 },
      { Cost: 0.005, CostPerRequest: 0.00005, LatencyPerOutputToken: undefined },
    ],
    [
      'latency without output tokens',
      { Invocations: 5, OutputTokenCount: 0, InvocationLatency: 900 },
      { LatencyPerOutputToken: undefined, Cost: 0 },
    ],
  ])('%s', (_name, raw, expected) => {
    // Act
    const out = deriveSignals(at(T0, raw), config);

    // Assess
    for (const [metric, value] of Object.entries(expected)) {
      if (value === undefined) expect({ metric, value: signal(out, metric) }).toEqual({ metric, value: undefined });
      else expect(signal(out, metric)).toBeCloseTo(value, 10);
    }
    expect(out.every((p) => Number.isFinite(p.value))).toBe(true);
  });

  it('emits no cost for a model without a price, and the other signals still', () => {
    // Prepare
    const points = at(
      T0,
      { Invocations: 10, InputTokenCount: 1000, OutputTokenCount: 500, InvocationLatency: 500 },
      {
        ModelId: 'meta.llama3-8b-instruct-v1:0',
      },
    );

    // Act
    const out = deriveSignals(points, config);

    // Assess
    expect(out.map((p) => p.metric).sort()).toEqual(['ErrorRate', 'LatencyPerOutputToken', 'ThrottleRate']);
    expect(signal(out, 'LatencyPerOutputToken')).toBe(10);
  });

  it('scales cost per hour by the spacing of the batch, or the default period for a single timestamp', () => {
    // Prepare: a five-minute series, and a lone point.
    const fiveMinutes = [0, 1, 2].flatMap((i) => at(T0 + i * 300_000, { InputTokenCount: 4000, OutputTokenCount: 0 }));
    const lone = at(T0, { InputTokenCount: 4000, OutputTokenCount: 0 });
    const hourly = { ...config, defaultPeriodSeconds: 3600 };

    // Act
    const spaced = deriveSignals(fiveMinutes, config);
    const single = deriveSignals(lone, config);
    const singleHourly = deriveSignals(lone, hourly);

    // Assess: $0.001 per period.
    expect(signal(spaced, 'CostPerHour')).toBeCloseTo(0.012, 12);
    expect(signal(single, 'CostPerHour')).toBeCloseTo(0.06, 12);
    expect(signal(singleHourly, 'CostPerHour')).toBeCloseTo(0.001, 12);
  });

  it('infers the period from the smallest gap, so a missing minute does not stretch it', () => {
    // Act & Assess
    expect(inferPeriodMs([0, 60_000, 180_000, 240_000], 300)).toBe(60_000);
    expect(inferPeriodMs([5_000, 5_000], 300)).toBe(300_000);
    expect(inferPeriodMs([], 60)).toBe(60_000);
  });

  it('keeps the dimensions, adds derived="true", and units from the metric kinds', () => {
    // Prepare
    const dims = { ModelId: HAIKU, service: 'chat-api', prompt_version: 'v7' };

    // Act
    const out = deriveSignals(at(T0, { Invocations: 1, InputTokenCount: 1000, OutputTokenCount: 1000 }, dims), config);

    // Assess
    const cost = out.find((p) => p.metric === 'Cost');
    expect(cost).toEqual({
      metric: 'Cost',
      dimensions: { ...dims, [DERIVED_LABEL]: 'true' },
      t: T0,
      value: 0.0015,
      unit: 'USD',
    });
    expect(out.find((p) => p.metric === 'ErrorRate')?.unit).toBe('Percent');
    expect(out.find((p) => p.metric === 'CostPerHour')?.unit).toBe('USD/Hour');
  });

  it('keeps dimension sets and timestamps apart', () => {
    // Prepare
    const a = at(T0, { Invocations: 10, InvocationClientErrors: 1 }, { ModelId: HAIKU, service: 'a' });
    const b = at(T0, { Invocations: 10, InvocationClientErrors: 5 }, { ModelId: HAIKU, service: 'b' });
    const later = at(T0 + 60_000, { Invocations: 10, InvocationClientErrors: 2 }, { ModelId: HAIKU, service: 'a' });

    // Act
    const out = deriveSignals([...a, ...b, ...later], config).filter((p) => p.metric === 'ErrorRate');

    // Assess
    expect(out.map((p) => [p.dimensions.service, p.t - T0, p.value])).toEqual([
      ['a', 0, 10],
      ['a', 60_000, 20],
      ['b', 0, 50],
    ]);
  });

  it('sums repeated counters and averages repeated latencies at one timestamp (EMF value arrays)', () => {
    // Prepare
    const points = [
      ...at(T0, { Invocations: 1, OutputTokenCount: 100, InvocationLatency: 1000 }),
      ...at(T0, { Invocations: 1, OutputTokenCount: 300, InvocationLatency: 3000 }),
    ];

    // Act
    const out = deriveSignals(points, config);

    // Assess: mean latency 2000 ms over 200 tokens per request.
    expect(signal(out, 'LatencyPerOutputToken')).toBe(10);
    expect(signal(out, 'Cost')).toBeCloseTo(0.0005, 12);
  });

  it('ignores derived and foreign points, so it adds nothing when run on its own output', () => {
    // Prepare
    const raw = at(T0, { Invocations: 10, InputTokenCount: 1000, OutputTokenCount: 100, Satisfaction: 4 });
    const first = deriveSignals(raw, config);

    // Act
    const again = deriveSignals(first, config);

    // Assess
    expect(again).toEqual([]);
    expect(first.some((p) => p.metric === 'Satisfaction')).toBe(false);
  });

  it('never emits a non-finite value', () => {
    // Prepare: values at the edge of double precision.
    const huge = at(T0, {
      Invocations: 1e-300,
      OutputTokenCount: 1e-300,
      InvocationLatency: 1e300,
      InputTokenCount: 1e308,
    });

    // Act
    const out = deriveSignals(huge, parseGenaiConfig({ prices: { [HAIKU]: { inputPer1k: 1e10, outputPer1k: 0 } } }));

    // Assess
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((p) => Number.isFinite(p.value))).toBe(true);
  });

  it('derives the sample Bedrock batch in events/metrics', () => {
    // Prepare
    const body = JSON.parse(readFileSync(join(__dirname, '../../../events/metrics/bedrock-runtime.json'), 'utf8'));
    const { points, rejected } = parsePointBatch(body);

    // Act
    const out = deriveSignals(points, config);

    // Assess: five one-minute periods, six signals each.
    expect(rejected).toEqual([]);
    expect(out).toHaveLength(30);
    expect(signal(out, 'Cost')).toBeCloseTo(0.027, 12);
    expect(signal(out, 'CostPerHour')).toBeCloseTo(1.62, 12);
    expect(signal(out, 'ThrottleRate', T0 + 120_000)).toBeCloseTo(5, 12);
  });
});
