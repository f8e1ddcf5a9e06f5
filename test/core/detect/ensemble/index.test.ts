import { describe, expect, it } from 'vitest';
import { type DetectorConfig, detectorSchema } from '../../../../functions/core/config/schema';
import { createDetector } from '../../../../functions/core/detect';
import { type EnsembleState, ensembleDetector } from '../../../../functions/core/detect/ensemble';
import type { Detection } from '../../../../functions/core/detect/types';
import { ConfigError } from '../../../../functions/core/errors';
import { DAY, daily, EVENT, FIVE_MINUTES, lcg, T0 } from '../synthetic';

function config(params: Record<string, unknown> = {}, scoreThreshold = 0.45): DetectorConfig {
  return detectorSchema.parse({ name: 'ensemble-test', kind: 'ensemble', params, scoreThreshold });
}

function run(
  values: number[],
  params: Record<string, unknown> = {},
  times?: number[],
  scoreThreshold = 0.45,
): Detection[] {
  const detector = ensembleDetector(config(params, scoreThreshold));
  const state = detector.init();
  return values.map((x, i) => detector.step(state, times?.[i] ?? T0 + i * FIVE_MINUTES, x));
}

function firstFiring(detections: Detection[], from: number): number {
  const i = detections.findIndex((d, j) => j >= from && d.anomalous);
  return i < 0 ? Number.POSITIVE_INFINITY : i - from;
}

function falseFirings(detections: Detection[], until: number): number {
  return detections.slice(0, until).filter((d) => d.anomalous).length;
}

