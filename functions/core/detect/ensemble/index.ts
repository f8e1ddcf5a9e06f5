// The 'ensemble' detector engine (registry kind 'ensemble'): member engines' tail probabilities pooled into one score with one refractory period; reached through functions/core/detect/index.ts.
import { z } from 'zod';
import { type DetectorConfig, detectorSchema } from '../../config/schema';
import { ConfigError, formatPath, type Issue, issuesFromZod } from '../../errors';
import { contextDetector } from '../context';
import { flatlineDetector } from '../flatline';
import { knnDetector } from '../knn';
import { seasonalDetector } from '../seasonal';
import {
  blankDetection,
  type Detection,
  quietDetection,
  type ScratchDetector,
  type StreamingDetector,
  writeDetection,
} from '../types';

/**
 * Engines an ensemble may hold, and how each one's score maps back to a tail probability: −log10(tail) / digits for
 * an engine with `scoreDigits`, 1 − a conformal p-value for the others.
 */
const MEMBER_KINDS = {
  seasonal: {
    create: seasonalDetector as (c: DetectorConfig) => ScratchDetector<unknown>,
    // Seasonal scores are −log10(tail) / scoreDigits (capped at 1). The digits are read once, not per point.
    scoreDigits: (params: Record<string, unknown>): number =>
      typeof params.scoreDigits === 'number' ? params.scoreDigits : 4,
  },
  knn: {
    create: knnDetector as (c: DetectorConfig) => ScratchDetector<unknown>,
    // Knn scores are 1 − conformal p-value.
  },
  context: {
    create: contextDetector as (c: DetectorConfig) => ScratchDetector<unknown>,
    // Context scores are 1 − conformal p-value too.
  },
  // Opt-in, not a default member: its NAB gain hung on one marginal window (docs/detection.md).
  flatline: {
    create: (c: DetectorConfig) => withStepInto(flatlineDetector(c) as StreamingDetector<unknown>),
    // Flatline scores are 1 − the tail probability of the current run's length.
  },
} as const;
type MemberKind = keyof typeof MEMBER_KINDS;

/** An engine without its own `stepInto`: its fresh detection copied into the scratch (the opt-in, rarer members). */
function withStepInto<S>(detector: StreamingDetector<S>): ScratchDetector<S> {
  return {
    ...detector,
    stepInto(state, t, x, learn, out) {
      const d = detector.step(state, t, x, learn);
      writeDetection(
        out,
        d.score,
        d.anomalous,
        d.expected,
        d.band[0],
        d.band[1],
        d.observed,
        d.component,
        d.seasonality,
      );
    },
  };
}

/** Tail probabilities below this are treated as this (a conformal p-value of exactly 0 would dominate forever). */
const MIN_TAIL = 1e-6;

/**
 * log10 of the tail of a score that is 1 − a p-value. A score of 0 (most points: a known pattern) is a tail of exactly
 * 1, whose log10 is exactly 0: answered without the Math.log10 call, the same value.
 */
function conformalLog10Tail(score: number): number {
  return score === 0 ? 0 : Math.log10(Math.max(1 - score, MIN_TAIL));
}

const memberSchema = z
  .looseObject({
    /** Share of this member's −log10(tail) in the pooled statistic (1 = a full Fisher term). */
    weight: z.number().positive().max(10).default(1),
  })
  .transform(({ weight, ...rest }) => ({ weight, rest }));

/**
 * The default members: the seasonal statistics, two resolutions of the nearest-neighbour novelty and, at half
 * weight, the never-seen share of short value contexts (NAB 67.88 / 59.88 / 71.92 with it, 66.92 / 59.48 / 70.87
 * without). The seasonal
 * member scores over 8 digits instead of 4 (same cut: 0.325 × 8 = 0.65 × 4) so its evidence is not capped at 1e-4.
 * Its error histogram stops at 32 quarter-octave bins (8 octaves): beyond that every error is equally extreme for
 * the pool, and the shorter tail ranks the pooled scores better (NAB 69.04 / 60.02 / 73.52; 28–36 bins all beat
 * 48). The context member's 64 sets (not 128) cost nothing measurable and keep the state ~0.7 KB smaller.
 */
const DEFAULT_MEMBERS = [
  { name: 'seasonal', kind: 'seasonal', scoreThreshold: 0.325, params: { scoreDigits: 8, bins: 32 } },
  { name: 'knn', kind: 'knn', scoreThreshold: 0.9, params: { context: 8, levels: 8, memory: 128, tolerance: 2 } },
  {
    name: 'knn-coarse',
    kind: 'knn',
    scoreThreshold: 0.9,
    params: { context: 8, levels: 4, memory: 128, tolerance: 1 },
  },
  // Novelty of the current value and of its transition from the last one, at a finer resolution than knn's.
  { name: 'context', kind: 'context', scoreThreshold: 0.9, weight: 0.5, params: { sets: 64 } },
];

