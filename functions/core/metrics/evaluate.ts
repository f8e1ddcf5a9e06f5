// Runs one series' new points through its detector and turns anomaly episodes into alerts.
import { type Alert, makeAlert } from '../alert';
import type { Config, DetectorConfig } from '../config/schema';
import { createDetector } from '../detect';
import type { Detection } from '../detect/types';
import { matchesLabels } from '../matchers';
import type { MetricPoint } from './points';

/** Labels that name a deployed version: a change starts a fresh baseline instead of paging on the expected shift. */
export const VERSION_LABELS = ['model_version', 'prompt_version'] as const;

/** What one series keeps between batches (one DynamoDB item, conditional on its version). */
export interface SeriesState {
  v: 2;
  /** Name of the detector config the model was learned with; another one means a rebuild. */
  detector: string;
  /** The detector's own encoded state. */
  d: unknown;
  /** The open anomaly episode, so its resolve carries the same startsAt. */
  alert: { firing: boolean; normalRun: number; since: string | null };
  /** `model_version=…,prompt_version=…` the baseline was learned on. */
  version: string;
  /** Epoch ms of the last point the detector saw; older points are not fed to it again. */
  last: number | null;
  /** State owned by other per-series checks (data quality), carried through untouched. */
  extra?: Record<string, unknown>;
}

export interface SeriesOutcome {
  state: SeriesState;
  alerts: Alert[];
  processed: number;
  /** Points at or before the last one seen (redeliveries, out of order), not fed to the detector. */
  skipped: number;
  /** Stored state was unusable (corrupt, another detector) and a fresh baseline was started. */
  rebuilt: boolean;
  /** A version label changed and the baseline started over. */
  versionReset: boolean;
  /** Points inside an exclusion window (scored, not learned). */
  excluded: number;
  /** Points beyond ±MAX_LEARNED_MAGNITUDE (scored, not learned). */
  tooLarge: number;
  last?: Detection;
}

/** Series identity: the dimensions without version labels, plus the metric name. */
export function seriesLabels(point: Pick<MetricPoint, 'metric' | 'dimensions'>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(point.dimensions)) {
    if (!(VERSION_LABELS as readonly string[]).includes(k)) labels[k] = v;
  }
  labels.metric = point.metric;
  return labels;
}

export function versionOf(dimensions: Record<string, string>): string {
  // Hot path (every point): no arrays, no allocation when there is no version label.
  const m = dimensions.model_version;
  const p = dimensions.prompt_version;
  if (m === undefined) return p === undefined ? '' : `prompt_version=${p}`;
  return p === undefined ? `model_version=${m}` : `model_version=${m},prompt_version=${p}`;
}

export function selectDetector(
  detectors: DetectorConfig[],
  labels: Record<string, string>,
): DetectorConfig | undefined {
  return detectors.find((d) => matchesLabels(d.match, labels));
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}

export interface EvaluateContext {
  exclusions?: Config['exclusions'];
  /**
   * The series' state decoded from this process's own last write of it (decodeSavedState), when the store says that
   * write is still current: used instead of `prior`, which then is not read.
   */
  live?: SeriesState;
}

function freshState(detector: DetectorConfig, version: string): SeriesState {
  return {
    v: 2,
    detector: detector.name,
    d: createDetector(detector).init(),
    alert: { firing: false, normalRun: 0, since: null },
    version,
    last: null,
  };
}

/** Accepts stored state only when it has the expected shape and detector; anything else is rebuilt. */
function revive(prior: unknown, detector: DetectorConfig): { state: SeriesState; rebuilt: boolean } | undefined {
  if (prior === undefined || prior === null) return undefined;
  const p = prior as Partial<SeriesState>;
  const a = p.alert as Partial<SeriesState['alert']> | undefined;
  const d = p.v === 2 && p.detector === detector.name ? createDetector(detector).decode(p.d) : undefined;
  const alertOk =
    a !== undefined &&
    typeof a.firing === 'boolean' &&
    typeof a.normalRun === 'number' &&
    (a.since === null || typeof a.since === 'string');
  if (d === undefined || !alertOk || typeof p.version !== 'string' || !(p.last === null || Number.isFinite(p.last))) {
    // Keep an open episode open across the rebuild so its resolve still comes.
    const state = freshState(detector, typeof p.version === 'string' ? p.version : '');
    if (a?.firing === true && typeof a.since === 'string') state.alert = { firing: true, normalRun: 0, since: a.since };
    if (p.extra && typeof p.extra === 'object') state.extra = p.extra;
    return { state, rebuilt: true };
  }
  const state: SeriesState = {
    v: 2,
    detector: detector.name,
    d,
    alert: { firing: a.firing as boolean, normalRun: a.normalRun as number, since: (a.since as string | null) ?? null },
    version: p.version,
    last: (p.last as number | null) ?? null,
  };
  if (p.extra && typeof p.extra === 'object') state.extra = p.extra;
  return { state, rebuilt: false };
}

/**
 * The state the next batch would decode from `stored` (encodeSeriesState's output, before its JSON round trip), or
 * undefined where decoding would rebuild it: what a warm container may keep in place of reading its own write back.
 * Decoded, not the live object, so a warm container continues exactly as a cold one would (a state the decoder
 * refuses is rebuilt by both).
 */
