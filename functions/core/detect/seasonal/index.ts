// The 'seasonal' detector engine (issue 3): robust level + learned daily profile, components calibrated per series.
import { z } from 'zod';
import type { DetectorConfig } from '../../config/schema';
import { binPosition, type CalibrationOptions, record, type TailHistogram, tail } from '../calibration';
import {
  allFinite as allFinite64,
  base64ToBytes,
  bytesToBase64,
  bytesToFloat64,
  float64ToBytes,
  floatsToSparseBase64,
  isCount,
  isFiniteNumber,
  PackCache,
  sparseBase64ToFloats,
} from '../state-codec';
import { type Detection, type ScratchDetector, stepFrom } from '../types';

const DAY = 86_400_000;

/** `params` of a `kind: seasonal` detector; the defaults are the one configuration every series shares. */
export const seasonalParamsSchema = z.strictObject({
  /** Level EWMA weight (Huber-clipped updates, so single spikes barely move it). */
  alpha: z.number().gt(0).lte(1).default(0.05),
  /** Residual clip, in units of the residual scale. */
  huber: z.number().positive().default(2),
  /** Weight of the residual-scale EWMA. */
  alphaScale: z.number().gt(0).lte(1).default(0.01),
  /** Daily profile: slots per day (interpolated between slot centres) and their EWMA weight. */
  slots: z.number().int().min(4).max(288).default(96),
  alphaSeason: z.number().gt(0).lte(1).default(0.3),
  /** The profile is used once two days were seen and only while it cuts the squared error below this fraction. */
  seasonGain: z.number().gt(0).lte(1).default(0.8),
  /**
   * Weekly seasonality: a day-of-week offset (each weekday's mean of the deseasonalised value, against the mean of
   * all seven) on top of the level and the daily profile. Used once two weeks were seen and only while it cuts the
   * squared error below `seasonGain` of the error without it; `false` turns it off.
   */
  weekly: z.boolean().default(true),
  /** How far one day's mean moves its weekday's offset (an EWMA over weeks). */
  alphaWeek: z.number().gt(0).lte(1).default(0.5),
  /**
   * Residuals enter that comparison capped at this many residual scales, so a run of outliers weighs like ordinary
   * profile misses instead of switching the profile off (ensemble NAB 70.93 / 64.17 / 74.79 vs 70.58 / 63.48 / 74.55
   * at 10, 5 fewer false pages; seasonal alone 59.45 vs 58.16).
   */
  modelErrorCap: z.number().positive().default(5),
  /** Level-shift / variance statistics (fast) and drift / reference variance (slow). */
  alphaFast: z.number().gt(0).lte(1).default(0.2),
  alphaSlow: z.number().gt(0).lte(1).default(0.01),
  /** Short-term smoothing of each raw statistic before it is calibrated. */
  alphaShort: z.number().gt(0).lte(1).default(0.5),
  /** Calibration history (points) and histogram resolution. */
  memory: z.number().int().min(50).default(1000),
  binsPerOctave: z.number().int().min(1).max(16).default(4),
  bins: z.number().int().min(8).max(128).default(48),
  prior: z.number().positive().default(1),
  kappa: z.number().nonnegative().default(2),
  /** Secondary components (level shift, variance, drift) must be this many times rarer than a spike to win. */
  penalty: z.number().min(1).default(10),
  /** Absolute floors: z-score for spike/level-shift/drift, variance ratio for variance. */
  minZ: z.number().nonnegative().default(4),
  minVarRatio: z.number().min(1).default(3),
  /** Points before the detector may score; calibration starts learning halfway through. */
  warmup: z.number().int().min(2).default(100),
  /** Points after a detection during which the series is not scored again (one page per incident). */
  refractory: z.number().int().min(0).default(100),
  /** Score = −log10(tail probability) / scoreDigits, capped at 1. */
  scoreDigits: z.number().positive().default(4),
});
export type SeasonalParams = z.output<typeof seasonalParamsSchema>;

const COMPONENTS = ['spike', 'level-shift', 'variance', 'drift'] as const;
const NC = COMPONENTS.length;
const LEVEL_SHIFT = 1;

