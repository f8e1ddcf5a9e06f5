// Tests for the seasonal detector engine: streaming contract, state round-trip, and each component on synthetic series.
import { describe, expect, it } from 'vitest';
import { type DetectorConfig, detectorSchema } from '../../../../functions/core/config/schema';
import { type SeasonalState, seasonalDetector } from '../../../../functions/core/detect/seasonal';
import { deflateToBase64, float64ToBytes } from '../../../../functions/core/detect/state-codec';
import type { Detection } from '../../../../functions/core/detect/types';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function config(params: Record<string, unknown> = {}, scoreThreshold = 0.65): DetectorConfig {
  return detectorSchema.parse({ name: 'test', kind: 'seasonal', params, scoreThreshold });
}

/** Deterministic noise (a small LCG) so tests never depend on Math.random. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u1 = (s + 1) / 4294967297;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u2 = (s + 1) / 4294967297;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

interface Point {
  t: number;
  x: number;
}

function series(n: number, f: (i: number, t: number) => number, stepMs = 5 * MIN, seed = 1): Point[] {
  const e = noise(seed);
  const out: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * stepMs;
    out.push({ t, x: f(i, t) + e() });
  }
  return out;
}

function runAll(points: Point[], params: Record<string, unknown> = {}): Detection[] {
  const d = seasonalDetector(config(params));
  const s = d.init();
  return points.map((p) => d.step(s, p.t, p.x));
}

/** Index of the first anomalous detection at or after `from`, or -1. */
function firstAlarm(ds: Detection[], from = 0): number {
  for (let i = from; i < ds.length; i++) if (ds[i]!.anomalous) return i;
  return -1;
}

function alarmsIn(ds: Detection[], from: number, to: number): Detection[] {
  return ds.slice(from, to).filter((d) => d.anomalous);
}

const daily = (_i: number, t: number) => 50 + 20 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);

