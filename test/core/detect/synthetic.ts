// Synthetic series shared by the detector-engine tests: five-minute points, a daily cycle, deterministic noise.

export const T0 = Date.parse('2026-01-05T00:00:00.000Z');
export const FIVE_MINUTES = 300_000;
/** Points in a day at five-minute resolution. */
export const DAY = 288;
/** The event in the synthetic cases comes after a week of normal data. */
export const EVENT = 7 * DAY;

/** Deterministic uniform noise in [0, 1) (tests may not use Math.random either). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A daily sine around 100 with small noise, sampled every five minutes. */
export function daily(n: number, seed = 7, noise = 1): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / DAY) + noise * (2 * r() - 1));
}