export interface SeasonalState {
  /** Points learned. */
  n: number;
  /** Timestamp of the first learned point (the profile needs two days of history). */
  t0: number;
  lastX: number;
  /** Smallest non-zero step between consecutive values: the resolution floor of the scale. */
  quantum: number;
  /** Deseasonalised level, and a plain level used while the profile does not pay. */
  level: number;
  plain: number;
  /**
   * Daily profile, learned in Float32: the state saves it as 4 bytes a slot (0.5 KB less than Float64 at 96 slots,
   * what keeps a stored series under 4 KB, one write unit less) and still round-trips exactly.
   */
  day: Float32Array;
  /** Slow EWMAs of squared error with and without the profile. */
  errS: number;
  errP: number;
  /** Robust residual scale (EWMA of clipped |residual|, ×1.25 ≈ σ for Gaussian noise). */
  scale: number;
  fast: number;
  slow: number;
  vfast: number;
  vslow: number;
  short: Float64Array;
  hist: TailHistogram;
  /** Points left in the refractory period. */
  refr: number;
  /**
   * Weekly offsets and their bookkeeping: `week` holds the seven weekday means of (value − daily profile) (weekday =
   * epoch day mod 7), `weekSeen` a bit per weekday that has one; `daySum`/`dayCount` accumulate the current epoch day
   * `dayNo` (−1 before any); `levelW` is the weekly model's own level (learned net of the offsets); `errW` and `errB`
   * are very slow EWMAs of the squared error of the weekly model and of the model in use without it.
   */
  week: Float64Array;
  weekSeen: number;
  daySum: number;
  dayCount: number;
  dayNo: number;
  errW: number;
  levelW: number;
  errB: number;
}

/** Weekly fields of a state that has none yet (also what older saved states decode with). */
function noWeek(
  errS: number,
  level: number,
): Pick<SeasonalState, 'week' | 'weekSeen' | 'daySum' | 'dayCount' | 'dayNo' | 'errW' | 'levelW' | 'errB'> {
  // No weekly error measured yet: as bad as the other models', so the gate stays shut until the model earns it.
  return {
    week: new Float64Array(7),
    weekSeen: 0,
    daySum: 0,
    dayCount: 0,
    dayNo: -1,
    errW: errS,
    levelW: level,
    errB: errS,
  };
}

/** The weekly fields packed in version 4's `w`, in this order. */
const WEEK_FLOATS = 7 + 7;

/**
 * What `record` keeps true of a tail histogram: no negative count, and every component's row summing to `total` (each
 * point adds one to every row; halving halves both). A corrupt state breaking it would give NaN or false tails.
 */
function histogramConsistent(counts: Float64Array, total: number, rows: number, bins: number): boolean {
  if (!(total >= 0)) return false;
  for (let c = 0; c < rows; c++) {
    let sum = 0;
    for (let b = 0; b < bins; b++) {
      const v = counts[c * bins + b]!;
      if (v < 0) return false;
      sum += v;
    }
    if (Math.abs(sum - total) > 1e-9 * Math.max(1, total)) return false;
  }
  return true;
}
const ALL_WEEKDAYS = 0b1111111;

function normalize(params: unknown): SeasonalParams {
  return seasonalParamsSchema.parse(params ?? {});
}

const toBase64 = (a: Float64Array): string => bytesToBase64(float64ToBytes(a));

/** Version 1's profile, read as leniently as it always was (Buffer's decoder), then checked for length. */
const fromBase64 = (s: string, length: number): Float64Array | undefined =>
  bytesToFloat64(new Uint8Array(Buffer.from(s, 'base64')), length);

const ENCODED_KEYS = [
  'v',
  'n',
  't0',
  'lastX',
  'quantum',
  'level',
  'plain',
  'day',
  'errS',
  'errP',
  'scale',
  'fast',
  'slow',
  'vfast',
  'vslow',
  'short',
  'hist',
  'total',
  'refr',
] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set(ENCODED_KEYS);

