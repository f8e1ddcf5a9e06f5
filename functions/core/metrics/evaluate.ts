// Runs one series' new points through its detector and turns transitions into alerts.
import { type Alert, makeAlert } from '../alert';
import type { DetectorConfig } from '../config/schema';
import { type Detection, initialState, type RobustBaselineState, reviveState, step } from '../detect/robust-baseline';
import { matchesLabels } from '../matchers';
import type { MetricPoint } from './points';

export interface SeriesState {
  detector: string;
  /** ISO time the current anomaly began, so the resolve carries the same startsAt. */
  since: string | null;
  d: RobustBaselineState;
}

export interface SeriesOutcome {
  state: SeriesState;
  alerts: Alert[];
  processed: number;
  /** Out-of-order or duplicate timestamps, ignored. */
  skipped: number;
  /** True when stored state was unusable and a fresh baseline was started. */
  rebuilt: boolean;
  last?: Detection;
}

export function seriesLabels(point: Pick<MetricPoint, 'metric' | 'dimensions'>): Record<string, string> {
  return { ...point.dimensions, metric: point.metric };
}

export function selectDetector(
  detectors: DetectorConfig[],
  labels: Record<string, string>,
): DetectorConfig | undefined {
  return detectors.find((d) => matchesLabels(d.match, labels));
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}

export function evaluateSeries(points: MetricPoint[], prior: unknown, detector: DetectorConfig): SeriesOutcome {
  const first = points[0];
  let rebuilt = false;
  let state: SeriesState;
  const p = prior as Partial<SeriesState> | undefined;
  const revived = p && p.detector === detector.name ? reviveState(p.d, detector.window) : undefined;
  if (p && revived) {
    state = { detector: detector.name, since: typeof p.since === 'string' ? p.since : null, d: revived };
  } else {
    rebuilt = prior !== undefined;
    state = { detector: detector.name, since: null, d: initialState() };
    // A series that was firing keeps firing across a rebuild, so its resolve still comes (after the
    // fresh baseline sees `resolveAfter` normal points) instead of leaving the alert open forever.
    const wasFiring = typeof p?.since === 'string' && (p.d as { firing?: unknown } | undefined)?.firing === true;
    if (wasFiring) {
      state.since = p?.since as string;
      state.d.firing = true;
    }
  }
  const outcome: SeriesOutcome = { state, alerts: [], processed: 0, skipped: 0, rebuilt };
  if (!first) return outcome;

  const labels = {
    ...seriesLabels(first),
    alertname: `${first.metric}Anomaly`,
    detector: detector.name,
  };
  for (const point of points) {
    const det = step(state.d, point.t, point.value, detector);
    if (!det) {
      outcome.skipped += 1;
      continue;
    }
    outcome.processed += 1;
    outcome.last = det;
    if (!det.transition) continue;
    const at = new Date(point.t).toISOString();
    const annotations = {
      summary:
        det.transition === 'firing'
          ? `${first.metric} is ${fmt(det.observed)}, outside the expected band ${fmt(det.band[0])} … ${fmt(det.band[1])} (expected ≈ ${fmt(det.expected)})`
          : `${first.metric} is back within its expected band (${fmt(det.observed)}, expected ≈ ${fmt(det.expected)})`,
      observed: fmt(det.observed),
      expected: fmt(det.expected),
      band: `${fmt(det.band[0])} … ${fmt(det.band[1])}`,
      score: det.score.toFixed(3),
      component: det.component,
    };
    if (det.transition === 'firing') {
      state.since = at;
      outcome.alerts.push(
        makeAlert({
          status: 'firing',
          severity: detector.severity,
          source: 'detector',
          labels,
          annotations,
          startsAt: at,
        }),
      );
    } else {
      outcome.alerts.push(
        makeAlert({
          status: 'resolved',
          severity: detector.severity,
          source: 'detector',
          labels,
          annotations,
          startsAt: state.since ?? at,
          endsAt: at,
        }),
      );
      state.since = null;
    }
  }
  return outcome;
}
