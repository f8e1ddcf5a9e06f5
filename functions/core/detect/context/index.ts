// The 'context' detector engine (registry kind 'context'): share of never-seen value contexts, made conformal; reached through functions/core/detect/index.ts, alone or as an ensemble member.
import { z } from 'zod';
import type { DetectorConfig } from '../../config/schema';
import { ConfigError, issuesFromZod } from '../../errors';
import { conformalParams, recordScore, savedHistogramTotal } from '../conformal';
import { base64ToBytes, isCount, isFiniteNumber, sparseBase64ToWords, wordsToSparseBase64 } from '../state-codec';
import { type Detection, quietInto, type ScratchDetector, stepFrom } from '../types';

const paramsSchema = z.strictObject({
  /** Quantization levels spanning the range seen so far; values outside it get levels beyond. */
  levels: z.number().int().min(2).max(64).default(16),
  /** Longest context, in points: contexts of 1…order points ending at the current one are the active ones. */
  order: z.number().int().min(1).max(16).default(2),
  /** Hash-table sets (a power of two); each holds `ways` fingerprints kept in least-recently-seen order. */
  sets: z.number().int().min(4).max(4096).default(128),
  ways: z.number().int().min(1).max(16).default(4),
  /** Points over which novelty is averaged before it is ranked (finer evidence than one point's share). */
  smooth: z.number().int().min(1).max(16).default(1),
  /** horizon (of novelty shares), warmup, refractory, outside. */
  ...conformalParams,
  /** Hash seed: fingerprints of different deployments need not collide alike. */
  seed: z.number().int().min(0).max(0xffffffff).default(0x9e3779b9),
});
export type ContextParams = z.infer<typeof paramsSchema>;

/** Resolution of the novelty histogram (raw scores are shares in [0, 1]). */
const BINS = 33;
/** Level of the range's low end, so values below the range keep distinct levels. */
const OFFSET = 1024;

export interface ContextState {
  /** Points learned. */
  n: number;
  /** Epoch ms of the last learned point; older or equal timestamps are scored 0 and not learned. */
  last: number | null;
  /** Range seen so far, the quantization frame. */
  lo: number;
  hi: number;
  /** Ring of the last `order - 1` values (requantized in the current frame at each point). */
  recent: number[];
  rpos: number;
  /** Context fingerprints (16 bits, 0 = empty), `ways` per set, most recently seen first. */
  table: Uint16Array;
  /** Ring of the last `smooth - 1` novelty shares. */
  novel: number[];
  npos: number;
  /** Counts of past (smoothed) novelty by histogram bin, halved when they reach 2×horizon. */
  hist: number[];
  total: number;
  /** Points left in the refractory period. */
  cool: number;
}

/**
 * Version 2: the table sparse (a bitmap of the filled slots, then their fingerprints; a typical table is half
 * empty and fingerprints do not compress) and no total (it is the histogram's sum).
 */
export interface EncodedContextState {
  v: 2;
  n: number;
  last: number | null;
  lo: number;
  hi: number;
  recent: number[];
  rpos: number;
  table: string;
  novel: number[];
  npos: number;
  hist: number[];
  cool: number;
}

/** Version 1 (still read): the whole table as little-endian words, and the histogram's total alongside it. */
export type EncodedContextStateV1 = Omit<EncodedContextState, 'v'> & { v: 1; total: number };

/** Version 1's table: every word, little-endian. */
function fromBase64(text: string, words: number): Uint16Array | undefined {
  const bytes = base64ToBytes(text);
  if (!bytes || bytes.length !== words * 2) return undefined;
  const out = new Uint16Array(words);
  for (let i = 0; i < words; i++) out[i] = (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8);
  return out;
}