/** Version 1: every float as JSON decimal text (still read). */
interface EncodedSeasonalState {
  v: 1;
  n: number;
  t0: number;
  lastX: number;
  quantum: number;
  level: number;
  plain: number;
  day: string;
  errS: number;
  errP: number;
  scale: number;
  fast: number;
  slow: number;
  vfast: number;
  vslow: number;
  short: number[];
  hist: number[];
  total: number;
  refr: number;
}

/**
 * Version 3: `f` holds the SCALARS as Float64 bytes (exact, ~35% shorter than decimals); `p` the daily profile as
 * Float32 bytes; `hist` the tail histogram as sparse trimmed floats (mostly zeros and halved counts; state-codec
 * `floatsToSparseBase64`); `w` the weekly fields as Float64 bytes (WEEK_FLOATS of them). Version 2 (still read) had
 * the profile in Float64 after the scalars in `f`, the histogram deflated (a little smaller, ~10× dearer to save and
 * load on every batch) and no weekly fields.
 */
interface EncodedSeasonalStateV3 {
  v: 3;
  n: number;
  refr: number;
  f: string;
  p: string;
  hist: string;
  w: string;
}

/** The floats packed in `f`: the scalar fields, `short` (NC values) and the histogram total (version 2: then the profile). */
const SCALARS = 12 + NC + 1;

const allFinite = (a: unknown, length: number): a is number[] => {
  if (!Array.isArray(a) || a.length !== length) return false;
  for (let k = 0; k < length; k++) if (!isFiniteNumber(a[k])) return false;
  return true;
};

/**
 * The encoded state, checked by hand: it is read on every state load, where a schema library cost more than the
 * detection itself. Accepts exactly what the zod strictObject it replaced accepted (no extra keys, finite numbers,
 * safe non-negative integers for the counts, exact array lengths).
 */
function isEncoded(raw: unknown, bins: number): raw is EncodedSeasonalState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const e = raw as Record<string, unknown>;
  // Every known key is required by the checks below; only unknown ones need looking for.
  for (const key in e) if (Object.hasOwn(e, key) && !KNOWN_KEYS.has(key)) return false;
  return (
    e.v === 1 &&
    isCount(e.n) &&
    isFiniteNumber(e.t0) &&
    isFiniteNumber(e.lastX) &&
    isFiniteNumber(e.quantum) &&
    isFiniteNumber(e.level) &&
    isFiniteNumber(e.plain) &&
    typeof e.day === 'string' &&
    isFiniteNumber(e.errS) &&
    isFiniteNumber(e.errP) &&
    isFiniteNumber(e.scale) &&
    isFiniteNumber(e.fast) &&
    isFiniteNumber(e.slow) &&
    isFiniteNumber(e.vfast) &&
    isFiniteNumber(e.vslow) &&
    allFinite(e.short, NC) &&
    allFinite(e.hist, NC * bins) &&
    isFiniteNumber(e.total) &&
    isCount(e.refr)
  );
}

