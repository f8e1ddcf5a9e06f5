// The 'flatline' detector engine (registry kind 'flatline'): a series stuck on one value for longer than its own
// history of runs makes plausible (a dead exporter, a stuck gauge, traffic dropping to zero); reached through
// functions/core/detect/index.ts, alone or as an ensemble member.
import { z } from 'zod';
import type { DetectorConfig } from '../../config/schema';
import { ConfigError, issuesFromZod } from '../../errors';
import { tail } from '../calibration';
import { isCount, isFiniteNumber } from '../state-codec';
import { type Detection, quietDetection, type StreamingDetector } from '../types';

const paramsSchema = z.strictObject({
  /** Histogram of past run lengths: bins per octave of length, and octaves (runs up to 2^octaves points). */
  binsPerOctave: z.number().int().min(1).max(8).default(2),
  octaves: z.number().int().min(4).max(24).default(16),
  /** Pseudo-count standing for "not seen yet": the smallest tail is about prior / (points + prior). */
  prior: z.number().positive().default(1),
  /** How fast the tail falls (per bin) for a run longer than any seen so far. */
  kappa: z.number().nonnegative().default(2),
  /** Points of finished runs remembered: the counts are halved when they reach twice this. */
  memory: z.number().int().min(8).max(1_000_000).default(1000),
  /** Shortest run (points, the current one included) that is scored at all. */
  minRun: z.number().int().min(2).default(4),
  /** Points learned before the detector may score. */
  warmup: z.number().int().min(0).default(100),
  /** Points after a firing during which the score is 0: one page per incident (0 inside an ensemble). */
  refractory: z.number().int().min(0).default(100),
});
export type FlatlineParams = z.infer<typeof paramsSchema>;

export interface FlatlineState {
  /** Points learned. */
  n: number;
  /** Epoch ms of the last learned point; older or equal timestamps are scored 0 and not learned. */
  last: number | null;
  /** Last learned value, and how many learned points in a row (it included) had exactly that value. */
  x: number;
  run: number;
  /** Points of finished runs by log2-length bin, halved when their total reaches 2×memory. */
  hist: number[];
  total: number;
  /** Points left in the refractory period. */
  cool: number;
}

export interface EncodedFlatlineState {
  v: 1;
  n: number;
  last: number | null;
  x: number;
  run: number;
  /** The histogram without its trailing zeros (the total is its sum). */
  hist: number[];
  cool: number;
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

export function flatlineDetector(config: DetectorConfig): StreamingDetector<FlatlineState> {
  const parsed = paramsSchema.safeParse(config.params ?? {});
  if (!parsed.success) throw new ConfigError(issuesFromZod(parsed.error.issues, ['detectors', config.name, 'params']));
  const p = parsed.data;
  const bins = p.binsPerOctave * p.octaves;
  const threshold = config.scoreThreshold;

  /** Position of a run length on the histogram axis (bins, continuous): log2(length) × binsPerOctave. */
  const position = (run: number): number => Math.log2(run) * p.binsPerOctave;

  const calibration = { bins, prior: p.prior, kappa: p.kappa };
  /** Share of past time in finished runs at least this long; past the longest seen it decays geometrically. */
  const runTail = (s: FlatlineState, u: number): number => tail({ counts: s.hist, total: s.total }, 0, u, calibration);

  function init(): FlatlineState {
    return { n: 0, last: null, x: 0, run: 0, hist: new Array<number>(bins).fill(0), total: 0, cool: 0 };
  }

  function step(s: FlatlineState, t: number, x: number, learn = true): Detection {
    if (s.last !== null && t <= s.last) return quietDetection(x, 'out-of-order');
    const same = s.n > 0 && x === s.x;
    const run = same ? s.run + 1 : 1;
    const warm = s.n >= p.warmup;
    // Only finished runs are history: a series flat from its first point has shown nothing to compare with.
    const pValue = warm && same && run >= p.minRun ? runTail(s, position(run)) : 1;
    const score = s.cool > 0 ? 0 : 1 - pValue;
    const anomalous = warm && score >= threshold;

    if (learn) {
      if (!same && s.n > 0) {
        const b = Math.min(bins - 1, Math.floor(position(s.run)));
        // A run weighs its length: the tail is the share of past time spent in runs at least this long.
        const w = s.run;
        s.hist[b] = (s.hist[b] as number) + w;
        if (s.total + w >= 2 * p.memory) for (let k = 0; k < bins; k++) s.hist[k] = (s.hist[k] as number) / 2;
        // Summed in bin order each time (bounded work, per finished run): decode rebuilds exactly the same total.
        s.total = sum(s.hist);
      }
      s.x = x;
      s.run = run;
      if (s.cool > 0) s.cool--;
      if (anomalous) s.cool = p.refractory;
      s.n++;
      s.last = t;
    }
    return {
      score,
      anomalous,
      expected: x,
      band: [x, x],
      observed: x,
      component: warm ? (same && run >= p.minRun ? 'flatline' : 'moving') : 'warm-up',
      seasonality: 'none',
    };
  }

  function encode(s: FlatlineState): EncodedFlatlineState {
    let end = bins;
    while (end > 0 && s.hist[end - 1] === 0) end--;
    return { v: 1, n: s.n, last: s.last, x: s.x, run: s.run, hist: s.hist.slice(0, end), cool: s.cool };
  }

  function decode(raw: unknown): FlatlineState | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const e = raw as Partial<EncodedFlatlineState>;
    if (e.v !== 1 || !isCount(e.n) || !isFiniteNumber(e.x) || !isCount(e.run) || !isCount(e.cool, p.refractory))
      return undefined;
    if (e.last !== null && !isFiniteNumber(e.last)) return undefined;
    if (!Array.isArray(e.hist) || e.hist.length > bins || !e.hist.every((c) => isFiniteNumber(c) && c >= 0))
      return undefined;
    // A run is at least one point once a point was seen, and never longer than the series.
    if (e.run > e.n || (e.n > 0 && e.run < 1)) return undefined;
    const hist = new Array<number>(bins).fill(0);
    for (const [k, c] of e.hist.entries()) hist[k] = c;
    const total = sum(hist);
    // Finite counts can still sum to Infinity, which would turn every tail into NaN.
    if (!Number.isFinite(total)) return undefined;
    return { n: e.n, last: e.last ?? null, x: e.x, run: e.run, hist, total, cool: e.cool };
  }

  return { kind: 'flatline', init, step, encode, decode };
}
