import { describe, expect, it } from 'vitest';
import { type DetectorConfig, detectorSchema } from '../../../../functions/core/config/schema';
import { createDetector } from '../../../../functions/core/detect';
import { ensembleDetector } from '../../../../functions/core/detect/ensemble';
import { flatlineDetector } from '../../../../functions/core/detect/flatline';
import type { Detection, StreamingDetector } from '../../../../functions/core/detect/types';
import { ConfigError } from '../../../../functions/core/errors';
import { DAY, EVENT, FIVE_MINUTES, lcg, T0 } from '../synthetic';

function config(params: Record<string, unknown> = {}, scoreThreshold = 0.999): DetectorConfig {
  return detectorSchema.parse({ name: 'flatline-test', kind: 'flatline', params, scoreThreshold });
}

function feed<S>(detector: StreamingDetector<S>, state: S, values: number[], from = 0): void {
  for (const [i, x] of values.entries()) detector.step(state, T0 + (from + i) * FIVE_MINUTES, x);
}

function run(values: number[], params: Record<string, unknown> = {}): Detection[] {
  const detector = flatlineDetector(config(params));
  const state = detector.init();
  return values.map((x, i) => detector.step(state, T0 + i * FIVE_MINUTES, x));
}

/** A request count: integers around 20 that repeat now and then (runs of 1–3 points), never for long. */
function counts(n: number, seed = 5): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => Math.floor(18 + 5 * r()));
}

describe('flatlineDetector', () => {
  it('is reachable through the registry as kind flatline', () => {
    // Prepare
    const cfg = config();

    // Act
    const detector = createDetector(cfg);

    // Assess
    expect(detector.kind).toBe('flatline');
  });

  it('flags a series that goes flat for far longer than its runs ever lasted, as a flatline', () => {
    // Prepare: a week of ordinary counts, then the exporter dies and reports 0 for two hours
    const values = [...counts(EVENT), ...new Array<number>(24).fill(0), ...counts(DAY, 9)];

    // Act
    const detections = run(values);

    // Assess
    const before = detections.slice(0, EVENT);
    const during = detections.slice(EVENT, EVENT + 24);
    expect(before.some((d) => d.anomalous)).toBe(false);
    const first = during.findIndex((d) => d.anomalous);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(12);
    expect(during[first]?.component).toBe('flatline');
  });

  it('does not flag a series that has always been flat (it has shown no run to compare with)', () => {
    // Prepare
    const values = new Array<number>(3 * DAY).fill(42);

    // Act
    const detections = run(values);

    // Assess
    expect(detections.every((d) => d.score === 0 && !d.anomalous)).toBe(true);
  });

  it('does not flag a run no longer than runs the series has shown before', () => {
    // Prepare: nightly flat stretches of 100 points, then one of the same length
    const day = (seed: number) => [...counts(DAY - 100, seed), ...new Array<number>(100).fill(0)];
    const values = [...day(1), ...day(2), ...day(3), ...day(4), ...day(5)];

    // Act
    const detections = run(values);

    // Assess
    expect(detections.slice(2 * DAY).some((d) => d.anomalous)).toBe(false);
  });

  it('does not look ahead: a point scores the same whatever follows it', () => {
    // Prepare
    const values = [...counts(EVENT), ...new Array<number>(30).fill(0)];
    const longer = [...values, ...counts(DAY, 3)];

    // Act
    const short = run(values).map((d) => d.score);
    const long = run(longer).map((d) => d.score);

    // Assess
    expect(long.slice(0, values.length)).toEqual(short);
  });

  it('is deterministic', () => {
    // Prepare
    const values = [...counts(EVENT), ...new Array<number>(30).fill(0), ...counts(DAY, 3)];

    // Act
    const a = run(values).map((d) => d.score);
    const b = run(values).map((d) => d.score);

    // Assess
    expect(b).toEqual(a);
  });

  it('continues identically after an encode / JSON / decode round trip mid-stream, inside a run too', () => {
    // Prepare: halves the histogram a few times (memory 64) and stops in the middle of the flat stretch
    const detector = flatlineDetector(config({ memory: 64 }));
    const values = [...counts(EVENT), ...new Array<number>(40).fill(0), ...counts(DAY, 3)];
    const half = EVENT + 20;
    const a = detector.init();
    feed(detector, a, values.slice(0, half));
    const b = detector.decode(JSON.parse(JSON.stringify(detector.encode(a))));
    if (!b) throw new Error('round trip refused its own state');

    // Act
    const rest = values.slice(half);
    const fromA = rest.map((x, i) => detector.step(a, T0 + (half + i) * FIVE_MINUTES, x));
    const fromB = rest.map((x, i) => detector.step(b, T0 + (half + i) * FIVE_MINUTES, x));

    // Assess
    expect(fromB).toEqual(fromA);
    expect(detector.encode(b)).toEqual(detector.encode(a));
    expect(JSON.stringify(detector.encode(a)).length).toBeLessThan(300);
  });

  it('refuses states it did not write', () => {
    // Prepare
    const detector = flatlineDetector(config());
    const good = detector.encode(detector.init()) as unknown as Record<string, unknown>;

    // Act
    const refused = [
      null,
      [],
      { ...good, v: 2 },
      { ...good, run: -1 },
      { ...good, hist: [Number.NaN] },
      { ...good, hist: new Array(40).fill(1) },
      { ...good, cool: 101 },
    ].map((raw) => detector.decode(raw));

    // Assess
    expect(refused.every((s) => s === undefined)).toBe(true);
  });

  it('does not score nor learn out-of-order points', () => {
    // Prepare
    const detector = flatlineDetector(config());
    const state = detector.init();
    feed(detector, state, counts(10));
    const before = JSON.stringify(detector.encode(state));

    // Act
    const d = detector.step(state, T0, 0);

    // Assess
    expect(d.score).toBe(0);
    expect(d.component).toBe('out-of-order');
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });

  it('rejects unknown params as a config error', () => {
    // Act / Assess
    expect(() => flatlineDetector(config({ nope: 1 }))).toThrow(ConfigError);
  });

  it('can be an ensemble member, and the page then names it', () => {
    // Prepare
    const cfg = detectorSchema.parse({
      name: 'with-flatline',
      kind: 'ensemble',
      scoreThreshold: 0.45,
      params: { members: [{ kind: 'flatline', scoreThreshold: 0.999 }] },
    });
    const detector = ensembleDetector(cfg);
    const state = detector.init();
    const values = [...counts(EVENT), ...new Array<number>(24).fill(0)];

    // Act
    const detections = values.map((x, i) => detector.step(state, T0 + i * FIVE_MINUTES, x));

    // Assess
    const paged = detections.filter((d) => d.anomalous);
    expect(paged.length).toBeGreaterThan(0);
    expect(paged[0]?.component).toBe('with-flatline-0:flatline');
  });
});