function makeStepInto(p: SeasonalParams, threshold: number) {
  const calib: CalibrationOptions = {
    bins: p.bins,
    binsPerOctave: p.binsPerOctave,
    prior: p.prior,
    kappa: p.kappa,
    memory: p.memory,
  };
  const slots = p.slots;
  const fastNorm = Math.sqrt(p.alphaFast / (2 - p.alphaFast));
  const slowNorm = Math.sqrt(p.alphaSlow / (2 - p.alphaSlow));
  const minLogVar = Math.log(p.minVarRatio);
  const positions = new Float64Array(NC);
  const shorts = new Float64Array(NC);
  // The weekday of the last epoch day seen (a pure function of the day, so safe to share between series): points
  // come in runs of the same day, and the two modulos are not free.
  let dowDay = Number.NaN;
  let dowOfDay = 0;

  return function stepInto(s: SeasonalState, t: number, x: number, learn: boolean, out: Detection): void {
    const dayNo = Math.floor(t / DAY);
    // Daily profile position, interpolated between the two nearest slot centres. The time of day is
    // ((t % DAY) + DAY) % DAY, computed without its two float modulos (library calls, a sixth of the step): for
    // 0 <= t < 2^52, t − dayNo·DAY is exactly t % DAY whenever it lands in [0, DAY) (both terms exact, their
    // difference representable); a quotient rounded up to the next day shows as a negative difference and takes the
    // original expression. The outer modulo of a sum in [DAY, 2·DAY] is an exact subtraction of DAY (0 at 2·DAY).
    let tod = t - dayNo * DAY;
    if (t >= 0 && t < 2 ** 52 && tod >= 0) {
      const shifted = tod + DAY;
      tod = shifted < 2 * DAY ? shifted - DAY : 0;
    } else tod = ((t % DAY) + DAY) % DAY;
    const u = (tod / DAY) * slots;
    const i = Math.min(slots - 1, Math.floor(u));
    const f = u - i - 0.5;
    // The neighbouring slot, wrapping round midnight (i is a whole slot index, or NaN for a NaN time).
    const j = f >= 0 ? (i + 1 === slots ? 0 : i + 1) : i === 0 ? slots - 1 : i - 1;
    const w = Math.abs(f);
    const seasonal = s.day[i]! * (1 - w) + s.day[j]! * w;
    const useSeason = s.n > 0 && t - s.t0 >= 2 * DAY && s.errS < p.seasonGain * s.errP;
    // Weekday offset: this weekday's mean against the mean of all seven (0 until every weekday has one).
    if (dayNo !== dowDay) {
      dowDay = dayNo;
      dowOfDay = ((dayNo % 7) + 7) % 7;
    }
    // The weekly arithmetic below runs on every point, its result used or not: code that first runs days into a
    // series (after a week of data, or once the weekly gate opens) would find no type feedback in the optimized step
    // and deoptimize it, and V8 (Node 20) then sometimes re-enters the step through on-stack replacement for the rest
    // of the process, 2–5× slower. Computing it always costs a few additions and gives the same values.
    const dow = dowOfDay;
    const wk = s.week;
    // The same additions in the same order as a loop from 0 (starting at 0 keeps a −0 first offset's sum at +0).
    const sum = 0 + wk[0]! + wk[1]! + wk[2]! + wk[3]! + wk[4]! + wk[5]! + wk[6]!;
    const weekly = p.weekly && s.weekSeen === ALL_WEEKDAYS ? s.week[dow]! - sum / 7 : 0;
    // The weekly model is a third candidate (its own level, the daily profile and the offset), used only while it
    // beats the better of the other two by the same margin the profile must beat the plain level.
    const weekGain = s.errW < p.seasonGain * s.errB;
    const useWeek = weekly !== 0 && s.n > 0 && t - s.t0 >= 14 * DAY && weekGain;
    const predWeek = s.levelW + seasonal + weekly;
    const pred = s.n === 0 ? x : useWeek ? predWeek : useSeason ? s.level + seasonal : s.plain;
    const r = x - pred;
    const scale = Math.max(s.scale, s.quantum, 1e-9 * Math.abs(pred), 1e-12);

    // Raw statistics of the four components, each made provisional with this point.
    const fast = s.fast + p.alphaFast * (r - s.fast);
    const slow = s.slow + p.alphaSlow * (r - s.slow);
    const r2 = Math.min(r * r, 100 * scale * scale);
    const vfast = s.vfast + p.alphaFast * (r2 - s.vfast);
    const raw0 = Math.abs(r) / scale;
    const raw1 = Math.abs(fast) / (scale * fastNorm);
    const raw2 = Math.min(20, Math.abs(Math.log((vfast + 1e-300) / (s.vslow + 1e-300))));
    const raw3 = Math.abs(slow) / (scale * slowNorm);

    let best = 1;
    let bestC = 0;
    for (let c = 0; c < NC; c++) {
      const raw = c === 0 ? raw0 : c === 1 ? raw1 : c === 2 ? raw2 : raw3;
      const sh = s.short[c]! + p.alphaShort * (Math.log1p(raw) - s.short[c]!);
      shorts[c] = sh;
      positions[c] = binPosition(sh, calib);
      // Below an absolute floor a statistic is ordinary whatever its history says (pure noise makes records too).
      if (raw < (c === 2 ? minLogVar : p.minZ)) continue;
      const q = c === 0 ? tail(s.hist, c, positions[c]!, calib) : tail(s.hist, c, positions[c]!, calib) * p.penalty;
      if (q < best) {
        best = q;
        bestC = c;
      }
    }

    const warm = s.n >= p.warmup;
    // No component below its floor leaves best at 1, whose −log10 is −0 (and −0 / digits stays −0): that value is
    // written directly, skipping the Math.log10 call on most points. Still −0, not 0, so nothing downstream changes.
    const calibrated = warm ? (best === 1 ? -0 : Math.min(1, -Math.log10(best) / p.scoreDigits)) : 0;
    const score = s.refr > 0 ? 0 : calibrated;
    const anomalous = warm && score >= threshold;
    const halfBand = 4 * scale;
    const component = warm ? COMPONENTS[bestC]! : 'warm-up';
    const seasonality = useWeek ? (useSeason ? 'daily+weekly' : 'weekly') : useSeason ? 'daily' : 'none';
    // Field by field, not through a helper: this runs four times a point inside the ensemble.
    out.score = score;
    out.anomalous = anomalous;
    out.expected = pred;
    out.band[0] = pred - halfBand;
    out.band[1] = pred + halfBand;
    out.observed = x;
    out.component = component;
    out.seasonality = seasonality;
    if (!learn) return;

    if (s.n === 0) {
      s.t0 = t;
      s.level = x;
      s.plain = x;
    } else {
      const dx = Math.abs(x - s.lastX);
      if (dx > 0 && (s.quantum === 0 || dx < s.quantum)) s.quantum = dx;
    }
    s.lastX = x;
    s.n += 1;
    const clip = p.huber * scale;
    const early = s.n < 10;
    const rS = x - s.level - seasonal;
    const rP = x - s.plain;
    const cap = p.modelErrorCap * p.modelErrorCap * scale * scale;
    s.errS += p.alphaScale * (Math.min(rS * rS, cap) - s.errS);
    s.errP += p.alphaScale * (Math.min(rP * rP, cap) - s.errP);
    if (p.weekly) {
      const rW = s.n === 1 ? 0 : x - s.levelW - seasonal - weekly;
      if (s.n === 1) s.levelW = x;
      // Compared over a ten times longer memory than the daily gate's: mid-week both models fit equally well, and
      // the weekly one earns its keep at the weekday changes.
      const rB = useSeason ? rS : rP;
      s.errW += 0.1 * p.alphaScale * (Math.min(rW * rW, cap) - s.errW);
      s.errB += 0.1 * p.alphaScale * (Math.min(rB * rB, cap) - s.errB);
      s.levelW += p.alpha * (early ? rW : Math.max(-clip, Math.min(clip, rW)));
      // The day's mean of the deseasonalised value; a finished day updates its weekday.
      // A point from an earlier day (only direct use of the engine can send one: the ensemble and the ingest path
      // drop out-of-order points first) must not close the running day nor count as a day of its own.
      if (dayNo >= s.dayNo || s.dayCount === 0) {
        if (dayNo !== s.dayNo) {
          if (s.dayCount > 0) {
            const d = ((s.dayNo % 7) + 7) % 7;
            const mean = s.daySum / s.dayCount;
            const bit = 1 << d;
            // Computed before the choice, for the same reason as the weekly offset: a weekday's first update is
            // not its first day.
            const updated = s.week[d]! + p.alphaWeek * (mean - s.week[d]!);
            s.week[d] = s.weekSeen & bit ? updated : mean;
            s.weekSeen |= bit;
          }
          s.dayNo = dayNo;
          s.daySum = 0;
          s.dayCount = 0;
        }
        s.daySum += x - seasonal;
        s.dayCount += 1;
      }
    }
    s.level += p.alpha * (early ? rS : Math.max(-clip, Math.min(clip, rS)));
    s.plain += p.alpha * (early ? rP : Math.max(-clip, Math.min(clip, rP)));
    // The profile learns from the model in use: while the weekly one is, the daily level's lag after each weekday
    // change would otherwise print itself into the hours after midnight.
    const rWeekDay = x - s.levelW - seasonal - weekly;
    const rDay = useWeek ? rWeekDay : x - s.level - seasonal;
    const de = p.alphaSeason * Math.max(-clip, Math.min(clip, rDay));
    s.day[i]! += de * (1 - w);
    s.day[j]! += de * w;
    s.scale += (s.n < 20 ? 0.2 : p.alphaScale) * (Math.min(Math.abs(r), clip) * 1.25 - s.scale);
    s.fast = fast;
    s.slow = slow;
    s.vfast = vfast;
    s.vslow += p.alphaSlow * (r2 - s.vslow);
    // Four plain stores instead of TypedArray.prototype.set (a builtin call that cost more than the copy).
    for (let c = 0; c < NC; c++) s.short[c] = shorts[c]!;
    if (s.n > p.warmup / 2) record(s.hist, positions, calib);
    if (anomalous) {
      s.refr = p.refractory;
      // A confirmed level shift re-baselines at once instead of firing until the slow level catches up.
      if (bestC === LEVEL_SHIFT) {
        s.level += fast;
        s.plain += fast;
        s.levelW += fast;
        s.fast = 0;
        s.slow = 0;
      }
    } else if (s.refr > 0) s.refr -= 1;
  };
}

