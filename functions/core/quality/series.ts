// Data-quality checks on one series' batch, ahead of its detector: order, duplicates, gaps, scale changes, a stale series' return.
import type { Alert, Labels } from '../alert';
import { matchesLabels } from '../matchers';
import type { MetricPoint } from '../metrics/points';
import { formatDuration, formatFactor, formatNumber, iso, type QualityCheck, qualityAlert, seriesName } from './alerts';
import type { QualityConfig } from './config';

/** Accepted points remembered, so an exact copy of one (a redelivery) is told apart from a conflicting duplicate. */
const RECENT = 8;
/** Digests of the last batches taken, so a whole batch delivered again is recognised and skipped quietly. */
const BATCHES = 8;
/** Inter-arrival times kept to learn the interval; the median ignores the odd gap among them. */
const DELTAS = 16;
const MIN_DELTAS = 4;
/** Absolute values kept as the reference for the series' scale. */
const VALUES = 12;
const WARM_VALUES = 8;
/** A cadence is regular when three quarters of the recent intervals are within 1.5 × the median: only then is a long silence a gap. */
const REGULAR_SPREAD = 1.5;

export interface BatchFinding {
  /** ISO time the alert fired (arrival time, as the problem is with the delivery). */
  since: string;
  /** Consecutive clean batches since. */
  clean: number;
}

export interface GapFinding {
  /** ISO time of the last point before the gap. */
  since: string;
  /** Points at the usual cadence since the last gap. */
  normal: number;
}

export interface ScaleFinding {
  /** ISO time of the first point at the new scale. */
  since: string;
  /** New level ÷ old level (1 when only the declared unit tells). */
  factor: number;
  /** The old level (median absolute value). */
  from: number;
  /** Points at the new scale so far, and consecutive points back at the old one. */
  n: number;
  back: number;
  /** Recent absolute values at the new scale: the reference once the new scale is taken as normal. */
  alt: number[];
  unitFrom?: string | null;
  unitTo?: string;
}

/** A run of points at another scale that has not lasted `sustain` points yet. */
export interface ScaleCandidate {
  key: string;
  n: number;
  since: number;
  logSum: number;
  values: number[];
}

/** Per-series quality state: compact (well under 1 KB of JSON), stored with the detector state. */
export interface QualityState {
  v: 1;
  /** Newest accepted timestamp (epoch ms). */
  t: number | null;
  /** Arrival (the caller's `nowMs`) of the last batch that brought new points: staleness is about arrival, not data time. */
  seen: number | null;
  /** Recently accepted points as [t, value], oldest first. */
  recent: [number, number][];
  batches: string[];
  /** Recent inter-arrival times (ms), oldest first. */
  deltas: number[];
  /** The learned interval: median of `deltas`, null until there are four of them. */
  interval: number | null;
  regular: boolean;
  /** Recent absolute values at the established scale, oldest first. */
  values: number[];
  /** The unit the series declares at its established scale. */
  unit: string | null;
  candidate: ScaleCandidate | null;
  /** Findings whose alert is firing, kept so it resolves. */
  open: { outOfOrder?: BatchFinding; duplicates?: BatchFinding; gap?: GapFinding; scale?: ScaleFinding };
}

export interface QualityFinding {
  /**
   * `replay`: the batch was already taken; `identical`: exact copies of taken points; `resent`: points within the
   * configured re-send window behind the newest one. All three are dropped quietly.
   */
  check: QualityCheck | 'replay' | 'identical' | 'resent';
  /** Points (or gaps) concerned in this batch. */
  count: number;
  detail: string;
}

export interface SeriesCheckResult {
  state: QualityState;
  /** Points for the detector: in time order, without duplicates and without points older than the series' newest. */
  accepted: MetricPoint[];
  findings: QualityFinding[];
  alerts: Alert[];
  /** The stored state was unusable and was started afresh (worth a log line). */
  rebuilt: boolean;
  /** The whole batch was taken before (a redelivery): nothing accepted and nothing worth saving. */
  replay: boolean;
}

export interface SeriesCheckOptions {
  /** The store's stale mark (SeriesState.staleSince): the watchdog fired MetricStale; returning data resolves it. */
  staleSince?: string;
  /**
   * True for points of a message delivered again (SQS ApproximateReceiveCount > 1): those already behind the series
   * are the copies of a delivery that was taken, dropped quietly instead of counted as out of order.
   */
  isRedelivered?: (point: MetricPoint) => boolean;
}

