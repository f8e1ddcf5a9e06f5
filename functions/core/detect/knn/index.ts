// The 'knn' detector engine (registry kind 'knn'): nearest-neighbour novelty of the recent context, made conformal; ingest-metrics and `npm run nab` reach it through functions/core/detect/index.ts.
import { z } from 'zod';
import type { DetectorConfig } from '../../config/schema';
import { ConfigError, issuesFromZod } from '../../errors';
import { conformalParams, recordScore, savedHistogramTotal } from '../conformal';
import {
  allFinite,
  base64ToBytes,
  bytesToBase64,
  bytesToFloat64,
  float64ToBytes,
  isCount,
  isFiniteNumber,
  PackCache,
} from '../state-codec';
import { type Detection, quietInto, type ScratchDetector, stepFrom } from '../types';

const paramsSchema = z.strictObject({
  /** Points in a context (the current point and the ones before it). */
  context: z.number().int().min(2).max(32).default(8),
  /** Quantization levels spanning the range seen so far; values outside it get levels beyond. */
  levels: z.number().int().min(2).max(64).default(8),
  /**
   * Contexts remembered (a ring of the most recent novel ones); state grows by up to `context` bytes per slot
   * (saved deflated: typically a fifth of that).
   */
  memory: z.number().int().min(8).max(1024).default(256),
  /** L1 distance, in levels, that still counts as the same context (absorbs noise at level boundaries). */
  tolerance: z.number().int().min(0).max(16).default(2),
  /** horizon (of nearest-neighbour distances), warmup, refractory, outside. */
  ...conformalParams,
  /** During the refractory period a point whose p-value is below this share of the page's p-value pages again. */
  escalate: z.number().min(0).max(1).default(0.1),
  /** A score at or above this during the refractory period restarts it (the incident is still going on). */
  sustain: z.number().min(0).max(1).default(0.97),
});
export type KnnParams = z.infer<typeof paramsSchema>;

/** Distances above this share the last histogram bin. */
const BINS = 32;
/** Byte level of the range's low end, so values below the range keep distinct levels. */
const OFFSET = 96;

export interface KnnState {
  /** Points learned. */
  n: number;
  /** Epoch ms of the last learned point; older or equal timestamps are scored 0 and not learned. */
  last: number | null;
  /** Range seen so far (min, max), the quantization frame. */
  lo: number;
  hi: number;
  /** Ring of the last `context - 1` values. */
  recent: number[];
  rpos: number;
  /** Ring of remembered contexts, `context` quantized bytes each. */
  mem: Uint8Array;
  /**
   * Byte sums of the older and newer half of each remembered context (derived, not encoded): the L1 distance is at
   * least the sum of the halves' sum gaps, which skips most contexts unread. One word per context, older << 16 | newer
   * (a half sums at most 16 × 255 < 2^16): the scan reads one word per context instead of two.
   */
  sums: Int32Array;
  /**
   * Levels of the ring's values in the frame [qlo, qhi] (derived, not encoded; qlo NaN = none yet): while the frame
   * stays put, a point quantizes only its own value. Held twice over (slot i at i and i + R), so the ring read oldest
   * first from any position is one straight run.
   */
  qlev: Uint8Array;
  qlo: number;
  qhi: number;
  /** Levels per series unit and series units per level in that frame (0 for a frame of one value): two divisions. */
  qscale: number;
  qunit: number;
  used: number;
  mpos: number;
  /** Counts of past nearest-neighbour distances by distance, halved when they reach 2×horizon. */
  hist: number[];
  total: number;
  /** Points left in the refractory period. */
  cool: number;
  /** p-value (1 − score) of the point that last paged. */
  paged: number;
}

/**
 * Version 2: the ring deflated (quantized contexts take a handful of levels and overlap, so it packs to ~1/5) and no
 * total (it is the histogram's sum). About 1.1 KB less than version 1 at memory 128.
 */