export function contextDetector(config: DetectorConfig): ScratchDetector<ContextState> {
  const parsed = paramsSchema.safeParse(config.params ?? {});
  if (!parsed.success) throw new ConfigError(issuesFromZod(parsed.error.issues, ['detectors', config.name, 'params']));
  const p = parsed.data;
  if ((p.sets & (p.sets - 1)) !== 0)
    throw new ConfigError([{ path: `detectors.${config.name}.params.sets`, message: 'must be a power of two' }]);
  const K = p.order;
  const R = K - 1;
  const S = p.smooth - 1;
  const ways = p.ways;
  const mask = p.sets - 1;
  const warmup = Math.max(p.warmup, K);
  const threshold = config.scoreThreshold;
  // Scratch: the current context's levels, newest first (the instance is shared by series; steps are synchronous).
  const lev = new Int32Array(K);

  function init(): ContextState {
    return {
      n: 0,
      last: null,
      lo: 0,
      hi: 0,
      recent: new Array<number>(R).fill(0),
      rpos: 0,
      table: new Uint16Array(p.sets * ways),
      novel: new Array<number>(S).fill(0),
      npos: 0,
      hist: new Array<number>(BINS).fill(0),
      total: 0,
      cool: 0,
    };
  }

  /** The level of v in the frame starting at lo; values outside the frame keep distinct levels up to a cap. */
  function quant(v: number, lo: number, scale: number): number {
    const b = Math.floor((v - lo) * scale) + OFFSET;
    return b < 0 ? 0 : Math.min(b, 2 * OFFSET);
  }

  /** Looks a fingerprint up in its set, moving it to the front (inserting it there when `learn`); true when new. */
  function touch(table: Uint16Array, h: number, learn: boolean): boolean {
    const base = (h & mask) * ways;
    const fp = h >>> 16 || 1;
    let at = ways - 1;
    let found = false;
    for (let j = 0; j < ways; j++) {
      const v = table[base + j] as number;
      if (v === fp) {
        at = j;
        found = true;
        break;
      }
      if (v === 0) {
        at = j;
        break;
      }
    }
    if (learn) {
      // Least recently seen falls off the end: a bounded memory of the contexts that keep coming back.
      for (let j = at; j > 0; j--) table[base + j] = table[base + j - 1] as number;
      table[base] = fp;
    }
    return !found;
  }

  function stepInto(s: ContextState, t: number, x: number, learn: boolean, out: Detection): void {
    if (s.last !== null && t <= s.last) {
      quietInto(out, x, 'out-of-order');
      return;
    }
    const lo = s.n === 0 ? x : s.lo;
    const hi = s.n === 0 ? x : s.hi;
    const scale = hi > lo ? p.levels / (hi - lo) : 0;
    const outside = x > hi || x < lo;
    const ready = s.n >= R;

    // Levels newest first: x, then the ring backwards from rpos.
    lev[0] = quant(x, lo, scale);
    let i = s.rpos;
    for (let j = 1; j < K; j++) {
      i = i === 0 ? R - 1 : i - 1;
      lev[j] = quant(s.recent[i] as number, lo, scale);
    }

    // The active contexts: the last 1…K levels, each fingerprinted by a seeded multiplicative hash chain.
    let fresh = 0;
    let h = p.seed >>> 0;
    const table = s.table;
    for (let k = 0; k < K; k++) {
      h = Math.imul(h ^ ((lev[k] as number) + 1), 0x85ebca6b) >>> 0;
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
      h ^= h >>> 16;
      if (touch(table, h >>> 0, learn && ready)) fresh++;
    }
    const share = fresh / K;
    let sum = share;
    for (let j = 0; j < S; j++) sum += s.novel[j] as number;
    const raw = sum / (S + 1);
    const bin = Math.min(BINS - 1, Math.round(raw * (BINS - 1)));

    let score = 0;
    if (ready && s.n >= warmup && s.total > 0) {
      // Conformal p-value: the share of past novelty at least as large as this one.
      let below = 0;
      for (let b = 0; b < bin; b++) below += s.hist[b] as number;
      let pValue = (s.total - below + 1) / (s.total + 1);
      if (outside) pValue *= p.outside;
      score = 1 - pValue;
    }
    const resting = s.cool > 0;
    const damped = resting ? score / 2 : score;
    const anomalous = damped >= threshold;
    const component =
      !ready || s.n < warmup ? 'warm-up' : outside ? 'out-of-range' : fresh > 0 ? 'novel-pattern' : 'known-pattern';
    const unit = hi > lo ? (hi - lo) / p.levels : 0;
    const expected = s.n === 0 ? x : Math.min(hi, Math.max(lo, x));

    if (learn) {
      if (s.cool > 0) s.cool--;
      if (anomalous) s.cool = p.refractory;
      if (ready) {
        s.total = recordScore(s.hist, s.total, bin, p.horizon);
        if (S > 0) {
          s.novel[s.npos] = share;
          s.npos = (s.npos + 1) % S;
        }
      }
      if (s.n === 0 || x < s.lo) s.lo = x;
      if (s.n === 0 || x > s.hi) s.hi = x;
      if (R > 0) {
        s.recent[s.rpos] = x;
        s.rpos = (s.rpos + 1) % R;
      }
      s.n++;
      s.last = t;
    }
    // Field by field, not through a helper: this runs four times a point inside the ensemble.
    out.score = damped;
    out.anomalous = anomalous;
    out.expected = expected;
    out.band[0] = expected - unit / 2;
    out.band[1] = expected + unit / 2;
    out.observed = x;
    out.component = component;
    out.seasonality = 'none';
  }

  const step = stepFrom(stepInto);

  function encode(s: ContextState): EncodedContextState {
    return {
      v: 2,
      n: s.n,
      last: s.last,
      lo: s.lo,
      hi: s.hi,
      recent: [...s.recent],
      rpos: s.rpos,
      table: wordsToSparseBase64(s.table),
      novel: [...s.novel],
      npos: s.npos,
      hist: [...s.hist],
      cool: s.cool,
    };
  }

  /** Reads version 2 and the older version 1. */
  function decode(raw: unknown): ContextState | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const e = raw as Partial<EncodedContextStateV1> | Partial<EncodedContextState>;
    if (e.v !== 1 && e.v !== 2) return undefined;
    if (!isCount(e.n) || !isFiniteNumber(e.lo) || !isFiniteNumber(e.hi) || e.lo > e.hi) return undefined;
    if (e.last !== null && !isFiniteNumber(e.last)) return undefined;
    if (!Array.isArray(e.recent) || e.recent.length !== R || !e.recent.every(isFiniteNumber)) return undefined;
    if (!isCount(e.rpos, Math.max(R - 1, 0))) return undefined;
    if (!Array.isArray(e.novel) || e.novel.length !== S || !e.novel.every((v) => isFiniteNumber(v) && v >= 0 && v <= 1))
      return undefined;
    if (!isCount(e.npos, Math.max(S - 1, 0))) return undefined;
    const total = savedHistogramTotal(e.hist, BINS);
    if (total === undefined || (e.v === 1 && e.total !== total) || !isCount(e.cool, p.refractory)) return undefined;
    if (typeof e.table !== 'string') return undefined;
    const table = e.v === 1 ? fromBase64(e.table, p.sets * ways) : sparseBase64ToWords(e.table, p.sets * ways);
    if (!table) return undefined;
    return {
      n: e.n,
      last: e.last ?? null,
      lo: e.lo,
      hi: e.hi,
      recent: [...e.recent],
      rpos: e.rpos,
      table,
      novel: [...e.novel],
      npos: e.npos,
      hist: [...(e.hist as number[])],
      total,
      cool: e.cool,
    };
  }

  return { kind: 'context', init, step, stepInto, encode, decode };
}