export function initialQualityState(): QualityState {
  return {
    v: 1,
    t: null,
    seen: null,
    recent: [],
    batches: [],
    deltas: [],
    interval: null,
    regular: false,
    values: [],
    unit: null,
    candidate: null,
    open: {},
  };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNumArray = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function reviveBatch(x: unknown): BatchFinding | undefined | false {
  if (x === undefined) return undefined;
  if (!isObj(x) || !isStr(x.since) || !isNum(x.clean)) return false;
  return { since: x.since, clean: x.clean };
}

/** A copy of stored state when it has the expected shape, else undefined (the caller starts afresh). */
export function reviveQualityState(raw: unknown): QualityState | undefined {
  if (!isObj(raw) || raw.v !== 1) return undefined;
  const { t, seen, recent, batches, deltas, interval, regular, values, unit, candidate, open } = raw;
  if (!(t === null || isNum(t)) || !(seen === null || isNum(seen))) return undefined;
  if (!Array.isArray(recent) || !recent.every((r) => isNumArray(r) && r.length === 2)) return undefined;
  if (!Array.isArray(batches) || !batches.every(isStr)) return undefined;
  if (!isNumArray(deltas) || !isNumArray(values)) return undefined;
  if (!(interval === null || isNum(interval)) || typeof regular !== 'boolean') return undefined;
  if (!(unit === null || isStr(unit)) || !isObj(open)) return undefined;
  let cand: ScaleCandidate | null = null;
  if (candidate !== null) {
    if (!isObj(candidate)) return undefined;
    const c = candidate;
    if (!isStr(c.key) || !isNum(c.n) || !isNum(c.since) || !isNum(c.logSum) || !isNumArray(c.values)) return undefined;
    cand = { key: c.key, n: c.n, since: c.since, logSum: c.logSum, values: [...c.values] };
  }
  const outOfOrder = reviveBatch(open.outOfOrder);
  const duplicates = reviveBatch(open.duplicates);
  if (outOfOrder === false || duplicates === false) return undefined;
  const state: QualityState = {
    v: 1,
    t,
    seen,
    recent: recent.map((r) => [r[0], r[1]] as [number, number]),
    batches: [...batches],
    deltas: [...deltas],
    interval,
    regular,
    values: [...values],
    unit,
    candidate: cand,
    open: {},
  };
  if (outOfOrder) state.open.outOfOrder = outOfOrder;
  if (duplicates) state.open.duplicates = duplicates;
  if (open.gap !== undefined) {
    const g = open.gap;
    if (!isObj(g) || !isStr(g.since) || !isNum(g.normal)) return undefined;
    state.open.gap = { since: g.since, normal: g.normal };
  }
  if (open.scale !== undefined) {
    const s = open.scale;
    if (!isObj(s) || !isStr(s.since) || !isNum(s.factor) || !isNum(s.from) || !isNum(s.n) || !isNum(s.back))
      return undefined;
    if (!isNumArray(s.alt)) return undefined;
    const scale: ScaleFinding = {
      since: s.since,
      factor: s.factor,
      from: s.from,
      n: s.n,
      back: s.back,
      alt: [...s.alt],
    };
    if (s.unitFrom === null || isStr(s.unitFrom)) scale.unitFrom = s.unitFrom;
    if (isStr(s.unitTo)) scale.unitTo = s.unitTo;
    state.open.scale = scale;
  }
  return state;
}

/** What a silence is measured against: the interval for a regular cadence, the longest recent silence otherwise. */
export function typicalSilenceMs(state: QualityState): number | undefined {
  if (state.interval === null) return undefined;
  return state.regular ? state.interval : Math.max(state.interval, ...state.deltas);
}

/** Sorted copy of a short list into a reused scratch array (insertion sort: lists here hold 16 numbers at most). */
const scratch: number[] = [];
function sortedScratch(values: readonly number[]): number[] {
  scratch.length = 0;
  for (const v of values) {
    let j = scratch.length;
    while (j > 0 && (scratch[j - 1] as number) > v) {
      scratch[j] = scratch[j - 1] as number;
      j -= 1;
    }
    scratch[j] = v;
  }
  return scratch;
}

function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function learnInterval(state: QualityState): void {
  if (state.deltas.length < MIN_DELTAS) {
    state.interval = null;
    state.regular = false;
    return;
  }
  const sorted = sortedScratch(state.deltas);
  const med = median(sorted);
  const q75 = sorted[Math.floor(0.75 * (sorted.length - 1))] as number;
  state.interval = med;
  state.regular = med > 0 && q75 <= REGULAR_SPREAD * med;
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  while (list.length > cap) list.shift();
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, x: number, multiplier: number): number {
  return Math.imul(h ^ x, multiplier) >>> 0;
}

/**
 * A digest of the batch's points that ignores their order (SQS hands messages over in any order): per point two
 * 32-bit FNV-style hashes of time, value and unit, summed and xored. Equal batches, equal digests.
 */
export function batchDigest(points: readonly MetricPoint[]): string {
  let sum = 0;
  let xor = 0;
  for (const p of points) {
    f64[0] = p.value;
    let a = mix(
      mix(
        mix(mix(0x811c9dc5, Math.floor(p.t / 0x1_0000_0000), 0x01000193), p.t >>> 0, 0x01000193),
        u32[0] as number,
        0x01000193,
      ),
      u32[1] as number,
      0x01000193,
    );
    let b = mix(
      mix(
        mix(mix(0x2f5a1c3b, p.t >>> 0, 0x050c5d1f), u32[1] as number, 0x050c5d1f),
        Math.floor(p.t / 0x1_0000_0000),
        0x050c5d1f,
      ),
      u32[0] as number,
      0x050c5d1f,
    );
    if (p.unit !== undefined) {
      for (let i = 0; i < p.unit.length; i++) {
        a = mix(a, p.unit.charCodeAt(i), 0x01000193);
        b = mix(b, p.unit.charCodeAt(i), 0x050c5d1f);
      }
    }
    sum = (sum + a) >>> 0;
    xor = (xor ^ b) >>> 0;
  }
  return `${sum.toString(16).padStart(8, '0')}${xor.toString(16).padStart(8, '0')}${points.length.toString(16)}`;
}

// ---- scale ---------------------------------------------------------------------------

interface ScaleRef {
  level: number;
  /** The usual range relative to the level: min/level and max/level of the kept values. */
  lo: number;
  hi: number;
}

function scaleRef(values: number[]): ScaleRef | null {
  if (values.length < WARM_VALUES) return null;
  const sorted = sortedScratch(values);
  const level = median(sorted);
  if (!(level > 0)) return null;
  return { level, lo: (sorted[0] as number) / level, hi: (sorted[sorted.length - 1] as number) / level };
}

/**
 * Where a point's ratio to the usual level falls: `×f`/`÷f` for a configured unit factor, `up`/`down` for a jump of
 * at least `ratio` beyond the usual range, null for the usual scale or an ordinary outlier. A unit factor only counts
 * when the shifted range clears the usual one: a noisy series cannot tell ×60 from its own swings.
 */
function classify(r: number, ref: ScaleRef, cfg: QualityConfig['scaleChange']): string | null {
  const slack = 1 + cfg.tolerance;
  for (const f of cfg.unitFactors) {
    if ((ref.lo * f) / slack <= ref.hi * slack) continue;
    if (r >= (ref.lo * f) / slack && r <= ref.hi * f * slack) return `×${f}`;
    if (r >= ref.lo / (f * slack) && r <= (ref.hi * slack) / f) return `÷${f}`;
  }
  if (r >= cfg.ratio * Math.max(1, ref.hi)) return 'up';
  if (ref.lo > 0 && r <= Math.min(1, ref.lo) / cfg.ratio) return 'down';
  return null;
}

const UNIT_HINTS: Record<number, string> = {
  60: 'seconds ↔ minutes or minutes ↔ hours',
  1000: 'a metric prefix, e.g. seconds ↔ milliseconds or bytes ↔ kB',
  1024: 'bytes ↔ KiB (binary prefixes)',
  3600: 'seconds ↔ hours',
  1000000: 'a micro/mega prefix',
};

function unitHint(factor: number, cfg: QualityConfig['scaleChange']): string {
  const up = factor >= 1 ? factor : 1 / factor;
  const slack = 1 + cfg.tolerance;
  // 1000 and 1024 are 2.4 % apart: noisy data cannot tell them apart, so every factor within tolerance is named.
  const matches = cfg.unitFactors
    .filter((f) => up >= f / slack && up <= f * slack)
    .sort((a, b) => Math.abs(Math.log(up / a)) - Math.abs(Math.log(up / b)));
  if (matches.length === 0) return '';
  return `; looks like a unit change (${matches.map((f) => `×${f}: ${UNIT_HINTS[f] ?? `a factor of ${f}`}`).join(', or ')})`;
}

/** Four significant digits are plenty to judge a scale and keep the stored state small. */
function rounded(a: number): number {
  if (a === 0 || !Number.isFinite(a)) return a;
  const k = 3 - Math.floor(Math.log10(Math.abs(a)));
  // Multiply or divide by an exact power of ten, so 1234.5 stays 1235 and not 1234.9999999999998.
  return k >= 0 ? Math.round(a * 10 ** k) / 10 ** k : Math.round(a / 10 ** -k) * 10 ** -k;
}

// ---- the check -------------------------------------------------------------------------

/** One call's working set: module-level steps take it instead of closures, which keeps the per-batch cost low. */
interface Ctx {
  state: QualityState;
  result: SeriesCheckResult;
  labels: Labels;
  config: QualityConfig;
  nowMs: number;
  active: boolean;
  title: string | undefined;
  ref: ScaleRef | null;
  gapOpened: boolean;
  scaleOpened: boolean;
}

/** Only an alert needs the series' display name. */
function nameOf(ctx: Ctx): string {
  ctx.title ??= seriesName(ctx.labels);
  return ctx.title;
}

function pushValue(ctx: Ctx, a: number): void {
  pushCapped(ctx.state.values, rounded(a), VALUES);
  if (ctx.ref === null) ctx.ref = scaleRef(ctx.state.values);
}

function gapStep(ctx: Ctx, prev: number, p: MetricPoint, staleReturn: boolean): boolean {
  const { state, config } = ctx;
  const gapCfg = config.gap;
  const delta = p.t - prev;
  const iv = state.interval;
  let isGap = false;
  if (iv !== null && state.regular && delta > gapCfg.factor * iv && delta >= gapCfg.minimum && !staleReturn) {
    isGap = true;
    if (state.open.gap) state.open.gap.normal = 0;
    else if (ctx.active && gapCfg.enabled) {
      state.open.gap = { since: iso(prev), normal: 0 };
      ctx.gapOpened = true;
      const missing = Math.max(1, Math.round(delta / iv) - 1);
      ctx.result.alerts.push(
        qualityAlert({
          check: 'gap',
          status: 'firing',
          severity: gapCfg.severity,
          labels: ctx.labels,
          summary: `${nameOf(ctx)}: no data for ${formatDuration(delta)} (${iso(prev)} → ${iso(p.t)}), about ${missing} point${missing === 1 ? '' : 's'} missing at its usual ${formatDuration(iv)} interval`,
          annotations: { gap: formatDuration(delta), from: iso(prev), to: iso(p.t), interval: formatDuration(iv) },
          startsAt: iso(prev),
        }),
      );
    }
  } else if (state.open.gap && iv !== null && delta <= gapCfg.factor * iv) {
    state.open.gap.normal += 1;
  }
  pushCapped(state.deltas, delta, DELTAS);
  if (state.interval === null && state.deltas.length >= MIN_DELTAS) learnInterval(state);
  return isGap;
}

function openScale(ctx: Ctx, finding: ScaleFinding, summary: string, annotations: Record<string, string>): void {
  ctx.state.open.scale = finding;
  ctx.state.candidate = null;
  ctx.scaleOpened = true;
  ctx.result.alerts.push(
    qualityAlert({
      check: 'scale-change',
      status: 'firing',
      severity: ctx.config.scaleChange.severity,
      labels: ctx.labels,
      summary,
      annotations,
      startsAt: finding.since,
    }),
  );
}

function scaleStep(ctx: Ctx, p: MetricPoint): void {
  const { state } = ctx;
  const scaleCfg = ctx.config.scaleChange;
  const a = Math.abs(p.value);
  const open = state.open.scale;
  if (open) {
    let atNew: boolean | undefined;
    if (open.unitTo !== undefined) {
      if (p.unit === open.unitTo) atNew = true;
      else if (p.unit !== undefined && p.unit === open.unitFrom) atNew = false;
    } else if (a > 0) {
      const lr = Math.log(a / open.from);
      atNew = Math.abs(lr - Math.log(open.factor)) < Math.abs(lr);
    }
    if (atNew === true) {
      open.n += 1;
      open.back = 0;
      pushCapped(open.alt, rounded(a), VALUES);
    } else if (atNew === false) {
      open.back += 1;
      pushValue(ctx, a);
    }
    return;
  }
  const on = ctx.active && scaleCfg.enabled;
  if (p.unit !== undefined && state.unit === null) state.unit = p.unit;
  const ref = ctx.ref;
  if (on && p.unit !== undefined && p.unit !== state.unit) {
    const factor = ref !== null && a > 0 ? rounded(a / ref.level) : 1;
    const since = iso(p.t);
    openScale(
      ctx,
      { since, factor, from: ref?.level ?? 0, n: 1, back: 0, alt: [rounded(a)], unitFrom: state.unit, unitTo: p.unit },
      `${nameOf(ctx)}: the declared unit changed from ${state.unit} to ${p.unit} at ${since}` +
        (factor === 1 ? '' : ` (values ${formatFactor(factor)} their usual level)`),
      { unit_from: String(state.unit), unit_to: p.unit, factor: formatFactor(factor), since },
    );
    return;
  }
  if (a === 0 || ref === null || !on) {
    // Zeros say nothing about scale; they neither confirm nor break a run at another scale.
    if (!state.candidate) pushValue(ctx, a);
    return;
  }
  const r = a / ref.level;
  const key = classify(r, ref, scaleCfg);
  if (key === null) {
    state.candidate = null;
    pushValue(ctx, a);
    return;
  }
  const c = state.candidate;
  if (c && c.key === key) {
    c.n += 1;
    c.logSum += Math.log(r);
    pushCapped(c.values, rounded(a), VALUES);
  } else {
    state.candidate = { key, n: 1, since: p.t, logSum: Math.log(r), values: [rounded(a)] };
  }
  const run = state.candidate as ScaleCandidate;
  if (run.n < scaleCfg.sustain) return;
  const factor = rounded(Math.exp(run.logSum / run.n));
  const since = iso(run.since);
  const from = ref.level;
  openScale(
    ctx,
    { since, factor, from, n: run.n, back: 0, alt: [...run.values] },
    `${nameOf(ctx)}: values are ${formatFactor(factor)} their usual level since ${since} (≈${formatNumber(from)} → ≈${formatNumber(from * factor)} over ${run.n} points)${unitHint(factor, scaleCfg)}`,
    { factor: formatFactor(factor), from: formatNumber(from), to: formatNumber(from * factor), since },
  );
}

/** Out-of-order and duplicates: fire when a batch has `minPoints`, resolve after `cleanBatches` clean batches. */
function batchCheck(
  ctx: Ctx,
  check: 'out-of-order' | 'duplicates',
  n: number,
  firing: () => { summary: string; annotations: Record<string, string> },
): void {
  const key = check === 'out-of-order' ? 'outOfOrder' : 'duplicates';
  const cfg = ctx.config[key];
  const { state } = ctx;
  const open = state.open[key];
  if (n >= cfg.minPoints && ctx.active && cfg.enabled) {
    if (open) {
      open.clean = 0;
      return;
    }
    const since = iso(ctx.nowMs);
    state.open[key] = { since, clean: 0 };
    const { summary, annotations } = firing();
    ctx.result.alerts.push(
      qualityAlert({
        check,
        status: 'firing',
        severity: cfg.severity,
        labels: ctx.labels,
        summary,
        annotations,
        startsAt: since,
      }),
    );
  } else if (n === 0 && open) {
    open.clean += 1;
    if (open.clean < cfg.cleanBatches) return;
    delete state.open[key];
    ctx.result.alerts.push(
      qualityAlert({
        check,
        status: 'resolved',
        severity: cfg.severity,
        labels: ctx.labels,
        summary:
          check === 'out-of-order'
            ? `${nameOf(ctx)}: points arrive in order again (${open.clean} batches without late points)`
            : `${nameOf(ctx)}: no conflicting timestamps in the last ${open.clean} batches`,
        startsAt: open.since,
        endsAt: iso(Math.max(ctx.nowMs, Date.parse(open.since))),
      }),
    );
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Checks one series' batch. `points` come in arrival order; within a batch their order does not matter (a
 * client may batch unsorted), only against what earlier batches took: older than the newest point taken is
 * out of order, the same timestamp again is a duplicate (the first value wins). Pure: time comes in as `nowMs`,
 * and `prior` is copied, never changed.
 */
export function checkSeries(
  prior: unknown,
  points: MetricPoint[],
  labels: Labels,
  config: QualityConfig,
  nowMs: number,
  options: SeriesCheckOptions = {},
): SeriesCheckResult {
  const revived = prior === undefined || prior === null ? undefined : reviveQualityState(prior);
  const state = revived ?? initialQualityState();
  const result: SeriesCheckResult = {
    state,
    accepted: [],
    findings: [],
    alerts: [],
    rebuilt: prior !== undefined && prior !== null && revived === undefined,
    replay: false,
  };
  if (points.length === 0) return result;

  const digest = batchDigest(points);
  if (!config.duplicates.countIdentical && state.batches.includes(digest)) {
    result.replay = true;
    result.findings.push({ check: 'replay', count: points.length, detail: 'batch already taken (redelivery)' });
    return result;
  }
  pushCapped(state.batches, digest, BATCHES);

  const ctx: Ctx = {
    state,
    result,
    labels,
    config,
    nowMs,
    active: config.enabled && !config.exclude.some((m) => matchesLabels(m, labels)),
    title: undefined,
    ref: scaleRef(state.values),
    gapOpened: false,
    scaleOpened: false,
  };

  // ---- order and duplicates -----------------------------------------------------------
  const lastBefore = state.t;
  // Most batches come sorted; a stable sort keeps arrival order among equal times (the first one wins).
  let inOrder = true;
  for (let i = 1; i < points.length && inOrder; i++)
    inOrder = (points[i - 1] as MetricPoint).t <= (points[i] as MetricPoint).t;
  const sorted = inOrder ? points : [...points].sort((a, b) => a.t - b.t);
  const resends = config.resends;
  const resendWindow =
    resends.window !== undefined && (resends.match.length === 0 || resends.match.some((m) => matchesLabels(m, labels)))
      ? resends.window
      : -1;
  const late: MetricPoint[] = [];
  const conflicts: { t: number; kept: number; dropped: number }[] = [];
  let identical = 0;
  let resent = 0;
  let redelivered = 0;
  for (const p of sorted) {
    const last = result.accepted[result.accepted.length - 1];
    let kept: number | undefined;
    if (last && last.t === p.t) kept = last.value;
    else if (lastBefore !== null && p.t <= lastBefore) {
      if (lastBefore - p.t <= resendWindow) {
        resent += 1;
        continue;
      }
      if (options.isRedelivered?.(p)) {
        redelivered += 1;
        continue;
      }
      kept = state.recent.find((r) => r[0] === p.t)?.[1];
    } else {
      result.accepted.push(p);
      continue;
    }
    if (kept === undefined) late.push(p);
    else if (kept === p.value && !config.duplicates.countIdentical) identical += 1;
    else conflicts.push({ t: p.t, kept, dropped: p.value });
  }
  if (identical) result.findings.push({ check: 'identical', count: identical, detail: 'exact copies dropped' });
  if (resent) result.findings.push({ check: 'resent', count: resent, detail: 'within the re-send window' });
  if (redelivered) result.findings.push({ check: 'replay', count: redelivered, detail: 'redelivered message' });

  // ---- cadence, gaps and scale, point by point in time order -----------------------------
  let prev = lastBefore;
  let gaps = 0;
  const accepted = result.accepted;
  for (let i = 0; i < accepted.length; i++) {
    const p = accepted[i] as MetricPoint;
    // The first point after a stale mark ends a silence MetricStale already told about.
    if (prev !== null && gapStep(ctx, prev, p, i === 0 && options.staleSince !== undefined)) gaps += 1;
    prev = p.t;
    scaleStep(ctx, p);
  }
  if (accepted.length) {
    state.t = prev;
    state.seen = Math.max(nowMs, state.seen ?? nowMs);
    learnInterval(state);
    for (let i = Math.max(0, accepted.length - RECENT); i < accepted.length; i++) {
      const p = accepted[i] as MetricPoint;
      pushCapped(state.recent, [p.t, p.value] as [number, number], RECENT);
    }
  }

  // ---- batch-level findings → alerts -------------------------------------------------------
  const oldest = late.length ? Math.min(...late.map((p) => p.t)) : 0;
  const behind = (lastBefore ?? oldest) - oldest;
  if (late.length) {
    result.findings.push({
      check: 'out-of-order',
      count: late.length,
      detail: `oldest ${formatDuration(behind)} behind`,
    });
  }
  batchCheck(ctx, 'out-of-order', late.length, () => ({
    summary: `${nameOf(ctx)}: ${plural(late.length, 'point')} arrived out of order in this batch (oldest ${formatDuration(behind)} behind the newest point already taken) and ${late.length === 1 ? 'was' : 'were'} dropped`,
    annotations: { late_points: String(late.length), oldest: iso(oldest), behind: formatDuration(behind) },
  }));

  const first = conflicts[0];
  if (first) {
    result.findings.push({
      check: 'duplicates',
      count: conflicts.length,
      detail: `e.g. ${iso(first.t)}: kept ${first.kept}, dropped ${first.dropped}`,
    });
  }
  batchCheck(ctx, 'duplicates', conflicts.length, () => ({
    summary: `${nameOf(ctx)}: ${plural(conflicts.length, 'point')} repeated a timestamp already taken with another value; the first value was kept (e.g. ${iso(first?.t ?? nowMs)}: kept ${formatNumber(first?.kept ?? 0)}, dropped ${formatNumber(first?.dropped ?? 0)})`,
    annotations: {
      duplicate_points: String(conflicts.length),
      example: first ? `${iso(first.t)} kept=${first.kept} dropped=${first.dropped}` : '',
    },
  }));

  const gapCfg = config.gap;
  if (gaps)
    result.findings.push({ check: 'gap', count: gaps, detail: `interval ${formatDuration(state.interval ?? 0)}` });
  const gap = state.open.gap;
  if (gap && !ctx.gapOpened && gap.normal >= gapCfg.resolveAfter && state.t !== null) {
    delete state.open.gap;
    result.alerts.push(
      qualityAlert({
        check: 'gap',
        status: 'resolved',
        severity: gapCfg.severity,
        labels,
        summary: `${nameOf(ctx)}: data flows again at its usual ${formatDuration(state.interval ?? 0)} interval (${gap.normal} points since the gap)`,
        startsAt: gap.since,
        endsAt: iso(Math.max(state.t, Date.parse(gap.since))),
      }),
    );
  }

  const scaleCfg = config.scaleChange;
  const scale = state.open.scale;
  if (scale && !ctx.scaleOpened) {
    const back = scale.back >= scaleCfg.sustain;
    if (back || scale.n >= scaleCfg.acceptAfter) {
      delete state.open.scale;
      state.candidate = null;
      if (!back) {
        // The new scale is the new normal: it becomes the reference, and its unit the series' unit.
        state.values = scale.alt.slice(-VALUES);
        if (scale.unitTo !== undefined) state.unit = scale.unitTo;
      }
      result.alerts.push(
        qualityAlert({
          check: 'scale-change',
          status: 'resolved',
          severity: scaleCfg.severity,
          labels,
          summary: back
            ? `${nameOf(ctx)}: values are back at their usual scale (≈${formatNumber(scale.from)}) for ${scale.back} points`
            : `${nameOf(ctx)}: the new scale (${formatFactor(scale.factor)}${scale.unitTo ? `, unit ${scale.unitTo}` : ''}) held for ${scale.n} points and is now taken as normal`,
          startsAt: scale.since,
          endsAt: iso(Math.max(state.t ?? nowMs, Date.parse(scale.since))),
        }),
      );
    }
  }
  if (state.open.scale) result.findings.push({ check: 'scale-change', count: 1, detail: state.open.scale.since });

  if (options.staleSince !== undefined && accepted.length) {
    const firstNew = accepted[0] as MetricPoint;
    const silence = lastBefore === null ? '' : `, after ${formatDuration(firstNew.t - lastBefore)} without data`;
    result.findings.push({ check: 'stale', count: 1, detail: `returned at ${iso(firstNew.t)}` });
    result.alerts.push(
      qualityAlert({
        check: 'stale',
        status: 'resolved',
        severity: config.stale.severity,
        labels,
        summary: `${nameOf(ctx)}: data arrives again (first new point at ${iso(firstNew.t)}${silence})`,
        startsAt: options.staleSince,
        endsAt: iso(Math.max(nowMs, Date.parse(options.staleSince))),
      }),
    );
  }
  return result;
}