describe('seasonal detector: streaming contract', () => {
  it('scores a point the same whatever comes after it (no look-ahead)', () => {
    // Prepare
    const pts = series(1500, daily);
    const cut = 900;
    // Act
    const prefix = runAll(pts.slice(0, cut));
    const full = runAll(pts);
    // Assess
    expect(full.slice(0, cut).map((d) => d.score)).toEqual(prefix.map((d) => d.score));
  });

  it('is deterministic', () => {
    const pts = series(1200, daily);
    expect(runAll(pts)).toEqual(runAll(pts));
  });

  it('continues identically after encode → JSON → decode mid-stream', () => {
    // Prepare
    const pts = series(3000, (i, t) => daily(i, t) + (i === 2500 ? 40 : 0));
    const d = seasonalDetector(config());
    const a = d.init();
    for (const p of pts.slice(0, 1700)) d.step(a, p.t, p.x);
    // Act
    const b = d.decode(JSON.parse(JSON.stringify(d.encode(a)))) as SeasonalState;
    const rest = pts.slice(1700);
    const fromLive = rest.map((p) => d.step(a, p.t, p.x));
    const fromRevived = rest.map((p) => d.step(b, p.t, p.x));
    // Assess
    expect(fromRevived).toEqual(fromLive);
    expect(fromLive.some((x) => x.anomalous)).toBe(true);
  });

  it('still reads the version 1 form (floats as decimals) and continues identically', () => {
    // Prepare: the state written the old way
    const pts = series(3000, (i, t) => daily(i, t) + (i === 2500 ? 40 : 0));
    const d = seasonalDetector(config());
    const a = d.init();
    for (const p of pts.slice(0, 1700)) d.step(a, p.t, p.x);
    const v1 = JSON.parse(
      JSON.stringify({
        v: 1,
        n: a.n,
        t0: a.t0,
        lastX: a.lastX,
        quantum: a.quantum,
        level: a.level,
        plain: a.plain,
        day: Buffer.from(Float64Array.from(a.day).buffer).toString('base64'),
        errS: a.errS,
        errP: a.errP,
        scale: a.scale,
        fast: a.fast,
        slow: a.slow,
        vfast: a.vfast,
        vslow: a.vslow,
        short: Array.from(a.short),
        hist: Array.from(a.hist.counts),
        total: a.hist.total,
        refr: a.refr,
      }),
    );
    // Act
    const b = d.decode(v1) as SeasonalState;
    const rest = pts.slice(1700);
    const fromLive = rest.map((p) => d.step(a, p.t, p.x));
    const fromRevived = rest.map((p) => d.step(b, p.t, p.x));
    // Assess
    expect(fromRevived).toEqual(fromLive);
    expect((d.encode(a) as { v: number }).v).toBe(3);
  });

  it('continues from a version 2 state (deflated histogram) exactly as from the live state', () => {
    // Prepare
    const pts = series(3000, (i, t) => daily(i, t) + (i === 2500 ? 40 : 0));
    const d = seasonalDetector(config());
    const a = d.init();
    for (const p of pts.slice(0, 1700)) d.step(a, p.t, p.x);
    // Version 2: the profile in Float64 after the scalars in `f`, the histogram deflated, no weekly fields (this
    // series is too short for them to matter).
    const v3 = d.encode(a) as { v: number; n: number; refr: number; f: string; p: string; hist: string; w: string };
    const scalars = new Float64Array(new Uint8Array(Buffer.from(v3.f, 'base64')).buffer);
    const f2 = new Float64Array(scalars.length + a.day.length);
    f2.set(scalars);
    f2.set(a.day, scalars.length);
    const v2 = {
      v: 2,
      n: v3.n,
      refr: v3.refr,
      f: Buffer.from(f2.buffer).toString('base64'),
      hist: deflateToBase64(float64ToBytes(a.hist.counts)),
    };
    // Act
    const b = d.decode(JSON.parse(JSON.stringify(v2))) as SeasonalState;
    const rest = pts.slice(1700);
    const fromLive = rest.map((p) => d.step(a, p.t, p.x));
    const fromRevived = rest.map((p) => d.step(b, p.t, p.x));
    // Assess
    expect(v2.hist).not.toBe(v3.hist);
    expect(fromRevived).toEqual(fromLive);
    expect(d.decode({ ...v2, hist: v3.hist })).toBeUndefined(); // version 2's histogram is deflated
    expect(d.decode({ ...v2, f: v3.f })).toBeUndefined(); // version 2's `f` carries the profile
    const fresh = d.decode(JSON.parse(JSON.stringify(v2))) as SeasonalState;
    expect(fresh.weekSeen).toBe(0);
    expect(fresh.dayNo).toBe(-1);
  });

  it('learns a weekly pattern: weekend drops stop paging once two weeks are seen, and say so', () => {
    // Prepare: a daily cycle and weekends 40 lower (T0 is a Monday), 8 weeks at 5 minutes
    const weekend = (t: number) => [0, 6].includes(new Date(t).getUTCDay());
    const pts = series(8 * 7 * 288, (i, t) => daily(i, t) + (weekend(t) ? -40 : 0));
    const run = (params: Record<string, unknown>) => {
      const d = seasonalDetector(config(params));
      const s = d.init();
      return pts.map((p) => d.step(s, p.t, p.x));
    };
    const afterWeek3 = (ds: Detection[]) => ds.slice(21 * 288);
    // Act
    const withWeek = afterWeek3(run({}));
    const without = afterWeek3(run({ weekly: false }));
    // Assess
    expect(without.filter((d) => d.anomalous).length).toBeGreaterThanOrEqual(3);
    expect(withWeek.filter((d) => d.anomalous)).toEqual([]);
    expect(withWeek.filter((d) => d.seasonality === 'daily+weekly').length).toBeGreaterThan(withWeek.length / 2);
    expect(without.some((d) => d.seasonality.includes('weekly'))).toBe(false);
  });

  it('does not switch the weekly model on for a series without a weekly pattern', () => {
    const d = seasonalDetector(config());
    const s = d.init();
    const ds = series(5 * 7 * 288, daily).map((p) => d.step(s, p.t, p.x));
    expect(ds.filter((x) => x.seasonality.includes('weekly')).length).toBeLessThan(ds.length / 20);
  });

  it('continues identically from a mid-week state with the weekly model in use', () => {
    // Prepare
    const weekend = (t: number) => [0, 6].includes(new Date(t).getUTCDay());
    const pts = series(4 * 7 * 288, (i, t) => daily(i, t) + (weekend(t) ? -40 : 0) + (i === 7000 ? 60 : 0));
    const d = seasonalDetector(config());
    const a = d.init();
    const cut = 3 * 7 * 288 + 500;
    for (const p of pts.slice(0, cut)) d.step(a, p.t, p.x);
    // Act
    const b = d.decode(JSON.parse(JSON.stringify(d.encode(a)))) as SeasonalState;
    const rest = pts.slice(cut);
    const fromLive = rest.map((p) => d.step(a, p.t, p.x));
    const fromRevived = rest.map((p) => d.step(b, p.t, p.x));
    // Assess
    expect(a.weekSeen).toBe(0b1111111);
    expect(fromLive.some((x) => x.seasonality === 'daily+weekly')).toBe(true);
    expect(fromRevived).toEqual(fromLive);
  });

  it('rejects a state that is not its own', () => {
    const d = seasonalDetector(config());
    expect(d.decode({ n: 3 })).toBeUndefined();
    expect(d.decode(null)).toBeUndefined();
    const other = seasonalDetector(config({ slots: 48 }));
    expect(d.decode(other.encode(other.init()))).toBeUndefined();
    const good = d.encode(d.init()) as Record<string, unknown>;
    expect(d.decode(good)).toBeDefined();
    expect(d.decode({ ...good, hist: 'AAAA' })).toBeUndefined();
    expect(d.decode({ ...good, f: 'AAAA' })).toBeUndefined();
    expect(d.decode({ ...good, extra: 1 })).toBeUndefined();
    expect(d.decode({ ...good, w: 'AAAA' })).toBeUndefined();
    const { w: _w, ...noWeekly } = good;
    expect(d.decode(noWeekly)).toBeUndefined(); // version 4 needs its weekly fields
    const badWeek = new Float64Array(14);
    badWeek[7] = 200; // weekday bits beyond the seven
    expect(d.decode({ ...good, w: Buffer.from(badWeek.buffer).toString('base64') })).toBeUndefined();
  });

  it('keeps its state small and bounded however long the series runs', () => {
    // Prepare
    const d = seasonalDetector(config());
    const s = d.init();
    const sizes: number[] = [];
    // Act
    series(20_000, daily).forEach((p, i) => {
      d.step(s, p.t, p.x);
      if (i % 5000 === 4999) sizes.push(JSON.stringify(d.encode(s)).length);
    });
    // Assess
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
    expect(sizes).toHaveLength(4);
  });

  it('scores without learning when learn=false', () => {
    // Prepare
    const d = seasonalDetector(config());
    const s = d.init();
    const pts = series(800, daily);
    for (const p of pts) d.step(s, p.t, p.x);
    const before = JSON.stringify(d.encode(s));
    // Act
    const scored = d.step(s, pts[799]!.t + 5 * MIN, 500, false);
    // Assess
    expect(scored.anomalous).toBe(true);
    expect(JSON.stringify(d.encode(s))).toBe(before);
  });

  it('gives scores in [0, 1] and stays quiet during warm-up', () => {
    const ds = runAll(series(600, daily));
    expect(ds.every((d) => d.score >= 0 && d.score <= 1)).toBe(true);
    expect(ds.slice(0, 100).every((d) => d.component === 'warm-up' && !d.anomalous)).toBe(true);
  });

  it('copes with irregular timestamps and a long gap without firing', () => {
    // Prepare: jittered sampling, then nothing for three days, then the same daily pattern.
    const e = noise(7);
    const pts: Point[] = [];
    let t = T0;
    for (let i = 0; i < 3000; i++) {
      t += (3 + Math.abs(e()) * 4) * MIN + (i === 2000 ? 3 * DAY : 0);
      pts.push({ t, x: daily(i, t) + e() });
    }
    // Act
    const ds = runAll(pts);
    // Assess
    expect(ds.every((d) => Number.isFinite(d.score))).toBe(true);
    expect(alarmsIn(ds, 300, 3000).length).toBeLessThanOrEqual(2);
  });

  it('does not flag a flat line or a clean seasonal series', () => {
    expect(alarmsIn(runAll(series(4000, () => 7, 5 * MIN).map((p) => ({ ...p, x: 7 }))), 0, 4000)).toHaveLength(0);
    expect(alarmsIn(runAll(series(4000, daily)), 0, 4000).length).toBeLessThanOrEqual(1);
  });
});