export function decodeSavedState(stored: SeriesState, detector: DetectorConfig): SeriesState | undefined {
  const revived = revive(stored, detector);
  return revived && !revived.rebuilt ? revived.state : undefined;
}

/**
 * Values beyond this magnitude are scored but never learned: no metric is that large, and learning one would
 * overflow the models' squared errors (and the seasonal profile's Float32) into a state the decoder must refuse,
 * which would cost the series its baseline. Emitters do send such sentinels (1e100, Number.MAX_VALUE).
 */
export const MAX_LEARNED_MAGNITUDE = 1e30;

function excludedAt(labels: Record<string, string>, t: number, exclusions: Config['exclusions'] | undefined): boolean {
  if (!exclusions?.length) return false;
  return exclusions.some((x) => Date.parse(x.start) <= t && t < Date.parse(x.end) && matchesLabels(x.match, labels));
}

/**
 * Feeds a series' new points (time order) to its detector, one point at a time, and turns anomaly episodes into
 * alerts: firing on the first anomalous point, resolved after `resolveAfter` normal points.
 */
export function evaluateSeries(
  points: MetricPoint[],
  prior: unknown,
  detector: DetectorConfig,
  ctx: EvaluateContext = {},
): SeriesOutcome {
  const first = points[0];
  const revived =
    ctx.live !== undefined && ctx.live.detector === detector.name
      ? { state: ctx.live, rebuilt: false }
      : revive(prior, detector);
  const state = revived?.state ?? freshState(detector, first ? versionOf(first.dimensions) : '');
  const outcome: SeriesOutcome = {
    state,
    alerts: [],
    processed: 0,
    skipped: 0,
    rebuilt: revived?.rebuilt ?? false,
    versionReset: false,
    excluded: 0,
    tooLarge: 0,
  };
  if (!first) return outcome;
  const engine = createDetector(detector);
  const base = seriesLabels(first);
  const labels = { ...base, alertname: `${first.metric}Anomaly`, detector: detector.name };

  const resolve = (at: string, annotations: Record<string, string>) => {
    outcome.alerts.push(
      makeAlert({
        status: 'resolved',
        severity: detector.severity,
        source: 'detector',
        labels,
        annotations,
        startsAt: state.alert.since ?? at,
        endsAt: at,
      }),
    );
    state.alert = { firing: false, normalRun: 0, since: null };
  };

  const describe = (det: Detection) => ({
    observed: fmt(det.observed),
    expected: fmt(det.expected),
    band: `${fmt(det.band[0])} … ${fmt(det.band[1])}`,
    score: det.score.toFixed(3),
    component: det.component,
    seasonality: det.seasonality,
  });
  const exclusions = ctx.exclusions?.length ? ctx.exclusions : undefined;

  for (const point of points) {
    if (state.last !== null && point.t <= state.last) {
      outcome.skipped += 1;
      continue;
    }
    const version = versionOf(point.dimensions);
    if (version !== state.version) {
      // A new model or prompt version: its shift is expected, so learn it afresh rather than page on it.
      if (state.alert.firing) {
        resolve(new Date(point.t).toISOString(), {
          summary: `${first.metric}: baseline restarted for ${version || 'an unversioned series'}`,
        });
      }
      const extra = state.extra;
      Object.assign(state, freshState(detector, version));
      if (extra) state.extra = extra;
      outcome.versionReset = true;
    }
    const excluded = exclusions !== undefined && excludedAt(base, point.t, exclusions);
    const tooLarge = !(Math.abs(point.value) <= MAX_LEARNED_MAGNITUDE);
    const det = engine.step(state.d, point.t, point.value, !excluded && !tooLarge);
    state.last = point.t;
    outcome.processed += 1;
    outcome.last = det;
    if (excluded) outcome.excluded += 1;
    if (tooLarge) outcome.tooLarge += 1;
    // Annotations and times are only built on a transition: this loop runs for every point.
    if (det.anomalous && !excluded) {
      state.alert.normalRun = 0;
      if (!state.alert.firing) {
        const at = new Date(point.t).toISOString();
        const annotations = describe(det);
        state.alert = { firing: true, normalRun: 0, since: at };
        outcome.alerts.push(
          makeAlert({
            status: 'firing',
            severity: detector.severity,
            source: 'detector',
            labels,
            annotations: {
              summary: `${first.metric} is ${fmt(det.observed)}, outside the expected band ${annotations.band} (expected ≈ ${fmt(det.expected)}; ${det.component})`,
              ...annotations,
            },
            startsAt: at,
          }),
        );
      }
    } else if (state.alert.firing) {
      state.alert.normalRun += 1;
      if (state.alert.normalRun >= detector.resolveAfter) {
        resolve(new Date(point.t).toISOString(), {
          summary: `${first.metric} is back within its expected band (${fmt(det.observed)}, expected ≈ ${fmt(det.expected)})`,
          ...describe(det),
        });
      }
    }
  }
  return outcome;
}

/** The stored form of a series' state: the detector's model in its encoded (JSON) form. */
export function encodeSeriesState(state: SeriesState, detector: DetectorConfig): SeriesState {
  return { ...state, d: createDetector(detector).encode(state.d) };
}