const paramsSchema = z.strictObject({
  /** Member engines, each configured like a standalone detector (`name`, `kind`, `params`, …) plus a `weight`. */
  members: z.array(z.unknown()).min(1).max(8).default(DEFAULT_MEMBERS),
  /** Score = pooled −log10(tail) / digits, capped at 1. */
  digits: z.number().positive().default(8),
  /** Points after a firing during which the series does not fire again (one page per incident). */
  refractory: z.number().int().min(0).max(100_000).default(100),
  /**
   * Digits of pooled evidence asked per decade of recent pages: a series that keeps paging must show stronger
   * evidence to page again (a multiple-testing correction for its own alarm rate; NAB low-FP 60.02 → 63.48, fewer
   * false pages in 5 of 6 categories and no window lost). 0 turns it off.
   */
  repeatPenalty: z.number().min(0).max(8).default(2),
  /**
   * Points over which a page is remembered (e-folding length of the page count's decay). A page also counts in
   * proportion to how much of this horizon the series has lived (age / pageMemory, capped at 1): pages of a young
   * series mostly reflect the members' warm-up, not how noisy the series is. With that, a memory of 2,000 points
   * (not 1,000) keeps a bursty series from re-paging every ~1,000 points without costing young series a window:
   * NAB 70.93 / 64.17 / 74.79 → 71.32 / 65.04 / 75.04, 100 → 93 false-positive rows, 66 windows either way.
   */
  pageMemory: z.number().positive().max(1_000_000).default(2000),
  /**
   * Glitch guard: a value further beyond the range the members have learned than this many times its width is scored
   * (and may page) but not learned, unless the value before was held too or it comes back near the last value held
   * (a pattern: a nightly spike, a recurring burst). One wild value (a counter glitch, a
   * unit slip, an emitter's sentinel) would otherwise stretch the knn and context frames for good and re-baseline the
   * seasonal level: on a synthetic wave, a later dip, shape change and shift all went unseen after one value of 100×
   * the level; with the guard all three page. NAB-neutral: 71.39 / 65.17 / 75.09 → 71.39 / 65.18 / 75.09 at 10,
   * unchanged at 30 and 1,000; at 3 it holds ordinary spikes too (68 windows but 121 false rows). A range of one
   * value never holds (a constant series' first change is learned: sparse counts must learn their first 1). 0 turns
   * it off.
   */
  holdBeyond: z.number().min(0).max(1_000_000).default(10),
});

/** Learned points before the glitch guard trusts the range it measures against. */
const GUARD_AFTER = 50;
export type EnsembleParams = z.output<typeof paramsSchema>;

interface Member {
  name: string;
  weight: number;
  detector: ScratchDetector<unknown>;
  /** `detector.stepInto`, read off the Member (one shape) rather than off engines of four shapes. */
  stepInto: ScratchDetector<unknown>['stepInto'];
  /** This member's detection of the current point (reused: steps are synchronous, and nothing keeps it). */
  seen: Detection;
  /** The seasonal member's score digits (its score is −log10(tail) / digits); 0 for a conformal score. */
  digits: number;
  /** `name:component` by component (a handful each): the lead's explanation without a string built per point. */
  labels: Map<string, string>;
}

export interface EnsembleState {
  /** Member states, in member order. */
  members: unknown[];
  /** Epoch ms of the last learned point; older or equal timestamps are not scored nor learned. */
  last: number | null;
  /** Points left in the refractory period. */
  cool: number;
  /** Recent pages, each decaying by e every `pageMemory` points. */
  pages: number;
  /** Points learned, capped at `pageMemory` (a page weighs age / pageMemory). */
  age: number;
  /** Range of every value the members learned (the glitch guard's yardstick); `rn` counts them up to GUARD_AFTER. */
  lo: number;
  hi: number;
  rn: number;
  /** The last point was held back from the members' learning: the next one is learned whatever it is. */
  held: boolean;
  /** The last value held back (null: none yet): a far value that comes back is a pattern, and is learned. */
  heldValue: number | null;
}

export interface EncodedEnsembleState {
  v: 1;
  m: unknown[];
  last: number | null;
  cool: number;
  /** Absent in states written before the page count existed (read as 0). */
  pages?: number;
  /** Absent in states written before pages were weighed by age (read as a mature series). */
  age?: number;
  /**
   * The glitch guard: its range [lo, hi], the points in it (rn), whether the last point was held and the last value
   * held (null: none); absent before the guard existed.
   */
  g?: [number, number, number, 0 | 1, number | null];
}

