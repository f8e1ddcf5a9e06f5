// The contract every streaming detector implements: one point at a time, compact serializable state.

/** What a detector says about one point; the alert carries it as its explanation. */
export interface Detection {
  /** Anomaly score in [0, 1]; comparable across series (NAB sweeps one threshold over all files). */
  score: number;
  /** score ≥ the detector's threshold (and past warm-up). */
  anomalous: boolean;
  /** The value the detector expected here, and the band it considered normal. */
  expected: number;
  band: [number, number];
  observed: number;
  /** Which component fired (or dominates): e.g. 'spike', 'level-shift', 'variance', 'drift', 'seasonal', 'warm-up'. */
  component: string;
  /** Seasonality in use, e.g. 'daily', 'weekly', 'none'. */
  seasonality: string;
}

/**
 * A streaming detector. `step` scores the point against state built from earlier points only (no look-ahead),
 * then learns it, mutating `state`. Deterministic: the same points give the same scores, and
 * `decode(JSON.parse(JSON.stringify(encode(s))))` continues exactly as `s` would have.
 */
export interface StreamingDetector<S> {
  readonly kind: string;
  init(): S;
  /**
   * Scores the point, then learns it unless `learn` is false (configured exclusion windows such as deploys
   * and maintenance are scored but not learned from). Timestamps may be irregular or have gaps.
   */
  step(state: S, timestampMs: number, value: number, learn?: boolean): Detection;
  /** A JSON-serializable form of the state (aim: ≤ 4 KB as JSON). */
  encode(state: S): unknown;
  /** Undefined when `raw` is not a valid encoded state of this detector (it is then rebuilt). */
  decode(raw: unknown): S | undefined;
}

/** The detection for a point a detector does not score (out of order, warm-up): nothing to see, nothing learned. */
export function quietDetection(x: number, component: string): Detection {
  return { score: 0, anomalous: false, expected: x, band: [x, x], observed: x, component, seasonality: 'none' };
}

/**
 * An engine that can also write its detection into a caller-owned object (band array included) instead of a fresh
 * one: the ensemble steps four members per point and keeps none of their detections, so it reuses one per member.
 * Same values as `step`; `out` is overwritten by the next call.
 */
export interface ScratchDetector<S> extends StreamingDetector<S> {
  stepInto(state: S, timestampMs: number, value: number, learn: boolean, out: Detection): void;
}

/** A blank detection to be filled by `stepInto` (the same shape as the engines' own literals). */
export function blankDetection(): Detection {
  return { score: 0, anomalous: false, expected: 0, band: [0, 0], observed: 0, component: '', seasonality: 'none' };
}

/** Writes one detection into `out` (its band array reused): the one place every engine's `stepInto` fills it. */
export function writeDetection(
  out: Detection,
  score: number,
  anomalous: boolean,
  expected: number,
  low: number,
  high: number,
  observed: number,
  component: string,
  seasonality: string,
): void {
  out.score = score;
  out.anomalous = anomalous;
  out.expected = expected;
  out.band[0] = low;
  out.band[1] = high;
  out.observed = observed;
  out.component = component;
  out.seasonality = seasonality;
}

/** `quietDetection`, written into `out`. */
export function quietInto(out: Detection, x: number, component: string): void {
  writeDetection(out, 0, false, x, x, x, x, component, 'none');
}

/**
 * The public `step` of an engine that has `stepInto`: its detection in a scratch object, copied out fresh (callers
 * such as evaluateSeries keep theirs), while the ensemble steps its members into objects of its own.
 */
export function stepFrom<S>(
  stepInto: ScratchDetector<S>['stepInto'],
): (state: S, timestampMs: number, value: number, learn?: boolean) => Detection {
  const scratch = blankDetection();
  return (state, timestampMs, value, learn = true) => {
    stepInto(state, timestampMs, value, learn, scratch);
    return copyDetection(scratch);
  };
}

/** A fresh copy of a detection (band included): what a public `step` returns from its engine's scratch. */
export function copyDetection(d: Detection): Detection {
  return {
    score: d.score,
    anomalous: d.anomalous,
    expected: d.expected,
    band: [d.band[0], d.band[1]],
    observed: d.observed,
    component: d.component,
    seasonality: d.seasonality,
  };
}
