// Conformal calibration the knn and context engines share: a histogram of a series' own past raw scores (whole
// counts by bin, halved when they reach 2×horizon). An engine's p-value for a score in bin b is
// (total − Σ hist[<b] + 1) / (total + 1), counted inline in its step (a shared function there cost ~4% per point).
import { z } from 'zod';
import { isCount } from './state-codec';

/** The settings both conformal engines take the same way (spread into each one's params schema). */
export const conformalParams = {
  /** Raw scores seen before the conformal tail is trusted; counts are halved each time they reach 2×horizon. */
  horizon: z.number().int().min(32).max(1_000_000).default(10_000),
  /** Points learned before the detector may score. */
  warmup: z.number().int().min(0).default(100),
  /** Points after a firing during which the score is halved: one page per incident (0 inside an ensemble). */
  refractory: z.number().int().min(0).default(100),
  /** Factor on the p-value of a point outside the range seen so far (1 = no extra weight). */
  outside: z.number().gt(0).max(1).default(0.3),
};

/**
 * Learns one raw score's bin and returns the new total; at 2×horizon every count is halved (whole counts: the history
 * is a window). Arrays and numbers in, not the engines' states: one call site shape keeps this hot path monomorphic.
 */
export function recordScore(hist: number[], total: number, bin: number, horizon: number): number {
  hist[bin] = (hist[bin] as number) + 1;
  let sum = total + 1;
  if (sum >= 2 * horizon) {
    sum = 0;
    for (let b = 0; b < hist.length; b++) {
      const c = (hist[b] as number) >> 1;
      hist[b] = c;
      sum += c;
    }
  }
  return sum;
}

/** The sum of a saved histogram of `bins` whole counts, or undefined if it is not one. */
export function savedHistogramTotal(raw: unknown, bins: number): number | undefined {
  if (!Array.isArray(raw) || raw.length !== bins || !raw.every((c) => isCount(c))) return undefined;
  const total = raw.reduce((a: number, c: number) => a + c, 0);
  return isCount(total) ? total : undefined;
}