export interface EncodedKnnState {
  v: 2;
  n: number;
  last: number | null;
  lo: number;
  hi: number;
  recent: number[];
  rpos: number;
  mem: string;
  used: number;
  mpos: number;
  hist: number[];
  cool: number;
  paged: number;
}

/** Version 1 (still read): the ring's bytes as plain base64, and the histogram's total alongside it. */
export type EncodedKnnStateV1 = Omit<EncodedKnnState, 'v'> & { v: 1; total: number };

/**
 * Version 3 (written now): version 2 with `lo`, `hi`, `paged` and `recent` as one run of Float64 bytes in `f` (in that
 * order): exact, and ~95 characters shorter than their decimals, which with the seasonal profile in Float32 keeps a
 * stored series under 4 KB (one DynamoDB write unit less per batch).
 */
export type EncodedKnnStateV3 = Omit<EncodedKnnState, 'v' | 'lo' | 'hi' | 'recent' | 'paged'> & { v: 3; f: string };

export function knnDetector(config: DetectorConfig): ScratchDetector<KnnState> {
  const parsed = paramsSchema.safeParse(config.params ?? {});
  if (!parsed.success) throw new ConfigError(issuesFromZod(parsed.error.issues, ['detectors', config.name, 'params']));
  const p = parsed.data;
  const w = p.context;
  const R = w - 1;
  const warmup = Math.max(p.warmup, w);
  const threshold = config.scoreThreshold;
  // Scratch for the current context; the detector instance is shared by series but steps are synchronous.
  const ctx = new Uint8Array(w);
  // Saved rings this instance packed or unpacked: most batches leave a ring as loaded, so its save costs nothing.
  const packs = new PackCache();

  const half = w >> 1;

  function setSums(sums: Int32Array, mem: Uint8Array, m: number): void {
    let older = 0;
    let newer = 0;
    for (let j = 0; j < half; j++) older += mem[m * w + j] as number;
    for (let j = half; j < w; j++) newer += mem[m * w + j] as number;
    sums[m] = (older << 16) | newer;
  }

  function init(): KnnState {
    return {
      n: 0,
      last: null,
      lo: 0,
      hi: 0,
      recent: new Array<number>(R).fill(0),
      rpos: 0,
      mem: new Uint8Array(p.memory * w),
      sums: new Int32Array(p.memory),
      qlev: new Uint8Array(2 * R),
      qlo: Number.NaN,
      qhi: 0,
      qscale: 0,
      qunit: 0,
      used: 0,
      mpos: 0,
      hist: new Array<number>(BINS).fill(0),
      total: 0,
      cool: 0,
      paged: 1,
    };
  }

  /** The level of v in the frame starting at lo with the given scale. */
  function level(v: number, lo: number, scale: number): number {
    const b = Math.floor((v - lo) * scale) + OFFSET;
    return b < 0 ? 0 : Math.min(b, 255);
  }

  /**
   * Fills `ctx` with the levels of the last R values and x, oldest first, in the frame [lo, hi]. A level is a pure
   * function of (value, lo, hi), so the ring's levels cached in `qlev` for the same frame are the very bytes a
   * recomputation would give (=== on the frame: ±0 bounds quantize alike); only a moved frame requantizes the ring
   * (and recomputes the frame's scale and unit, pure functions of it as well).
   */
  function quantize(s: KnnState, lo: number, hi: number, x: number): void {
    const qlev = s.qlev;
    const i = s.rpos;
    if (lo !== s.qlo || hi !== s.qhi) {
      const span = hi - lo;
      s.qscale = hi > lo ? p.levels / span : 0;
      s.qunit = span > 0 ? span / p.levels : 0;
      const scale = s.qscale;
      const rec = s.recent;
      for (let j = 0; j < R; j++) {
        const q = level(rec[j] as number, lo, scale);
        qlev[j] = q;
        qlev[j + R] = q;
      }
      s.qlo = lo;
      s.qhi = hi;
    }
    for (let j = 0; j < R; j++) ctx[j] = qlev[i + j] as number;
    ctx[R] = level(x, lo, s.qscale);
  }

  const memory = p.memory;
  const tolerance = p.tolerance;
  // Results of the last `nearest` call (module-level scratch: no allocation per point).
  let nearD = 0;
  let nearAt = -1;

  /**
   * `nearest` for the usual context of 8: the current context held in locals and the distance unrolled. The same
   * scan order, bound and break as the general loop, so the same neighbour and distance (the general loop's early
   * abandon inside a context only saves work, it never changes which context wins; here it is left out, its branch
   * mispredicted more than the reads it saved).
   *
   * Absolute values are taken branch-free, (d ^ (d >> 31)) − (d >> 31), exact for these small ints: a `d < 0 ? …`
   * branch on the sign of a difference is a coin flip the CPU mispredicts, and that was most of this loop's time.
   */
  function nearest8(s: KnnState): void {
    const mem = s.mem;
    const sums = s.sums;
    const c0 = ctx[0] as number;
    const c1 = ctx[1] as number;
    const c2 = ctx[2] as number;
    const c3 = ctx[3] as number;
    const c4 = ctx[4] as number;
    const c5 = ctx[5] as number;
    const c6 = ctx[6] as number;
    const c7 = ctx[7] as number;
    const older = c0 + c1 + c2 + c3;
    const newer = c4 + c5 + c6 + c7;
    let best = 1 << 30;
    let at = -1;
    // Newest first in two runs, so the loop needs no wrap test: the write position down to 0, then the end down.
    const mpos = s.mpos;
    const stop = mpos - s.used;
    let m = mpos - 1;
    let end = Math.max(stop, 0);
    for (let run = stop < 0 ? 2 : 1; run > 0; run--) {
      for (; m >= end; m--) {
        const both = sums[m] as number;
        const g1 = (both >> 16) - older;
        const g2 = (both & 0xffff) - newer;
        if ((g1 ^ (g1 >> 31)) - (g1 >> 31) + (g2 ^ (g2 >> 31)) - (g2 >> 31) >= best) continue;
        const base = m << 3;
        let d = (mem[base] as number) - c0;
        let dist = (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 1] as number) - c1;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 2] as number) - c2;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 3] as number) - c3;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 4] as number) - c4;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 5] as number) - c5;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 6] as number) - c6;
        dist += (d ^ (d >> 31)) - (d >> 31);
        d = (mem[base + 7] as number) - c7;
        dist += (d ^ (d >> 31)) - (d >> 31);
        if (dist < best) {
          best = dist;
          at = m;
          if (dist <= tolerance) {
            nearD = 0;
            nearAt = at;
            return;
          }
        }
      }
      m = memory - 1;
      end = stop + memory;
    }
    nearD = at < 0 ? 0 : Math.max(0, best - tolerance);
    nearAt = at;
  }

  /** Distance (beyond tolerance) from the current context to its nearest remembered one, and where that one is. */
  function nearest(s: KnnState): void {
    const mem = s.mem;
    const sums = s.sums;
    let older = 0;
    let newer = 0;
    for (let j = 0; j < half; j++) older += ctx[j] as number;
    for (let j = half; j < w; j++) newer += ctx[j] as number;
    let best = 1 << 30;
    let at = -1;
    // Newest first: recent contexts are the likeliest neighbours, and a small bound early makes the abandon bite.
    let m = s.mpos;
    for (let k = 0; k < s.used; k++) {
      m = m === 0 ? memory - 1 : m - 1;
      const both = sums[m] as number;
      const g1 = (both >> 16) - older;
      const g2 = (both & 0xffff) - newer;
      // Branch-free absolute values, as in nearest8.
      if ((g1 ^ (g1 >> 31)) - (g1 >> 31) + (g2 ^ (g2 >> 31)) - (g2 >> 31) >= best) continue;
      const base = m * w;
      let dist = 0;
      for (let j = 0; j < w; j++) {
        const diff = (mem[base + j] as number) - (ctx[j] as number);
        dist += (diff ^ (diff >> 31)) - (diff >> 31);
        if (dist >= best) break;
      }
      if (dist < best) {
        best = dist;
        at = m;
        // Within tolerance is as near as it gets: the score cannot change.
        if (dist <= tolerance) break;
      }
    }
    nearD = at < 0 ? 0 : Math.max(0, best - tolerance);
    nearAt = at;
  }

  function stepInto(s: KnnState, t: number, x: number, learn: boolean, out: Detection): void {
    if (s.last !== null && t <= s.last) {
      quietInto(out, x, 'out-of-order');
      return;
    }
    const lo = s.n === 0 ? x : s.lo;
    const hi = s.n === 0 ? x : s.hi;
    // Oldest first: the ring from rpos, then x.
    quantize(s, lo, hi, x);

    const ready = s.n >= R;
    nearD = 0;
    nearAt = -1;
    if (ready && s.used > 0) {
      if (w === 8) nearest8(s);
      else nearest(s);
    }
    const d = nearD;
    const at = nearAt;
    const bin = Math.min(BINS - 1, d);
    let score = 0;
    if (ready && s.n >= warmup && s.total > 0) {
      // Conformal p-value: the share of past distances at least as large as this one.
      let below = 0;
      for (let b = 0; b < bin; b++) below += s.hist[b] as number;
      // In the first bin every past score counts: (total + 1) / (total + 1), exactly 1 without the division.
      let pValue = bin === 0 ? 1 : (s.total - below + 1) / (s.total + 1);
      // A value beyond everything seen so far is stronger evidence than a new shape inside the range.
      if (x > hi || x < lo) pValue *= p.outside;
      score = 1 - pValue;
    }
    // Inside an incident, repeats are damped below any useful threshold unless markedly more extreme.
    const resting = s.cool > 0 && 1 - score >= s.paged * p.escalate;
    const damped = resting ? score / 2 : score;
    const anomalous = damped >= threshold;
    const outside = x > hi || x < lo;
    const component =
      !ready || s.n < warmup ? 'warm-up' : outside ? 'out-of-range' : d > 0 ? 'novel-pattern' : 'known-pattern';

    // Expected: the last value of the nearest remembered context, back in the series' units.
    const span = hi - lo;
    const unit = s.qunit;
    const expected = at >= 0 && span > 0 ? lo + ((s.mem[at * w + R] as number) - OFFSET + 0.5) * unit : x;
    const halfBand = (p.tolerance + 0.5) * unit;

    if (learn) {
      if (s.cool > 0) s.cool--;
      if (anomalous || (resting && score >= p.sustain)) s.cool = p.refractory;
      if (anomalous) s.paged = 1 - score;
      if (ready) {
        s.total = recordScore(s.hist, s.total, bin, p.horizon);
        if (s.used === 0 || d > 0) {
          s.mem.set(ctx, s.mpos * w);
          packs.changed(s.mem);
          setSums(s.sums, s.mem, s.mpos);
          s.mpos = (s.mpos + 1) % p.memory;
          if (s.used < p.memory) s.used++;
        }
      }
      if (s.n === 0 || x < s.lo) s.lo = x;
      if (s.n === 0 || x > s.hi) s.hi = x;
      if (R > 0) {
        s.recent[s.rpos] = x;
        // x's level in this step's frame, which quantize just made the cache's frame.
        s.qlev[s.rpos] = ctx[R] as number;
        s.qlev[s.rpos + R] = ctx[R] as number;
        // A compare, not a modulo: R is only known at run time, so `%` would be a division every point.
        s.rpos = s.rpos + 1 === R ? 0 : s.rpos + 1;
      }
      s.n++;
      s.last = t;
    }
    // Field by field, not through a helper: this runs four times a point inside the ensemble.
    out.score = damped;
    out.anomalous = anomalous;
    out.expected = expected;
    out.band[0] = expected - halfBand;
    out.band[1] = expected + halfBand;
    out.observed = x;
    out.component = component;
    out.seasonality = 'none';
  }

  const step = stepFrom(stepInto);

  function encode(s: KnnState): EncodedKnnStateV3 {
    const f = new Float64Array(3 + R);
    f[0] = s.lo;
    f[1] = s.hi;
    f[2] = s.paged;
    for (let j = 0; j < R; j++) f[3 + j] = s.recent[j] as number;
    return {
      v: 3,
      n: s.n,
      last: s.last,
      f: bytesToBase64(float64ToBytes(f)),
      rpos: s.rpos,
      mem: packs.deflate(s.mem, s.mem.subarray(0, s.used * w)),
      used: s.used,
      mpos: s.mpos,
      hist: [...s.hist],
      cool: s.cool,
    };
  }

  /** The floats version 3 packs in `f`, or the plain fields of versions 1 and 2; undefined if not finite. */
  function floatsOf(
    e: Record<string, unknown>,
  ): { lo: number; hi: number; paged: number; recent: number[] } | undefined {
    if (e.v === 3) {
      const bytes = base64ToBytes(e.f);
      const f = bytes && bytesToFloat64(bytes, 3 + R);
      if (!f || !allFinite(f)) return undefined;
      return { lo: f[0] as number, hi: f[1] as number, paged: f[2] as number, recent: Array.from(f.subarray(3)) };
    }
    const { lo, hi, paged, recent } = e;
    if (!isFiniteNumber(lo) || !isFiniteNumber(hi) || !isFiniteNumber(paged)) return undefined;
    if (!Array.isArray(recent) || !recent.every(isFiniteNumber)) return undefined;
    return { lo, hi, paged, recent: [...recent] };
  }

  /** Reads version 3 and the older versions 2 and 1. */
  function decode(raw: unknown): KnnState | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const e = raw as Partial<EncodedKnnStateV1> | Partial<EncodedKnnState> | Partial<EncodedKnnStateV3>;
    if (e.v !== 1 && e.v !== 2 && e.v !== 3) return undefined;
    const floats = floatsOf(e as Record<string, unknown>);
    if (!floats || !isCount(e.n) || floats.lo > floats.hi) return undefined;
    if (e.last !== null && !isFiniteNumber(e.last)) return undefined;
    if (floats.recent.length !== R) return undefined;
    if (!isCount(e.rpos, Math.max(R - 1, 0)) || !isCount(e.used, p.memory) || !isCount(e.mpos, p.memory - 1))
      return undefined;
    const total = savedHistogramTotal(e.hist, BINS);
    if (total === undefined || (e.v === 1 && e.total !== total) || !isCount(e.cool, p.refractory)) return undefined;
    if (floats.paged < 0 || floats.paged > 1) return undefined;
    const bytes = e.v === 1 ? base64ToBytes(e.mem) : packs.inflate(e.mem, e.used * w);
    if (!bytes || bytes.length !== e.used * w) return undefined;
    const mem = new Uint8Array(p.memory * w);
    mem.set(bytes);
    if (e.v !== 1) packs.loaded(mem, e.mem as string);
    const sums = new Int32Array(p.memory);
    for (let m = 0; m < e.used; m++) setSums(sums, mem, m);
    return {
      n: e.n,
      last: e.last ?? null,
      lo: floats.lo,
      hi: floats.hi,
      recent: floats.recent,
      rpos: e.rpos,
      mem,
      sums,
      qlev: new Uint8Array(2 * R),
      qlo: Number.NaN,
      qhi: 0,
      qscale: 0,
      qunit: 0,
      used: e.used,
      mpos: e.mpos,
      hist: [...(e.hist as number[])],
      total,
      cool: e.cool,
      paged: floats.paged,
    };
  }

  return { kind: 'knn', init, step, stepInto, encode, decode };
}