/**
 * The statistical streaming ensemble: O(1) work per point, state ≈ 1.6 KB as JSON (floats as Float64 bytes, the tail
 * histogram deflated).
 */
export function seasonalDetector(config: DetectorConfig): ScratchDetector<SeasonalState> {
  const p = normalize(config.params);
  const stepInto = makeStepInto(p, config.scoreThreshold);
  // Reading version 2's deflated histogram (states saved before version 3).
  const packs = new PackCache(256 * 1024);
  /** The version 3 or 2 form, or undefined (then the version 1 reader gets its turn). */
  function decodePacked(raw: unknown): SeasonalState | undefined {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const e = raw as Record<string, unknown>;
    if (e.v !== 2 && e.v !== 3) return undefined;
    if (!isCount(e.n) || !isCount(e.refr) || Object.keys(e).length !== (e.v === 3 ? 7 : 5)) return undefined;
    let weekFields = undefined as ReturnType<typeof noWeek> | undefined;
    let day: Float32Array | undefined;
    if (e.v === 3) {
      const pBytes = base64ToBytes(e.p);
      if (!pBytes || pBytes.length !== 4 * p.slots) return undefined;
      day = new Float32Array(p.slots);
      new Uint8Array(day.buffer).set(pBytes);
      for (let k = 0; k < p.slots; k++) if (!Number.isFinite(day[k])) return undefined;
      const wBytes = base64ToBytes(e.w);
      const wf = wBytes && bytesToFloat64(wBytes, WEEK_FLOATS);
      if (!wf || !allFinite64(wf) || !isCount(wf[7], ALL_WEEKDAYS) || !isCount(wf[9])) return undefined;
      // Any whole epoch day (before 1970 too); squared-error EWMAs are never negative.
      if (!Number.isSafeInteger(wf[10]) || wf[11]! < 0 || wf[13]! < 0) return undefined;
      weekFields = {
        week: wf.slice(0, 7),
        weekSeen: wf[7]!,
        daySum: wf[8]!,
        dayCount: wf[9]!,
        dayNo: wf[10]!,
        errW: wf[11]!,
        levelW: wf[12]!,
        errB: wf[13]!,
      };
    }
    const fBytes = base64ToBytes(e.f);
    const f = fBytes && bytesToFloat64(fBytes, e.v === 3 ? SCALARS : SCALARS + p.slots);
    const deflated = e.v === 2 ? packs.inflate(e.hist, NC * p.bins * 8) : undefined;
    const counts =
      e.v === 2 ? deflated && bytesToFloat64(deflated, NC * p.bins) : sparseBase64ToFloats(e.hist, NC * p.bins);
    if (!f || !counts || !allFinite64(f) || !allFinite64(counts)) return undefined;
    if (!histogramConsistent(counts, f[12 + NC]!, NC, p.bins)) return undefined;
    // `short` holds EWMAs of log1p of non-negative statistics: never below 0.
    for (let c = 0; c < NC; c++) if (f[12 + c]! < 0) return undefined;
    return {
      n: e.n,
      t0: f[0]!,
      lastX: f[1]!,
      quantum: f[2]!,
      level: f[3]!,
      plain: f[4]!,
      // Version 2 kept the profile in Float64: rounded once to the Float32 the engine now learns it in.
      day: day ?? Float32Array.from(f.subarray(SCALARS)),
      errS: f[5]!,
      errP: f[6]!,
      scale: f[7]!,
      fast: f[8]!,
      slow: f[9]!,
      vfast: f[10]!,
      vslow: f[11]!,
      short: f.slice(12, 12 + NC),
      hist: { counts, total: f[12 + NC]! },
      refr: e.refr,
      ...(weekFields ?? noWeek(Math.max(f[5]!, f[6]!), f[3]!)),
    };
  }

  return {
    kind: 'seasonal',
    init: (): SeasonalState => ({
      n: 0,
      t0: 0,
      lastX: 0,
      quantum: 0,
      level: 0,
      plain: 0,
      day: new Float32Array(p.slots),
      errS: 0,
      errP: 0,
      scale: 0,
      fast: 0,
      slow: 0,
      vfast: 0,
      vslow: 0,
      short: new Float64Array(NC),
      hist: { counts: new Float64Array(NC * p.bins), total: 0 },
      refr: 0,
      ...noWeek(0, 0),
    }),
    step: stepFrom(stepInto),
    stepInto,
    encode: (s): EncodedSeasonalStateV3 => {
      const f = new Float64Array(SCALARS);
      f[0] = s.t0;
      f[1] = s.lastX;
      f[2] = s.quantum;
      f[3] = s.level;
      f[4] = s.plain;
      f[5] = s.errS;
      f[6] = s.errP;
      f[7] = s.scale;
      f[8] = s.fast;
      f[9] = s.slow;
      f[10] = s.vfast;
      f[11] = s.vslow;
      f.set(s.short, 12);
      f[12 + NC] = s.hist.total;
      const w = new Float64Array(WEEK_FLOATS);
      w.set(s.week, 0);
      w[7] = s.weekSeen;
      w[8] = s.daySum;
      w[9] = s.dayCount;
      w[10] = s.dayNo;
      w[11] = s.errW;
      w[12] = s.levelW;
      w[13] = s.errB;
      return {
        v: 3,
        n: s.n,
        refr: s.refr,
        f: toBase64(f),
        p: bytesToBase64(new Uint8Array(s.day.buffer, s.day.byteOffset, s.day.byteLength)),
        hist: floatsToSparseBase64(s.hist.counts),
        w: toBase64(w),
      };
    },
    decode: (raw) => {
      const packed = decodePacked(raw);
      if (packed) return packed;
      if (!isEncoded(raw, p.bins)) return undefined;
      const e = raw;
      const day = fromBase64(e.day, p.slots);
      if (!day || !histogramConsistent(Float64Array.from(e.hist), e.total, NC, p.bins)) return undefined;
      if (e.short.some((v) => v < 0)) return undefined;
      return {
        n: e.n,
        t0: e.t0,
        lastX: e.lastX,
        quantum: e.quantum,
        level: e.level,
        plain: e.plain,
        day: Float32Array.from(day),
        errS: e.errS,
        errP: e.errP,
        scale: e.scale,
        fast: e.fast,
        slow: e.slow,
        vfast: e.vfast,
        vslow: e.vslow,
        short: Float64Array.from(e.short),
        hist: { counts: Float64Array.from(e.hist), total: e.total },
        refr: e.refr,
        ...noWeek(Math.max(e.errS, e.errP), e.level),
      };
    },
  };
}
