// First streaming detector: a rolling median/MAD baseline per series (issue 3 replaces it with the seasonal engine).

export interface RobustBaselineOptions {
  window: number;
  minPoints: number;
  /** Robust z-score above which a point is anomalous. */
  threshold: number;
  direction: 'up' | 'down' | 'both';
  /** Consecutive normal points before a firing series resolves. */
  resolveAfter?: number;
}

export interface RobustBaselineState {
  v: 1;
  /** Ring buffer of the last `window` values. */
  buf: number[];
  pos: number;
  /** Epoch ms of the last accepted point; older or equal timestamps are ignored. */
  last: number | null;
  firing: boolean;
  normalRun: number;
}

export interface Detection {
  /** Anomaly score in [0, 1]: 0 normal, → 1 far outside the band. */
  score: number;
  /** Robust z-score of the point against the baseline. */
  z: number;
  expected: number;
  band: [number, number];
  observed: number;
  component: 'robust-baseline';
  anomalous: boolean;
  /** 'firing' when the series starts being anomalous, 'resolved' when it returns to normal. */
  transition?: 'firing' | 'resolved';
}

export function initialState(): RobustBaselineState {
  return { v: 1, buf: [], pos: 0, last: null, firing: false, normalRun: 0 };
}

function median(sorted: number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Scores `value` against the baseline built from earlier points only (no look-ahead), then learns it.
 * Returns undefined when the point is out of order or a duplicate timestamp (the caller counts those).
 */
export function step(
  state: RobustBaselineState,
  timestampMs: number,
  value: number,
  options: RobustBaselineOptions,
  learn = true,
): Detection | undefined {
  if (state.last !== null && timestampMs <= state.last) return undefined;
  state.last = timestampMs;

  let detection: Detection;
  if (state.buf.length >= options.minPoints) {
    const sorted = [...state.buf].sort((a, b) => a - b);
    const med = median(sorted);
    const mad = median(sorted.map((x) => Math.abs(x - med)).sort((a, b) => a - b));
    // Count series (errors, throttles) often have MAD = 0; fall back to the mean absolute deviation
    // (scaled to σ for normal data), and floor at 1% of the level so flat series don't page on a wiggle.
    let scale = 1.4826 * mad;
    if (scale === 0) scale = (1.2533 * sorted.reduce((acc, x) => acc + Math.abs(x - med), 0)) / sorted.length;
    // Whole-number series are counts: their noise is at least Poisson-like (√level, and never below one
    // event), so a step of ±1 in errors or throttles never pages. Others get a 1%-of-level floor.
    const counts = sorted.every(Number.isInteger);
    const floor = counts ? Math.sqrt(Math.max(Math.abs(med), 1)) : Math.abs(med) * 0.01;
    scale = Math.max(scale, floor, 1e-9);
    const signed = (value - med) / scale;
    const z = options.direction === 'up' ? signed : options.direction === 'down' ? -signed : Math.abs(signed);
    const anomalous = z > options.threshold;
    detection = {
      score: z <= 0 ? 0 : 1 - Math.exp(-z / options.threshold),
      z,
      expected: med,
      band: [med - options.threshold * scale, med + options.threshold * scale],
      observed: value,
      component: 'robust-baseline',
      anomalous,
    };
  } else {
    detection = {
      score: 0,
      z: 0,
      expected: value,
      band: [value, value],
      observed: value,
      component: 'robust-baseline',
      anomalous: false,
    };
  }

  const resolveAfter = options.resolveAfter ?? 3;
  if (detection.anomalous) {
    state.normalRun = 0;
    if (!state.firing) {
      state.firing = true;
      detection.transition = 'firing';
    }
  } else if (state.firing) {
    state.normalRun += 1;
    if (state.normalRun >= resolveAfter) {
      state.firing = false;
      state.normalRun = 0;
      detection.transition = 'resolved';
    }
  }

  if (!learn) return detection;
  if (state.buf.length < options.window) {
    state.buf.push(value);
  } else {
    state.buf[state.pos] = value;
    state.pos = (state.pos + 1) % options.window;
  }
  return detection;
}

/** Accepts stored state only if it has the expected shape; anything else starts a fresh baseline. */
export function reviveState(raw: unknown, window: number): RobustBaselineState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Partial<RobustBaselineState>;
  if (s.v !== 1 || !Array.isArray(s.buf) || s.buf.length > window || !s.buf.every(Number.isFinite)) return undefined;
  const pos = s.pos;
  // pos only moves once the buffer is full; anything else would freeze or corrupt the baseline.
  if (typeof pos !== 'number' || !Number.isInteger(pos) || pos < 0) return undefined;
  if (s.buf.length < window ? pos !== 0 : pos >= window) return undefined;
  if (typeof s.firing !== 'boolean') return undefined;
  if (typeof s.normalRun !== 'number' || !Number.isInteger(s.normalRun) || s.normalRun < 0) return undefined;
  if (s.last !== null && !(typeof s.last === 'number' && Number.isFinite(s.last))) return undefined;
  return { v: 1, buf: s.buf, pos, last: s.last ?? null, firing: s.firing, normalRun: s.normalRun };
}
