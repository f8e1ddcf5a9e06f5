import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type DetectorConfig, detectorSchema } from '../../../../functions/core/config/schema';
import { type KnnState, knnDetector } from '../../../../functions/core/detect/knn';
import type { Detection, StreamingDetector } from '../../../../functions/core/detect/types';
import { ConfigError } from '../../../../functions/core/errors';
import { DAY, daily, EVENT, FIVE_MINUTES, lcg, T0 } from '../synthetic';

function config(params: Record<string, unknown> = {}, scoreThreshold = 0.9): DetectorConfig {
  return detectorSchema.parse({ name: 'knn-test', kind: 'knn', params, scoreThreshold });
}

function feed<S>(detector: StreamingDetector<S>, state: S, values: number[]): void {
  for (const [i, x] of values.entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
}

function run(values: number[], params: Record<string, unknown> = {}, times?: number[]): Detection[] {
  const detector = knnDetector(config(params));
  const state = detector.init();
  return values.map((x, i) => detector.step(state, times?.[i] ?? T0 + i * FIVE_MINUTES, x));
}

function firstFiring(detections: Detection[], from: number): number {
  const i = detections.findIndex((d, j) => j >= from && d.anomalous);
  return i < 0 ? Number.POSITIVE_INFINITY : i - from;
}

describe('knn detector: streaming contract', () => {
  it('scores a point from earlier points only: appending later points never changes it', () => {
    // Prepare
    const values = daily(1500);

    // Act
    const prefix = run(values.slice(0, 1000)).map((d) => d.score);
    const full = run(values).map((d) => d.score);

    // Assess
    expect(full.slice(0, 1000)).toEqual(prefix);
  });

  it('continues identically from a state that went through JSON mid-stream', () => {
    // Prepare
    const values = daily(2400).map((v, i) => (i === 2000 ? v + 40 : v));
    const detector = knnDetector(config());
    const straight = detector.init();
    const resumed = detector.init();
    for (let i = 0; i < 1200; i++) {
      detector.step(straight, T0 + i * FIVE_MINUTES, values[i] as number);
      detector.step(resumed, T0 + i * FIVE_MINUTES, values[i] as number);
    }

    // Act
    const revived = detector.decode(JSON.parse(JSON.stringify(detector.encode(resumed))));
    if (!revived) throw new Error('state did not revive');
    const a: Detection[] = [];
    const b: Detection[] = [];
    for (let i = 1200; i < values.length; i++) {
      a.push(detector.step(straight, T0 + i * FIVE_MINUTES, values[i] as number));
      b.push(detector.step(revived, T0 + i * FIVE_MINUTES, values[i] as number));
    }

    // Assess
    expect(b).toEqual(a);
    expect(detector.encode(revived)).toEqual(detector.encode(straight));
  });

  it('still reads the version 1 form (plain ring bytes, total alongside) and continues identically', () => {
    // Prepare: the same state written the old way
    const values = daily(2400).map((v, i) => (i === 2000 ? v + 40 : v));
    const detector = knnDetector(config());
    const straight = detector.init();
    feed(detector, straight, values.slice(0, 1200));
    const { f: _floats, ...current } = JSON.parse(JSON.stringify(detector.encode(straight)));
    const plain = { lo: straight.lo, hi: straight.hi, recent: [...straight.recent], paged: straight.paged };
    const v2 = { ...current, ...plain, v: 2 };
    const v1 = {
      ...current,
      ...plain,
      v: 1,
      mem: inflateRawSync(Buffer.from(current.mem, 'base64')).toString('base64'),
      total: (current.hist as number[]).reduce((a, c) => a + c, 0),
    };

    // Act
    const revived = detector.decode(v1);
    if (!revived) throw new Error('version 1 state did not revive');
    const a: Detection[] = [];
    const b: Detection[] = [];
    for (let i = 1200; i < values.length; i++) {
      a.push(detector.step(straight, T0 + i * FIVE_MINUTES, values[i] as number));
      b.push(detector.step(revived, T0 + i * FIVE_MINUTES, values[i] as number));
    }

    // Assess
    expect(b).toEqual(a);
    expect(detector.decode({ ...v1, total: v1.total + 1 })).toBeUndefined();
    expect(current.v).toBe(3);
    // Version 2 (plain floats, ring deflated) reads back to the same state.
    const fromV2 = detector.decode(v2) as KnnState;
    expect(detector.encode(fromV2)).toEqual(detector.encode(detector.decode(v1) as KnnState));
    expect(fromV2.recent).toEqual(plain.recent);
    expect(detector.decode({ ...v2, recent: [...plain.recent, 1] })).toBeUndefined();
    expect(detector.decode({ ...v2, paged: 2 })).toBeUndefined();
  });

  it('is deterministic: the same points give the same detections', () => {
    // Prepare
    const values = daily(2000, 3, 4);

    // Act
    const first = run(values);
    const second = run(values);

    // Assess
    expect(second).toEqual(first);
  });

  it('keeps its state bounded (well under 4 KB as JSON) however long the series runs', () => {
    // Prepare
    const detector = knnDetector(config());
    const state = detector.init();
    const r = lcg(11);
    const sizes: number[] = [];

    // Act: noisy data makes nearly every context novel, so the memory fills and wraps
    for (let i = 0; i < 30_000; i++) {
      detector.step(state, T0 + i * FIVE_MINUTES, 1000 * r());
      if (i % 5000 === 4999) sizes.push(JSON.stringify(detector.encode(state)).length);
    }

    // Assess
    expect(Math.max(...sizes)).toBeLessThan(4096);
    // Once the memory has wrapped the state stops growing (a few characters move with the floats' digits).
    expect(Math.abs((sizes.at(-1) as number) - (sizes[1] as number))).toBeLessThan(64);
  });

  it('scores without learning when learn=false', () => {
    // Prepare
    const detector = knnDetector(config());
    const state = detector.init();
    const values = daily(1000);
    feed(detector, state, values);
    const before = JSON.stringify(detector.encode(state));

    // Act
    const d = detector.step(state, T0 + 1000 * FIVE_MINUTES, 500, false);

    // Assess
    expect(d.anomalous).toBe(true);
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });

  it('ignores out-of-order and duplicate timestamps without learning them', () => {
    // Prepare
    const detector = knnDetector(config());
    const state = detector.init();
    feed(detector, state, daily(500));
    const before = JSON.stringify(detector.encode(state));

    // Act
    const duplicate = detector.step(state, T0 + 499 * FIVE_MINUTES, 1e6);
    const older = detector.step(state, T0, 1e6);

    // Assess
    expect([duplicate.component, older.component]).toEqual(['out-of-order', 'out-of-order']);
    expect([duplicate.score, older.score]).toEqual([0, 0]);
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });

  it('handles irregular timestamps and long gaps: scores stay in [0, 1] and a spike after a gap still fires', () => {
    // Prepare: jittered spacing, a three-day hole, then a spike
    const r = lcg(5);
    const times: number[] = [];
    let t = T0;
    for (let i = 0; i < 2500; i++) {
      t += i === 1500 ? 3 * 86_400_000 : Math.round(FIVE_MINUTES * (0.5 + r()));
      times.push(t);
    }
    const values = daily(2500).map((v, i) => (i === 2200 ? v + 60 : v));

    // Act
    const detections = run(values, {}, times);

    // Assess
    expect(detections.every((d) => d.score >= 0 && d.score <= 1 && Number.isFinite(d.expected))).toBe(true);
    expect(detections[2200]?.anomalous).toBe(true);
  });

  it('stays quiet while warming up', () => {
    // Act
    const detections = run([...daily(99), 1e6]);

    // Assess
    expect(detections.every((d) => d.score === 0 && d.component === 'warm-up')).toBe(true);
  });

  it('decodes only states of its own shape', () => {
    // Prepare
    const detector = knnDetector(config());
    const state = detector.init();
    feed(detector, state, daily(600));
    const good = JSON.parse(JSON.stringify(detector.encode(state)));

    // Act / Assess
    expect(detector.decode(good)).toBeDefined();
    expect(detector.decode(undefined)).toBeUndefined();
    expect(detector.decode({ n: 3 })).toBeUndefined();
    expect(detector.decode({ ...good, used: good.used + 1 })).toBeUndefined();
    expect(detector.decode({ ...good, hist: good.hist.slice(1) })).toBeUndefined();
    expect(detector.decode({ ...good, mem: '%%%' })).toBeUndefined();
    expect(detector.decode({ ...good, mem: 'AAAA' })).toBeUndefined();
    // Another configuration (a shorter context) cannot continue this state.
    expect(knnDetector(config({ context: 4 })).decode(good)).toBeUndefined();
  });

  it('rejects unknown or out-of-range params with a ConfigError naming the path', () => {
    // Act / Assess
    expect(() => knnDetector(config({ memory: 1 }))).toThrow(ConfigError);
    expect(() => knnDetector(config({ outside: 0 }))).toThrow(ConfigError);
    expect(() => knnDetector(config({ memroy: 64 }))).toThrow(/detectors\.knn-test\.params/);
  });
});

describe('knn detector: what it catches', () => {
  it('fires on a spike at the spike, as out-of-range', () => {
    // Prepare
    const values = daily(EVENT + 100).map((v, i) => (i === EVENT ? v + 50 : v));

    // Act
    const detections = run(values);

    // Assess
    expect(detections[EVENT]?.anomalous).toBe(true);
    expect(detections[EVENT]?.component).toBe('out-of-range');
    expect(detections[EVENT]?.score).toBeGreaterThan(0.99);
  });

  it('fires on a level shift where it begins', () => {
    // Prepare
    const values = daily(EVENT + 100).map((v, i) => (i >= EVENT ? v + 30 : v));

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBe(0);
    expect(detections[EVENT]?.component).toBe('out-of-range');
  });

  it('fires within a few points when the variance grows eightfold', () => {
    // Prepare
    const r = lcg(99);
    const values = daily(EVENT + 100).map((v, i) => (i >= EVENT ? v + 8 * (2 * r() - 1) : v));

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBeLessThanOrEqual(5);
  });

  it('fires on a ramp once it leaves the learned patterns', () => {
    // Prepare: +0.5 per point, i.e. out of the daily band within about ten points
    const values = daily(EVENT + 100).map((v, i) => (i >= EVENT ? v + 0.5 * (i - EVENT) : v));

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBeLessThanOrEqual(15);
  });

  it('fires on a seasonal break: the daily swing stops, values stay inside the usual range', () => {
    // Prepare
    const values = daily(EVENT + 200).map((v, i) => (i >= EVENT ? v - 10 * Math.sin((2 * Math.PI * i) / DAY) : v));

    // Act
    const detections = run(values);

    // Assess
    const at = EVENT + firstFiring(detections, EVENT);
    expect(at - EVENT).toBeLessThanOrEqual(20);
    expect(detections[at]?.component).toBe('novel-pattern');
  });

  it('scores a value beyond the range seen so far above the same novelty inside the range', () => {
    // Prepare: one spike far outside the daily band, judged once with and once without the extra weight
    const values = daily(EVENT + 10).map((v, i) => (i === EVENT ? v + 50 : v));

    // Act
    const weighted = run(values)[EVENT];
    const plain = run(values, { outside: 1 })[EVENT];

    // Assess: the p-value shrinks by the configured factor (0.3 by default)
    expect(weighted?.component).toBe('out-of-range');
    expect(1 - (weighted?.score as number)).toBeCloseTo(0.3 * (1 - (plain?.score as number)), 12);
  });

  it('pages once per incident: the refractory period holds back repeats of a sustained change', () => {
    // Prepare
    const values = daily(EVENT + 60).map((v, i) => (i >= EVENT ? v + 30 : v));

    // Act
    const detections = run(values);

    // Assess
    expect(detections.slice(EVENT).filter((d) => d.anomalous)).toHaveLength(1);
  });
});