describe('seasonal detector: components', () => {
  it('fires on a spike and says so', () => {
    // Prepare
    const pts = series(2000, () => 10, 5 * MIN, 3);
    pts[1500]!.x += 15;
    // Act
    const ds = runAll(pts);
    // Assess
    expect(firstAlarm(ds, 1000)).toBe(1500);
    expect(ds[1500]!.component).toBe('spike');
    expect(ds[1500]!.expected).toBeCloseTo(10, 0);
  });

  it('fires once on a level shift, then re-baselines instead of paging again', () => {
    // Prepare
    const pts = series(3000, (i) => (i >= 1500 ? 16 : 10), 5 * MIN, 4);
    // Act
    const ds = runAll(pts);
    // Assess
    const at = firstAlarm(ds, 1000);
    expect(at).toBeGreaterThanOrEqual(1500);
    expect(at).toBeLessThan(1510);
    expect(alarmsIn(ds, 1000, 3000)).toHaveLength(1);
  });

  it('names the level-shift component for a sustained shift too small to be a spike', () => {
    const pts = series(3000, (i) => (i >= 1500 ? 12.8 : 10), 5 * MIN, 5);
    const ds = runAll(pts);
    const at = firstAlarm(ds, 1000);
    expect(at).toBeGreaterThanOrEqual(1500);
    expect(at).toBeLessThan(1530);
    expect(ds[at]!.component).toBe('level-shift');
  });

  it('fires on a variance change', () => {
    // Prepare: same mean, noise ×5 from point 2000.
    const e = noise(6);
    const pts = series(3000, () => 0, 5 * MIN, 6).map((p, i) => ({ ...p, x: 100 + e() * (i >= 2000 ? 5 : 1) }));
    // Act
    const ds = runAll(pts);
    // Assess
    const at = firstAlarm(ds, 1000);
    expect(at).toBeGreaterThanOrEqual(2000);
    expect(at).toBeLessThan(2060);
    expect(['variance', 'spike']).toContain(ds[at]!.component);
  });

  it('fires on a variance change even when no single point is extreme', () => {
    const e = noise(8);
    const pts = series(3000, () => 0, 5 * MIN, 8).map((p, i) => ({ ...p, x: 100 + e() * (i >= 2000 ? 4 : 1) }));
    const ds = runAll(pts, { minZ: 30, penalty: 1 });
    const alarms = ds.slice(2000, 2300).filter((d) => d.anomalous);
    expect(alarms.map((d) => d.component)).toContain('variance');
  });

  it('fires on a slow drift (secondary components unpenalised)', () => {
    // Prepare: flat, then a ramp far slower than the noise per point. The default penalty keeps drift conservative.
    const pts = series(5000, (i) => 10 + (i >= 2500 ? (i - 2500) * 0.05 : 0), 5 * MIN, 9);
    // Act
    const ds = runAll(pts, { penalty: 1 });
    // Assess
    const at = firstAlarm(ds, 2501);
    expect(at).toBeGreaterThan(2500);
    expect(at).toBeLessThan(2700);
    expect(['drift', 'level-shift']).toContain(ds[at]!.component);
  });

  it('learns a daily profile from timestamps and fires when the cycle breaks', () => {
    // Prepare: 12 days of a daily cycle, then the cycle flattens at its mean for a day.
    const pts = series(12 * 288, (i, t) => (i >= 10 * 288 + 60 ? 50 : daily(i, t)), 5 * MIN, 10);
    // Act
    const ds = runAll(pts);
    // Assess
    expect(ds[9 * 288]!.seasonality).toBe('daily');
    expect(alarmsIn(ds, 400, 10 * 288 + 60)).toHaveLength(0);
    const at = firstAlarm(ds, 10 * 288 + 60);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(10 * 288 + 60 + 96);
  });

  it('keeps its daily profile through a burst of spikes (outliers do not pick the model)', () => {
    // Prepare: a modest daily cycle for 8 days, then two days with a +40 spike every 10 points.
    const burst = 8 * 288;
    const cycle = (i: number, t: number) =>
      50 + 8 * Math.sin((2 * Math.PI * (t % DAY)) / DAY) + (i >= burst && i % 10 === 0 ? 40 : 0);
    const pts = series(10 * 288, cycle, 5 * MIN, 7);
    // Act
    const ds = runAll(pts);
    const loose = runAll(pts, { modelErrorCap: 10 });
    // Assess: residuals capped at 5 scales keep the profile; at 10 scales the spikes switched it off.
    expect(ds.slice(burst).every((d) => d.seasonality === 'daily')).toBe(true);
    expect(loose.slice(burst).filter((d) => d.seasonality === 'daily').length).toBeLessThan(288);
  });

  it('uses no profile when there is no daily cycle', () => {
    const ds = runAll(series(4000, () => 10));
    expect(ds[3999]!.seasonality).toBe('none');
  });

  it('places a point in its day the same way before and after 1970, at whole and fractional milliseconds', () => {
    // The time of day has a fast path for 0 <= t < 2^52 and the plain modulo for the rest: a series moved by a whole
    // number of weeks (same time of day, same weekday) must score alike on either side of the epoch, including at
    // fractional milliseconds and one millisecond either side of midnight.
    const WEEK = 7 * DAY;
    // Five-minute steps from the epoch, each nudged by one of these (299,999 lands 1 ms before the next slot; the
    // cycle of 7 against 288 steps a day walks it onto 1 ms before midnight).
    const nudges = [0, 1, 0.5, 299_999, 0.25, 299_999.5, 150_000.125];
    const points = series(4 * 288, daily).map((p, i) => ({ t: i * 5 * MIN + (nudges[i % 7] as number), x: p.x }));
    const at = (shift: number) => runAll(points.map((p) => ({ t: p.t + shift, x: p.x })));
    const reference = at(0);
    for (const shift of [-3 * WEEK, -WEEK, 52 * WEEK, 2_800 * WEEK]) expect(at(shift)).toEqual(reference);
  });

  it('refuses unknown params', () => {
    expect(() => seasonalDetector(config({ bogus: 1 }))).toThrow();
  });
});
