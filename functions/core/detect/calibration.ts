// Tail calibration: turns a raw statistic into a tail probability against the series' own history of it, with a
// geometric decay past the largest value seen. The seasonal engine keeps one row per component; flatline one row of
// run lengths.

/**
 * Histogram of log-scaled raw statistics, one row per component, stored flat. Counts are halved when the total
 * reaches twice `memory`, so the history is the last `memory`..`2·memory` points; halving keeps the counts dyadic
 * fractions, which are exact and short in JSON.
 */
export interface TailHistogram {
  counts: Float64Array;
  total: number;
}

export interface CalibrationOptions {
  bins: number;
  binsPerOctave: number;
  /** Pseudo-count standing for "not seen yet": the smallest tail is about prior / (total + prior). */
  prior: number;
  /** How fast the tail falls (per bin) for a value beyond everything seen so far. */
  kappa: number;
  memory: number;
}

/** Position of a log1p-scaled statistic on the histogram axis (bins, continuous). */
export function binPosition(logStat: number, o: CalibrationOptions): number {
  return (logStat / Math.LN2) * o.binsPerOctave;
}

/** P(statistic ≥ u) for component `c`, from its histogram; beyond the highest filled bin it decays geometrically. */
export function tail(
  h: { readonly counts: ArrayLike<number>; readonly total: number },
  c: number,
  u: number,
  o: Pick<CalibrationOptions, 'bins' | 'prior' | 'kappa'>,
): number {
  const base = c * o.bins;
  // Clamped both ways: a position below the axis (never written, but a corrupt state could hold one) must not turn
  // the scan below into a loop over |u| bins.
  const b = Math.max(-1, Math.min(o.bins - 1, Math.floor(u)));
  const counts = h.counts;
  const own = b >= 0 ? counts[base + b]! : 0;
  let above = own * Math.max(0, 1 - (u - b));
  let top = own > 0 ? b : -1;
  // The highest filled bin above b first, then the counts up to it: the same additions in the same order as one
  // scan that tracks the top as it goes, with a branch per bin less.
  let hi = o.bins - 1;
  while (hi > b && !(counts[base + hi]! > 0)) hi--;
  if (hi > b) top = hi;
  for (let k = b + 1; k <= hi; k++) {
    const v = counts[base + k]!;
    if (v > 0) above += v;
  }
  if (top < 0)
    for (let k = b - 1; k >= 0; k--)
      if (counts[base + k]! > 0) {
        top = k;
        break;
      }
  const gap = top < 0 ? 0 : Math.max(0, u - top - 1);
  // Within the seen range the exponent is ±0, whose exp is exactly 1: the library call is skipped there.
  const exponent = -o.kappa * gap;
  return (above + o.prior * (exponent === 0 ? 1 : Math.exp(exponent))) / (h.total + o.prior);
}

/** Records one point's statistics (one position per component); halves the history when it is full. */
export function record(h: TailHistogram, positions: Float64Array, o: CalibrationOptions): void {
  const counts = h.counts;
  for (let c = 0; c < positions.length; c++) {
    const b = Math.min(o.bins - 1, Math.max(0, Math.floor(positions[c]!)));
    counts[c * o.bins + b]! += 1;
  }
  h.total += 1;
  if (h.total >= 2 * o.memory) {
    for (let k = 0; k < counts.length; k++) counts[k]! *= 0.5;
    h.total *= 0.5;
  }
}
