// Regressions found by the second session's review of the detector state changes: each case once hung, produced NaN
// scores, lost state on every load, or let a late point move the weekly offsets.
import { describe, expect, it } from 'vitest';
import { detectorSchema } from '../../../functions/core/config/schema';
import { tail } from '../../../functions/core/detect/calibration';
import { flatlineDetector } from '../../../functions/core/detect/flatline';
import { type SeasonalState, seasonalDetector } from '../../../functions/core/detect/seasonal';

const MIN = 60_000;
const DAY = 86_400_000;
const seasonal = () =>
  seasonalDetector(detectorSchema.parse({ name: 'r', kind: 'seasonal', params: {}, scoreThreshold: 0.65 }));
const daily = (t: number) => 50 + 20 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);

/** A seasonal state after `n` five-minute points of a daily cycle from `t0`, and its encoded form's floats. */
function grown(n: number, t0 = Date.UTC(2024, 0, 1)) {
  const d = seasonal();
  const s = d.init();
  for (let i = 0; i < n; i++) d.step(s, t0 + i * 5 * MIN, daily(t0 + i * 5 * MIN) + (i % 3));
  const e = JSON.parse(JSON.stringify(d.encode(s))) as Record<string, string | number>;
  const f = new Float64Array(new Uint8Array(Buffer.from(e.f as string, 'base64')).buffer);
  const withF = (g: Float64Array) => ({ ...e, f: Buffer.from(g.buffer).toString('base64') });
  return { d, s, e, f, withF };
}

describe('seasonal state from a corrupt save', () => {
  it('scans a tail position far below the axis in constant time (a corrupt short[] once hung step for minutes)', () => {
    const h = { counts: Float64Array.from({ length: 4 * 32 }, (_, k) => (k % 32 === 3 ? 10 : 0)), total: 10 };
    const o = { bins: 32, binsPerOctave: 4, prior: 1, kappa: 2, memory: 1000 };
    const t0 = performance.now();
    const q = tail(h, 0, -1e15, o);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(q).toBeGreaterThan(0);
    expect(q).toBeLessThanOrEqual(1);
  });

  it('refuses a negative smoothed statistic', () => {
    const { d, f, withF } = grown(600);
    const g = f.slice();
    g[12] = -1e9;
    expect(d.decode(withF(g))).toBeUndefined();
    expect(d.decode(withF(f))).toBeDefined();
  });

  it('refuses histogram counts that are negative or do not add up to the total', () => {
    const { d, s, e } = grown(800);
    const counts = s.hist.counts.slice();
    const sparse = (c: Float64Array) => {
      // Re-encode through the engine's own form: a state whose histogram is `c`.
      const t = { ...s, hist: { counts: c, total: s.hist.total } } as SeasonalState;
      return (d.encode(t) as { hist: string }).hist;
    };
    const negative = counts.slice();
    negative[1] = -5;
    negative[2] = (negative[2] ?? 0) + 5; // the row still sums to the total
    const short = counts.slice();
    short[0] = (short[0] ?? 0) + 1; // one row one count over
    expect(d.decode({ ...e, hist: sparse(negative) })).toBeUndefined();
    expect(d.decode({ ...e, hist: sparse(short) })).toBeUndefined();
    expect(d.decode({ ...e, hist: sparse(counts) })).toBeDefined();
  });
});

describe('seasonal weekly bookkeeping', () => {
  it('round-trips and learns days before 1970 (day -1 was once the "no day yet" mark)', () => {
    // Prepare: 10 days starting 30 days before the epoch
    const { d, s } = grown(10 * 288, -30 * DAY);
    // Act
    const back = d.decode(JSON.parse(JSON.stringify(d.encode(s))));
    // Assess
    expect(back).toBeDefined();
    expect(s.dayNo).toBe(-21);
    expect(s.weekSeen).toBe(0b1111111);
    const across = grown(2 * 288, -DAY);
    expect(across.s.weekSeen).not.toBe(0); // day -1 was closed and learned when day 0 began
  });

  it('lets a late point move neither the weekday offsets nor the running day', () => {
    // Prepare
    const { d, s } = grown(10 * 288);
    const before = { week: Array.from(s.week), dayNo: s.dayNo, daySum: s.daySum, dayCount: s.dayCount };
    const lastT = Date.UTC(2024, 0, 1) + (10 * 288 - 1) * 5 * MIN;
    // Act: one point three days late, far off
    d.step(s, lastT - 3 * DAY, 500);
    // Assess
    expect(Array.from(s.week)).toEqual(before.week);
    expect({ dayNo: s.dayNo, daySum: s.daySum, dayCount: s.dayCount }).toEqual({
      dayNo: before.dayNo,
      daySum: before.daySum,
      dayCount: before.dayCount,
    });
  });

  it('refuses negative weekly error averages', () => {
    const { d, e } = grown(600);
    const w = new Float64Array(new Uint8Array(Buffer.from(e.w as string, 'base64')).buffer);
    w[11] = -1;
    expect(d.decode({ ...e, w: Buffer.from(w.buffer).toString('base64') })).toBeUndefined();
  });
});

describe('flatline state from a corrupt save', () => {
  const flat = () =>
    flatlineDetector(detectorSchema.parse({ name: 'f', kind: 'flatline', params: {}, scoreThreshold: 0.999 }));

  it('refuses finite counts that sum to Infinity, and impossible runs', () => {
    const d = flat();
    const s = d.init();
    for (let i = 0; i < 300; i++) d.step(s, i * 5 * MIN, i % 7 === 0 ? 1 : i);
    const e = JSON.parse(JSON.stringify(d.encode(s))) as Record<string, unknown>;
    expect(d.decode(e)).toBeDefined();
    expect(d.decode({ ...e, hist: [1e308, 1e308] })).toBeUndefined();
    expect(d.decode({ ...e, run: 0 })).toBeUndefined();
    expect(d.decode({ ...e, run: 301 })).toBeUndefined();
  });
});
