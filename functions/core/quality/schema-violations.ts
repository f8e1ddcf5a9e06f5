// Points rejected at the edge, counted per input source: MetricSchemaViolations fires on a bad batch or a bad window.
import type { Alert } from '../alert';
import type { Issue } from '../errors';
import { formatDuration, iso, qualityAlert } from './alerts';
import type { QualityConfig } from './config';

export const INGEST_SOURCES = ['http', 'sqs', 'logs', 'poller'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

/** Rejections are counted in buckets of a tenth of the window: at most eleven pairs of numbers per source. */
const BUCKETS_PER_WINDOW = 10;
/** Issues quoted in the alert. */
const QUOTED = 3;

export interface SchemaViolationState {
  v: 1;
  /** [bucket start ms, rejected points], oldest first, within the window. */
  buckets: [number, number][];
  /** Last time a point was rejected. */
  lastRejectedMs: number | null;
  /** The firing alert, kept so it resolves: when it fired and the clean batches since. */
  open: { since: string; clean: number } | null;
}

export interface SchemaViolationResult {
  state: SchemaViolationState;
  alert?: Alert;
  /** False when there is nothing to write back (a clean batch with nothing open): saves a write on a hot item. */
  changed: boolean;
}

export function initialSchemaViolationState(): SchemaViolationState {
  return { v: 1, buckets: [], lastRejectedMs: null, open: null };
}

function revive(raw: unknown): SchemaViolationState {
  const s = raw as Partial<SchemaViolationState> | null | undefined;
  const ok =
    s?.v === 1 &&
    Array.isArray(s.buckets) &&
    s.buckets.every((b) => Array.isArray(b) && b.length === 2 && b.every((n) => typeof n === 'number')) &&
    (s.lastRejectedMs === null || typeof s.lastRejectedMs === 'number') &&
    (s.open === null ||
      (typeof s.open === 'object' && typeof s.open?.since === 'string' && typeof s.open.clean === 'number'));
  if (!ok || !s) return initialSchemaViolationState();
  return {
    v: 1,
    buckets: (s.buckets as [number, number][]).map((b) => [b[0], b[1]] as [number, number]),
    lastRejectedMs: s.lastRejectedMs ?? null,
    open: s.open ? { ...s.open } : null,
  };
}

const NON_FINITE = /finite/i;

/** `value: must be a finite number ×3`: reasons grouped by field (the point index dropped) and message. */
export function summarizeIssues(issues: Issue[]): { reasons: string; nonFinite: number } {
  const groups = new Map<string, number>();
  let nonFinite = 0;
  for (const issue of issues) {
    const field = issue.path.replace(/^points\[\d+\]\.?/, '').replace(/\[\d+\]/g, '[]') || '(point)';
    const label = `${field}: ${issue.message}`;
    groups.set(label, (groups.get(label) ?? 0) + 1);
    if (NON_FINITE.test(issue.message)) nonFinite += 1;
  }
  const reasons = [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => (n > 1 ? `${label} ×${n}` : label))
    .join('; ');
  return { reasons, nonFinite };
}

function prune(state: SchemaViolationState, nowMs: number, windowMs: number): boolean {
  const before = state.buckets.length;
  state.buckets = state.buckets.filter(([start]) => start + windowMs / BUCKETS_PER_WINDOW > nowMs - windowMs);
  return state.buckets.length !== before;
}

function labelsOf(source: string) {
  return { input: source };
}

/**
 * Accounts one batch from `source`: `rejected` are the issues parsePointBatch returned, `accepted` the points it
 * kept. Fires when the batch or the window crosses its threshold; resolves after `cleanBatches` batches without
 * rejections. Pure: time comes in as `nowMs`.
 */
export function checkSchemaViolations(
  prior: unknown,
  source: IngestSource,
  rejected: Issue[],
  accepted: number,
  config: QualityConfig,
  nowMs: number,
): SchemaViolationResult {
  const cfg = config.schemaViolations;
  const state = prior === undefined ? initialSchemaViolationState() : revive(prior);
  let changed = prune(state, nowMs, cfg.window);
  const result: SchemaViolationResult = { state, changed };

  if (rejected.length > 0) {
    const size = cfg.window / BUCKETS_PER_WINDOW;
    const start = Math.floor(nowMs / size) * size;
    const last = state.buckets[state.buckets.length - 1];
    if (last && last[0] === start) last[1] += rejected.length;
    else state.buckets.push([start, rejected.length]);
    state.lastRejectedMs = nowMs;
    changed = true;
  }
  const inWindow = state.buckets.reduce((n, [, c]) => n + c, 0);
  const crossing = rejected.length >= cfg.perBatch || inWindow >= cfg.perWindow;

  if (crossing && config.enabled && cfg.enabled) {
    if (state.open) {
      if (state.open.clean !== 0) changed = true;
      state.open.clean = 0;
    } else {
      const since = iso(nowMs);
      state.open = { since, clean: 0 };
      changed = true;
      const { reasons, nonFinite } = summarizeIssues(rejected);
      const total = rejected.length + accepted;
      const quoted = rejected
        .slice(0, QUOTED)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      const nonFiniteText = nonFinite ? ` (${nonFinite} non-finite value${nonFinite === 1 ? '' : 's'})` : '';
      result.alert = qualityAlert({
        check: 'schema',
        status: 'firing',
        severity: cfg.severity,
        labels: labelsOf(source),
        summary:
          `${source}: ${rejected.length} of ${total} points rejected in this batch${nonFiniteText}, ` +
          `${inWindow} in the last ${formatDuration(cfg.window)}. First: ${quoted}`,
        annotations: {
          rejected: String(rejected.length),
          accepted: String(accepted),
          rejected_in_window: String(inWindow),
          non_finite: String(nonFinite),
          reasons,
        },
        startsAt: since,
      });
    }
  } else if (rejected.length === 0 && state.open) {
    state.open.clean += 1;
    changed = true;
    if (state.open.clean >= cfg.cleanBatches) {
      result.alert = resolved(
        source,
        state.open,
        nowMs,
        config,
        `${state.open.clean} batches without a rejected point`,
      );
      state.open = null;
    }
  }
  result.changed = changed;
  return result;
}

/**
 * For the watchdog: resolves an open alert whose source has rejected nothing for a whole window, so it does not
 * stay open when the source went quiet altogether (no clean batch would ever come).
 */
export function expireSchemaViolations(
  prior: unknown,
  source: IngestSource,
  config: QualityConfig,
  nowMs: number,
): SchemaViolationResult {
  const cfg = config.schemaViolations;
  const state = prior === undefined ? initialSchemaViolationState() : revive(prior);
  const changed = prune(state, nowMs, cfg.window);
  const result: SchemaViolationResult = { state, changed };
  const quietSince = state.lastRejectedMs ?? (state.open ? Date.parse(state.open.since) : nowMs);
  if (state.open && nowMs - quietSince >= cfg.window) {
    result.alert = resolved(
      source,
      state.open,
      nowMs,
      config,
      `no rejected point for ${formatDuration(nowMs - quietSince)}`,
    );
    state.open = null;
    result.changed = true;
  }
  return result;
}

function resolved(source: string, open: { since: string }, nowMs: number, config: QualityConfig, why: string): Alert {
  return qualityAlert({
    check: 'schema',
    status: 'resolved',
    severity: config.schemaViolations.severity,
    labels: labelsOf(source),
    summary: `${source}: points are accepted again (${why})`,
    startsAt: open.since,
    endsAt: iso(Math.max(nowMs, Date.parse(open.since))),
  });
}