/** Kinds that page on their own and so take `refractory: 0` as members unless the member sets it. */
const SELF_SUPPRESSING: ReadonlySet<string> = new Set(['seasonal', 'knn', 'context', 'flatline']);

function buildMembers(config: DetectorConfig, raw: unknown[]): Member[] {
  const issues: Issue[] = [];
  const members: Member[] = [];
  raw.forEach((entry, i) => {
    const path = ['detectors', config.name, 'params', 'members', i];
    const split = memberSchema.safeParse(entry);
    if (!split.success) {
      issues.push(...issuesFromZod(split.error.issues, path));
      return;
    }
    const { weight, rest } = split.data;
    const parsed = detectorSchema.safeParse({ name: `${config.name}-${i}`, ...rest });
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error.issues, path));
      return;
    }
    const member = parsed.data;
    const kind = MEMBER_KINDS[member.kind as MemberKind];
    if (!kind) {
      issues.push({
        path: formatPath([...path, 'kind']),
        message: `an ensemble member must be one of: ${Object.keys(MEMBER_KINDS).join(', ')}`,
      });
      return;
    }
    // The ensemble pages once per incident itself; a member damping its own repeats would hide them from the pool.
    if (SELF_SUPPRESSING.has(member.kind) && member.params.refractory === undefined)
      member.params = { ...member.params, refractory: 0 };
    const params = member.params;
    let detector: ScratchDetector<unknown>;
    try {
      detector = kind.create(member);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // The member names itself as a detector; name it where it sits in the ensemble's config instead.
      const own = formatPath(['detectors', member.name]);
      const where = formatPath(path);
      for (const issue of err.issues ?? [])
        issues.push({ ...issue, path: issue.path.startsWith(own) ? where + issue.path.slice(own.length) : issue.path });
      return;
    }
    members.push({
      name: member.name,
      weight,
      detector,
      stepInto: detector.stepInto,
      seen: blankDetection(),
      digits: 'scoreDigits' in kind ? kind.scoreDigits(params) : 0,
      labels: new Map(),
    });
  });
  if (issues.length) throw new ConfigError(issues);
  return members;
}