describe('ensemble detector: streaming contract', () => {
  it('scores a point from earlier points only: appending later points never changes it', () => {
    // Prepare
    const values = daily(1500);
    values[1200] = 160;

    // Act
    const prefix = run(values.slice(0, 1250)).map((d) => d.score);
    const full = run(values).map((d) => d.score);

    // Assess
    expect(full.slice(0, 1250)).toEqual(prefix);
  });

  it('continues identically from a state that went through JSON mid-stream', () => {
    // Prepare
    const values = daily(3000);
    values[2500] = 170;
    const detector = ensembleDetector(config());
    const straight = detector.init();
    const resumed = detector.init();
    for (const [i, x] of values.slice(0, 2000).entries()) {
      detector.step(straight, T0 + i * FIVE_MINUTES, x);
      detector.step(resumed, T0 + i * FIVE_MINUTES, x);
    }

    // Act
    const revived = detector.decode(JSON.parse(JSON.stringify(detector.encode(resumed)))) as EnsembleState;
    const a = values.slice(2000).map((x, i) => detector.step(straight, T0 + (2000 + i) * FIVE_MINUTES, x));
    const b = values.slice(2000).map((x, i) => detector.step(revived, T0 + (2000 + i) * FIVE_MINUTES, x));

    // Assess
    expect(revived).toBeDefined();
    expect(b).toEqual(a);
  });

  it('is deterministic: two runs over the same points give the same detections', () => {
    // Prepare
    const values = daily(2000, 11, 3);

    // Act
    const first = run(values);
    const second = run(values);

    // Assess
    expect(second).toEqual(first);
  });

  it('scores without learning when learn=false', () => {
    // Prepare
    const detector = ensembleDetector(config());
    const state = detector.init();
    const values = daily(1000);
    for (const [i, x] of values.entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
    const before = JSON.stringify(detector.encode(state));

    // Act
    const d = detector.step(state, T0 + 1000 * FIVE_MINUTES, 500, false);

    // Assess
    expect(d.score).toBeGreaterThan(0);
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });

  it('keeps its state bounded: the same size after a month as after two weeks', () => {
    // Prepare
    const detector = ensembleDetector(config());
    const state = detector.init();
    const values = daily(30 * DAY, 5, 4);
    let atTwoWeeks = 0;

    // Act
    for (const [i, x] of values.entries()) {
      detector.step(state, T0 + i * FIVE_MINUTES, x);
      if (i === 14 * DAY) atTwoWeeks = JSON.stringify(detector.encode(state)).length;
    }
    const atMonth = JSON.stringify(detector.encode(state)).length;

    // Assess: four members (seasonal ≈ 1.6 KB, two deflated knn memories of 128 contexts and a sparse context table
    // ≈ 0.5–0.8 KB each): within the 4 KB a state should take.
    expect(atMonth).toBeLessThanOrEqual(4096);
    expect(atMonth).toBeLessThan(atTwoWeeks * 1.2);
  });

  it('rejects a state it did not encode', () => {
    // Prepare
    const detector = ensembleDetector(config());

    // Act
    const results = [null, 3, { v: 2 }, { v: 1, m: [], last: null, cool: 0 }].map((raw) => detector.decode(raw));

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('ignores points at or before the last learned timestamp', () => {
    // Prepare
    const detector = ensembleDetector(config());
    const state = detector.init();
    for (const [i, x] of daily(300).entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
    const before = JSON.stringify(detector.encode(state));

    // Act
    const d = detector.step(state, T0 + 100 * FIVE_MINUTES, 900);

    // Assess
    expect(d).toMatchObject({ score: 0, anomalous: false, component: 'out-of-order' });
    expect(JSON.stringify(detector.encode(state))).toBe(before);
  });
});

describe('ensemble detector: configuration', () => {
  it('is reachable through the registry under kind ensemble', () => {
    // Act
    const d = createDetector(config());

    // Assess
    expect(d.kind).toBe('ensemble');
  });

  it('names the member and key of an invalid member setting', () => {
    // Prepare
    const bad = { members: [{ kind: 'knn', params: { context: 1 } }] };

    // Act
    const attempt = () => ensembleDetector(config(bad));

    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('detectors.ensemble-test.params.members[0].params.context');
  });

  it('refuses an ensemble nested in an ensemble', () => {
    // Act
    const attempt = () => ensembleDetector(config({ members: [{ kind: 'ensemble' }] }));

    // Assess
    expect(attempt).toThrow(/members\[0\]\.kind/);
  });

  it('takes members configured like standalone detectors, with weights', () => {
    // Prepare
    const params = {
      members: [
        { name: 'season', kind: 'seasonal', scoreThreshold: 0.65, weight: 0.5 },
        { name: 'shape', kind: 'knn', scoreThreshold: 0.9, params: { memory: 64 } },
      ],
    };
    const values = daily(EVENT + 100);
    values[EVENT] = 180;

    // Act
    const detections = run(values, params);

    // Assess
    expect(firstFiring(detections, EVENT)).toBe(0);
    expect(detections[EVENT]?.component).toMatch(/^(season|shape):/);
  });
});

describe('ensemble detector: synthetic anomalies', () => {
  it('fires on a spike and names the member that carried it', () => {
    // Prepare
    const values = daily(EVENT + 200);
    values[EVENT] = 160;

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBe(0);
    expect(detections[EVENT]?.component).toMatch(/^(seasonal|knn|knn-coarse|context):/);
    expect(falseFirings(detections, EVENT)).toBeLessThanOrEqual(2);
  });

  it('fires once per incident: the refractory period holds repeats back', () => {
    // Prepare
    const values = daily(EVENT + 200);
    for (let i = EVENT; i < EVENT + 5; i++) values[i] = 160;

    // Act
    const detections = run(values);

    // Assess
    expect(detections.slice(EVENT, EVENT + 100).filter((d) => d.anomalous)).toHaveLength(1);
  });

  it('asks a series that keeps paging for stronger evidence before it pages again', () => {
    // Prepare: the same spike every 150 points, past the refractory period each time.
    const values = daily(EVENT + 1000);
    const spikes = [0, 150, 300, 450].map((k) => EVENT + k);
    for (const i of spikes) values[i] = 135;

    // Act
    const penalised = run(values);
    const plain = run(values, { repeatPenalty: 0 });

    // Assess: the first spike scores alike; once the series has paged, a repeat scores lower than without the penalty.
    expect(penalised[EVENT]?.score).toBe(plain[EVENT]?.score);
    const last = spikes[spikes.length - 1] as number;
    expect(plain[last]?.score).toBeGreaterThan(0);
    expect(penalised[last]?.score).toBeLessThan(plain[last]?.score as number);
  });

  it('counts a page of a young series in proportion to its age', () => {
    // Prepare: one spike, long before the series has lived one page memory.
    const values = daily(EVENT + 1);
    values[EVENT] = 170;
    const detector = ensembleDetector(config({ pageMemory: 10 * EVENT }));
    const state = detector.init();

    // Act
    const detections = values.map((x, i) => detector.step(state, T0 + i * FIVE_MINUTES, x));

    // Assess: the page weighs age / pageMemory, not a full page.
    expect(detections[EVENT]?.anomalous).toBe(true);
    expect(state.age).toBe(EVENT + 1);
    expect(state.pages).toBeCloseTo((EVENT + 1) / (10 * EVENT), 6);
  });

  it('reads a state written before pages were weighed by age as a mature series', () => {
    // Prepare
    const detector = ensembleDetector(config());
    const state = detector.init();
    for (const [i, x] of daily(100).entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
    const { age: _age, ...older } = detector.encode(state) as Record<string, unknown>;

    // Act
    const revived = detector.decode(JSON.parse(JSON.stringify(older))) as EnsembleState;

    // Assess
    expect(state.age).toBe(100);
    expect(revived.age).toBe(2000);
    expect(detector.decode({ ...older, age: -1 })).toBeUndefined();
  });

  it('reads a state written before the page count existed as one with no recent pages', () => {
    // Prepare
    const values = daily(EVENT + 100);
    values[EVENT + 50] = 170;
    const detector = ensembleDetector(config());
    const state = detector.init();
    for (const [i, x] of values.slice(0, EVENT).entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
    const { pages: _pages, ...older } = detector.encode(state) as Record<string, unknown>;

    // Act
    const revived = detector.decode(JSON.parse(JSON.stringify(older))) as EnsembleState;
    const fresh = detector.decode(JSON.parse(JSON.stringify({ ...older, pages: 0 }))) as EnsembleState;
    const a = values.slice(EVENT).map((x, i) => detector.step(revived, T0 + (EVENT + i) * FIVE_MINUTES, x).score);
    const b = values.slice(EVENT).map((x, i) => detector.step(fresh, T0 + (EVENT + i) * FIVE_MINUTES, x).score);

    // Assess
    expect(revived).toBeDefined();
    expect(a).toEqual(b);
    expect(detector.decode({ ...older, pages: -1 })).toBeUndefined();
  });

  describe('glitch guard', () => {
    /** A daily wave around 100 (5-minute points) with one wild value at 3,000 and an anomaly from 5,000. */
    function wave(glitch: number | undefined, anomaly: (i: number, x: number) => number): number[] {
      const noise = lcg(7);
      return Array.from({ length: 5_200 }, (_, i) => {
        const x = 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * (noise() - 0.5);
        if (i === 3_000 && glitch !== undefined) return glitch;
        return i >= 5_000 && i < 5_060 ? anomaly(i, x) : x;
      });
    }
    const anomalies: [string, (i: number, x: number) => number][] = [
      ['a dip', () => 60],
      ['a faster wave', (i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 30)],
      ['a shift', (_i, x) => x + 25],
    ];

    it.each(anomalies)('pages the glitch, learns nothing from it, and still pages %s later', (_name, anomaly) => {
      // Act
      const guarded = run(wave(10_000, anomaly));
      const unguarded = run(wave(10_000, anomaly), { holdBeyond: 0 });

      // Assess: the glitch pages either way; only the guarded detector sees the later anomaly (the unguarded one's
      // frames and level were stretched by the glitch for good).
      expect(guarded[3_000]?.anomalous).toBe(true);
      expect(unguarded[3_000]?.anomalous).toBe(true);
      expect(firstFiring(guarded, 5_000)).toBeLessThan(60);
      expect(firstFiring(unguarded, 5_000)).toBe(Number.POSITIVE_INFINITY);
    });

    it('learns a lasting jump from its second point, and a constant series from its first change', () => {
      // Prepare: the wave jumps to 100× its level for good at 3,000; a series of zeros gets its first 1 at 400.
      const jump = wave(undefined, (_i, x) => x).map((x, i) => (i >= 3_000 ? 100 * x : x));
      const detector = ensembleDetector(config());
      const state = detector.init();
      const zeros = detector.init();

      // Act
      const guarded = jump.map((x, i) => detector.step(state, T0 + i * FIVE_MINUTES, x));
      const unguarded = run(jump, { holdBeyond: 0 });
      for (let i = 0; i < 400; i++) detector.step(zeros, T0 + i * FIVE_MINUTES, 0);
      detector.step(zeros, T0 + 400 * FIVE_MINUTES, 1);

      // Assess: the jump pages at once, the new level is learned from its second point (later pages only a point
      // apart from the unguarded detector's: it learned one point later), and the zeros learned their first 1.
      const pages = (ds: Detection[]) => ds.flatMap((d, i) => (d.anomalous && i >= 3_000 ? [i] : []));
      expect(pages(guarded)[0]).toBe(3_000);
      expect(pages(guarded)).toHaveLength(pages(unguarded).length);
      for (const [k, i] of pages(guarded).entries())
        expect(Math.abs(i - (pages(unguarded)[k] as number))).toBeLessThanOrEqual(1);
      expect(state.held).toBe(false);
      expect(state.hi).toBeGreaterThan(1_000);
      expect([zeros.lo, zeros.hi, zeros.held]).toEqual([0, 1, false]);
    });

    it('learns a far value that comes back: a nightly spike, a recurring burst, a second level', () => {
      // Prepare: a flat ~100 series with a one-point spike of +150 every night; zeros and ones with a burst of 25
      // every 6 hours; a series that starts alternating between 10 and 200.
      const noise = lcg(3);
      const nightly = Array.from({ length: 288 * 30 }, (_, i) => (i % 288 === 100 ? 250 : 100 + noise()));
      const bursts = Array.from({ length: 288 * 30 }, (_, i) => (i % 72 === 50 ? 25 : i % 7 === 0 ? 1 : 0));
      const levels = Array.from({ length: 3_000 }, (_, i) => (i >= 500 && i % 2 === 1 ? 200 : 10 + noise()));

      // Act
      const pagesAfter = (values: number[], from: number) =>
        run(values)
          .slice(from)
          .filter((d) => d.anomalous).length;

      // Assess: after the first few occurrences none of them pages any more, as without the guard; the guard costs
      // at most one page more (its first occurrence is held, so the second is still news).
      expect(pagesAfter(nightly, 288 * 5)).toBe(0);
      expect(pagesAfter(bursts, 288 * 5)).toBe(0);
      expect(pagesAfter(levels, 1_000)).toBe(0);
      const unguarded = run(nightly, { holdBeyond: 0 }).filter((d) => d.anomalous).length;
      expect(pagesAfter(nightly, 0)).toBeLessThanOrEqual(unguarded + 1);
    });

    it('keeps its range through encode and decode, and reads a state from before the guard', () => {
      // Prepare
      const detector = ensembleDetector(config());
      const state = detector.init();
      for (const [i, x] of wave(undefined, (_i, x) => x)
        .slice(0, 200)
        .entries())
        detector.step(state, T0 + i * FIVE_MINUTES, x);
      const encoded = detector.encode(state) as Record<string, unknown>;
      const { g: _g, ...older } = encoded;

      // Act
      const revived = detector.decode(JSON.parse(JSON.stringify(encoded))) as EnsembleState;
      const before = detector.decode(JSON.parse(JSON.stringify(older))) as EnsembleState;

      // Assess
      expect([revived.lo, revived.hi, revived.rn, revived.held]).toEqual([state.lo, state.hi, 50, false]);
      expect([before.rn, before.held]).toEqual([0, false]);
      for (const g of [
        [1, 0, 50, 0],
        [0, 1, 51, 0],
        [0, 1, 50, 2],
        [0, Number.NaN, 1, 0],
        [0, 1, 1],
      ])
        expect(detector.decode({ ...encoded, g }), JSON.stringify(g)).toBeUndefined();
    });
  });

  it('learns a weekly cycle: weekends stop paging, and a weekday outage still pages', () => {
    // Prepare: a daily cycle, weekends 33 lower (T0 is a Monday), 8 weeks; on the last Wednesday traffic halves
    const r = lcg(11);
    const weekend = (i: number) => Math.floor(i / DAY) % 7 >= 5;
    const outage = 7 * 7 * DAY + 2 * DAY + 120;
    const values = Array.from({ length: 8 * 7 * DAY }, (_, i) => {
      const x = 100 + 23 * Math.sin((2 * Math.PI * i) / DAY) + (weekend(i) ? -33 : 0) + 4 * (r() - 0.5);
      return i >= outage && i < outage + 60 ? x / 2 : x;
    });
    // Act
    const detections = run(values);
    // Assess
    expect(falseFirings(detections.slice(3 * 7 * DAY), outage - 3 * 7 * DAY)).toBe(0);
    expect(firstFiring(detections, outage)).toBeLessThan(5);
    expect(detections[outage - 1]?.seasonality).toBe('daily+weekly');
  });

  it('fires on a level shift', () => {
    // Prepare
    const values = daily(EVENT + 300).map((x, i) => (i >= EVENT ? x + 30 : x));

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBeLessThan(10);
  });

  it('fires on a variance change', () => {
    // Prepare
    const calm = daily(EVENT, 3, 1);
    const r = lcg(99);
    const wild = daily(400, 4, 1).map((x) => x + 25 * (2 * r() - 1));
    const values = [...calm, ...wild];

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBeLessThan(30);
  });

  it('fires on a slow drift at a more sensitive threshold (one member alone rarely reaches the default cut)', () => {
    // Prepare
    const values = daily(EVENT + 1500).map((x, i) => (i >= EVENT ? x + 0.05 * (i - EVENT) : x));

    // Act
    // 0.35, not the default 0.45: sensitive, yet above what four pooled members reach on calm data.
    const detections = run(values, {}, undefined, 0.35);

    // Assess
    expect(falseFirings(detections, EVENT)).toBe(0);
    expect(firstFiring(detections, EVENT)).toBeLessThan(1000);
  });

  it('fires on a seasonal break: the daily swing stops', () => {
    // Prepare
    const values = daily(EVENT + 300).map((x, i) => (i >= EVENT ? 100 + (x - 100) * 0.02 + 15 : x));

    // Act
    const detections = run(values);

    // Assess
    expect(firstFiring(detections, EVENT)).toBeLessThan(DAY);
  });

  it('copes with irregular timestamps and a long gap', () => {
    // Prepare
    const r = lcg(21);
    const values = daily(EVENT + 100);
    let t = T0;
    const times = values.map((_, i) => {
      t += i === 1000 ? 3 * 86_400_000 : FIVE_MINUTES * (0.5 + r());
      return t;
    });
    values[EVENT] = 170;

    // Act
    const detections = run(values, {}, times);

    // Assess
    expect(detections.every((d) => Number.isFinite(d.score) && d.score >= 0 && d.score <= 1)).toBe(true);
    expect(firstFiring(detections, EVENT)).toBe(0);
  });
});
