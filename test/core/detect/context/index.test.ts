import { describe, expect, it } from 'vitest';
import { type DetectorConfig, detectorSchema } from '../../../../functions/core/config/schema';
import { createDetector } from '../../../../functions/core/detect';
import { type ContextState, contextDetector } from '../../../../functions/core/detect/context';
import type { Detection, StreamingDetector } from '../../../../functions/core/detect/types';
import { ConfigError } from '../../../../functions/core/errors';
import { DAY, daily, EVENT, FIVE_MINUTES, T0 } from '../synthetic';

function config(params: Record<string, unknown> = {}, scoreThreshold = 0.9): DetectorConfig {
  return detectorSchema.parse({ name: 'context-test', kind: 'context', params, scoreThreshold });
}

function feed<S>(detector: StreamingDetector<S>, state: S, values: number[], from = 0): void {
  for (const [i, x] of values.entries()) detector.step(state, T0 + (from + i) * FIVE_MINUTES, x);
}

function run(values: number[], params: Record<string, unknown> = {}, times?: number[]): Detection[] {
  const detector = contextDetector(config(params));
  const state = detector.init();
  return values.map((x, i) => detector.step(state, times?.[i] ?? T0 + i * FIVE_MINUTES, x));
}

describe('contextDetector', () => {
  it('is reachable through the registry as kind context', () => {
    // Prepare
    const cfg = config();

    // Act
    const detector = createDetector(cfg);

    // Assess
    expect(detector.kind).toBe('context');
  });

  it('does not look ahead: a point scores the same whatever follows it', () => {
    // Prepare
    const values = daily(3 * DAY, 3, 2);
    const longer = [...values, ...daily(DAY, 9, 30)];

    // Act
    const short = run(values).map((d) => d.score);
    const long = run(longer).map((d) => d.score);

    // Assess
    expect(long.slice(0, values.length)).toEqual(short);
  });

  it('continues identically after an encode / JSON / decode round trip mid-stream', () => {
    // Prepare
    const detector = contextDetector(config({ smooth: 3 }));
    const values = daily(4 * DAY, 11, 3);
    const half = 2 * DAY;
    const a = detector.init();
    feed(detector, a, values.slice(0, half));
    const b = detector.decode(JSON.parse(JSON.stringify(detector.encode(a))));
    if (!b) throw new Error('round trip refused its own state');

    // Act
    const rest = values.slice(half);
    const fromA = rest.map((x, i) => detector.step(a, T0 + (half + i) * FIVE_MINUTES, x).score);
    const fromB = rest.map((x, i) => detector.step(b, T0 + (half + i) * FIVE_MINUTES, x).score);

    // Assess
    expect(fromB).toEqual(fromA);
    expect(detector.encode(b)).toEqual(detector.encode(a));
  });

  it('still reads the version 1 form (the whole table, total alongside) and continues identically', () => {
    // Prepare: the state written the old way
    const detector = contextDetector(config({ smooth: 3 }));
    const values = daily(4 * DAY, 11, 3);
    const half = 2 * DAY;
    const a = detector.init() as ContextState;
    feed(detector, a, values.slice(0, half));
    const words = Buffer.alloc(a.table.length * 2);
    for (const [i, w] of a.table.entries()) words.writeUInt16LE(w, 2 * i);
    const { table: _table, hist, ...rest } = a;
    const v1 = JSON.parse(
      JSON.stringify({ ...rest, v: 1, table: words.toString('base64'), hist, total: hist.reduce((x, c) => x + c, 0) }),
    );
    const b = detector.decode(v1);
    if (!b) throw new Error('version 1 state refused');

    // Act
    const later = values.slice(half);
    const fromA = later.map((x, i) => detector.step(a, T0 + (half + i) * FIVE_MINUTES, x).score);
    const fromB = later.map((x, i) => detector.step(b, T0 + (half + i) * FIVE_MINUTES, x).score);

    // Assess
    expect(fromB).toEqual(fromA);
    expect(detector.encode(b)).toEqual(detector.encode(a));
    expect((detector.encode(a) as { v: number }).v).toBe(2);
  });

  it('is deterministic: the same points give the same scores', () => {
    // Prepare
    const values = daily(2 * DAY, 5, 5);

    // Act
    const first = run(values);
    const second = run(values);

    // Assess
    expect(second).toEqual(first);
  });

  it('scores without learning when learn is false', () => {
    // Prepare
    const detector = contextDetector(config());
    const state = detector.init();
    feed(detector, state, daily(2 * DAY));
    const before = JSON.stringify(detector.encode(state));

    // Act
    const d = detector.step(state, T0 + 2 * DAY * FIVE_MINUTES, 500, false);

    // Assess
    expect(d.score).toBeGreaterThan(0.9);
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });

  it('keeps its state small and bounded', () => {
    // Prepare
    const detector = contextDetector(config());
    const state = detector.init();
    const values = daily(30 * DAY, 5, 4);

    // Act
    feed(detector, state, values.slice(0, 14 * DAY));
    const atTwoWeeks = JSON.stringify(detector.encode(state)).length;
    feed(detector, state, values.slice(14 * DAY), 14 * DAY);
    const atMonth = JSON.stringify(detector.encode(state)).length;

    // Assess: a 128 × 4 table of 16-bit fingerprints is 1.4 KB of base64.
    expect(atMonth).toBeLessThan(1_700);
    expect(atMonth).toBeLessThan(atTwoWeeks * 1.1);
  });

  it('fires on a value never seen before and stays quiet on the familiar pattern', () => {
    // Prepare
    const values = daily(EVENT + 200);
    values[EVENT] = 160;

    // Act
    const detections = run(values);

    // Assess
    expect(detections[EVENT]?.anomalous).toBe(true);
    expect(detections[EVENT]?.component).toBe('out-of-range');
    const falseFirings = detections.slice(DAY, EVENT).filter((d) => d.anomalous).length;
    expect(falseFirings).toBeLessThanOrEqual(3);
  });

  it('fires on a transition never seen inside the known range', () => {
    // Prepare: a slow sine whose steps are small, then a jump from the bottom to the top of the range.
    const values = daily(EVENT + 200, 13, 0.2);
    const low = values.indexOf(Math.min(...values.slice(EVENT - DAY, EVENT + 100)));
    values[low + 1] = 109.5;

    // Act
    const detections = run(values, { refractory: 0 });

    // Assess
    expect(detections[low + 1]?.component).toBe('novel-pattern');
    expect(detections[low + 1]?.score).toBeGreaterThan(0.95);
  });

  it('tolerates irregular timestamps and long gaps, and ignores out-of-order points', () => {
    // Prepare
    const values = daily(3 * DAY);
    const times = values.map((_, i) => T0 + i * FIVE_MINUTES + (i > DAY ? 30 * 24 * 3_600_000 : 0) + (i % 7) * 1_000);
    const detector = contextDetector(config());
    const state = detector.init();
    for (const [i, x] of values.entries()) detector.step(state, times[i] as number, x);

    // Act
    const stale = detector.step(state, T0, 100);

    // Assess
    expect(stale.component).toBe('out-of-order');
    expect(stale.score).toBe(0);
    expect(run(values, {}, times).every((d) => d.score >= 0 && d.score <= 1)).toBe(true);
  });

  it('refuses states of another shape and bad params', () => {
    // Prepare
    const detector = contextDetector(config());
    const other = contextDetector(config({ sets: 64 }));
    const state = detector.init();
    feed(detector, state, daily(DAY));

    // Act
    const refused = other.decode(JSON.parse(JSON.stringify(detector.encode(state))));

    // Assess
    expect(refused).toBeUndefined();
    expect(detector.decode({ v: 2 })).toBeUndefined();
    const good = JSON.parse(JSON.stringify(detector.encode(state)));
    expect(detector.decode(good)).toBeDefined();
    expect(detector.decode({ ...good, table: 'AAAA' })).toBeUndefined();
    expect(detector.decode({ ...good, table: `${good.table}AAAA` })).toBeUndefined();
    expect(() => contextDetector(config({ sets: 100 }))).toThrow(ConfigError);
    expect(() => contextDetector(config({ order: 0 }))).toThrow('detectors.context-test.params.order');
  });
});