/** Pools member tail probabilities with a weighted Fisher statistic: agreement between members compounds. */
export function ensembleDetector(config: DetectorConfig): StreamingDetector<EnsembleState> {
  const parsed = paramsSchema.safeParse(config.params ?? {});
  if (!parsed.success) throw new ConfigError(issuesFromZod(parsed.error.issues, ['detectors', config.name, 'params']));
  const p = parsed.data;
  const members = buildMembers(config, p.members);
  const threshold = config.scoreThreshold;
  const keep = Math.exp(-1 / p.pageMemory);

  function init(): EnsembleState {
    return {
      members: members.map((m) => m.detector.init()),
      last: null,
      cool: 0,
      pages: 0,
      age: 0,
      lo: 0,
      hi: 0,
      rn: 0,
      held: false,
      heldValue: null,
    };
  }

  /**
   * Far beyond the learned range, and not a return of the last far value held (within half its distance from the
   * range: a nightly batch spike, a burst that recurs, a second level the series keeps going back to are patterns).
   * A range of one value says nothing: a constant series' first change is learned.
   */
  function isGlitch(s: EnsembleState, x: number): boolean {
    if (p.holdBeyond === 0 || s.held || s.rn < GUARD_AFTER) return false;
    const span = s.hi - s.lo;
    if (!(span > 0)) return false;
    const excess = x > s.hi ? x - s.hi : s.lo - x;
    if (!(excess > p.holdBeyond * span)) return false;
    return s.heldValue === null || !(Math.abs(x - s.heldValue) <= excess / 2);
  }

  // What `stepMembers` found besides the pooled statistic (steps are synchronous): the member with the largest term,
  // that term, and the seasonality in use (the last member's that has one).
  let lead = 0;
  let leadTerm = 0;
  let seasonality = 'none';

  /**
   * Steps every member and returns the pooled statistic. The only loop of the step, kept apart from the rest of it
   * and from the ensemble state: code that runs rarely or late (an out-of-order point, the glitch guard's return
   * test, a field's first fractional value changing the state's map) deoptimizes `step`, and V8 (Node 20) re-enters a
   * deoptimized function that has a loop through on-stack replacement, sometimes for the rest of the process (2–5×
   * slower). A step without a loop cannot be entered that way; this loop sees one array, one member shape.
   */
  function stepMembers(states: unknown[], t: number, x: number, memberLearn: boolean): number {
    let pooled = 0;
    lead = 0;
    leadTerm = 0;
    seasonality = 'none';
    for (let k = 0; k < members.length; k++) {
      const m = members[k] as Member;
      const d = m.seen;
      m.stepInto(states[k], t, x, memberLearn, d);
      // Inline rather than a function per member: a call through four closures was a measurable share of the step.
      const term = -m.weight * (m.digits > 0 ? -d.score * m.digits : conformalLog10Tail(d.score));
      pooled += term;
      if (term > leadTerm) {
        leadTerm = term;
        lead = k;
      }
      if (d.seasonality !== 'none') seasonality = d.seasonality;
    }
    return pooled;
  }

  function step(s: EnsembleState, t: number, x: number, learn = true): Detection {
    if (s.last !== null && t <= s.last) {
      return quietDetection(x, 'out-of-order');
    }
    const hold = learn && isGlitch(s, x);
    const pooled = stepMembers(s.members, t, x, learn && !hold);
    const resting = s.cool > 0;
    // Resting, or no evidence at all, scores 0 whatever the penalty: its log10 is only taken when it can matter.
    let score = 0;
    if (!resting && pooled > 0) {
      const penalty = s.pages > 0 ? p.repeatPenalty * Math.log10(1 + s.pages) : 0;
      score = Math.min(1, Math.max(0, (pooled - penalty) / p.digits));
    }
    const anomalous = score >= threshold && score > 0;
    const top = (members[lead] as Member).seen;
    let component = top.component;
    if (leadTerm > 0) {
      const labels = (members[lead] as Member).labels;
      const label = labels.get(component);
      if (label === undefined) {
        const made = `${(members[lead] as Member).name}:${component}`;
        // Components are a member's fixed vocabulary; the cap only guards a member that would ever vary them.
        if (labels.size < 64) labels.set(component, made);
        component = made;
      } else component = label;
    }
    if (learn) {
      s.held = hold;
      if (hold) s.heldValue = x;
      else {
        if (s.rn === 0 || x < s.lo) s.lo = x;
        if (s.rn === 0 || x > s.hi) s.hi = x;
        if (s.rn < GUARD_AFTER) s.rn++;
      }
      if (s.cool > 0) s.cool--;
      s.pages *= keep;
      if (s.age < p.pageMemory) s.age = Math.min(p.pageMemory, s.age + 1);
      if (anomalous) {
        s.cool = p.refractory;
        s.pages += s.age / p.pageMemory;
      }
      s.last = t;
    }
    return {
      score,
      anomalous,
      expected: top.expected,
      // A copy: the lead's band is its scratch, overwritten by the next point.
      band: [top.band[0], top.band[1]],
      observed: x,
      // Which member carried the pooled statistic, and what it saw: the page's explanation.
      component,
      seasonality,
    };
  }

  function encode(s: EnsembleState): EncodedEnsembleState {
    return {
      v: 1,
      m: members.map((m, k) => m.detector.encode(s.members[k])),
      last: s.last,
      cool: s.cool,
      pages: s.pages,
      age: s.age,
      g: [s.lo, s.hi, s.rn, s.held ? 1 : 0, s.heldValue],
    };
  }

  function decode(raw: unknown): EnsembleState | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const e = raw as Partial<EncodedEnsembleState>;
    if (e.v !== 1 || !Array.isArray(e.m) || e.m.length !== members.length) return undefined;
    if (e.last !== null && !(typeof e.last === 'number' && Number.isFinite(e.last))) return undefined;
    if (typeof e.cool !== 'number' || !Number.isInteger(e.cool) || e.cool < 0 || e.cool > p.refractory)
      return undefined;
    const pages = e.pages ?? 0;
    if (typeof pages !== 'number' || !Number.isFinite(pages) || pages < 0) return undefined;
    const age = e.age ?? p.pageMemory;
    if (typeof age !== 'number' || !Number.isFinite(age) || age < 0) return undefined;
    // States from before the guard start its range afresh (it measures nothing for its first GUARD_AFTER points).
    const g = e.g ?? [0, 0, 0, 0, null];
    if (!Array.isArray(g) || g.length !== 5) return undefined;
    const [lo, hi, rn, held, heldValue] = g;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) return undefined;
    if (!Number.isInteger(rn) || rn < 0 || rn > GUARD_AFTER || (held !== 0 && held !== 1)) return undefined;
    if (heldValue !== null && !Number.isFinite(heldValue)) return undefined;
    const states: unknown[] = [];
    for (let k = 0; k < members.length; k++) {
      const st = (members[k] as Member).detector.decode(e.m[k]);
      if (st === undefined) return undefined;
      states.push(st);
    }
    return {
      members: states,
      last: e.last ?? null,
      cool: e.cool,
      pages,
      age: Math.min(age, p.pageMemory),
      lo,
      hi,
      rn,
      held: held === 1,
      heldValue,
    };
  }

  return { kind: 'ensemble', init, step, encode, decode };
}
