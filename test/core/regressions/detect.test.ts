// Regressions: bugs in functions/core/detect/robust-baseline.ts, found in review and fixed.
import { describe, expect, it } from 'vitest';
import {
  initialState,
  type RobustBaselineOptions,
  reviveState,
  step,
} from '../../../functions/core/detect/robust-baseline';

const O: RobustBaselineOptions = { window: 60, minPoints: 20, threshold: 6, direction: 'both' };
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
function last(values: number[], next: number) {
  const s = initialState();
  values.forEach((v, i) => {
    step(s, T0 + i * 60_000, v, O);
  });
  return step(s, T0 + values.length * 60_000, next, O);
}

describe('fixed: robust-baseline: count series with MAD = 0 page on ±1', () => {
  it.each([
    ['constant 5 errors/min, then 6', Array(30).fill(5), 6],
    ['constant 5 errors/min, then 4', Array(30).fill(5), 4],
    ['all zeros, then 1', Array(30).fill(0), 1],
    ['mostly zeros with an occasional 1, then 1', Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? 1 : 0)), 1],
  ])('%s is not anomalous', (_n, values, next) => {
    expect(last(values, next)?.anomalous).toBe(false);
  });
});

describe('fixed: robust-baseline: reviveState accepts corrupt state', () => {
  const good = { v: 1, buf: [1, 2, 3], pos: 0, last: T0, firing: false, normalRun: 0 };
  it.each([
    ['negative pos', { ...good, pos: -1 }],
    ['fractional pos', { ...good, pos: 1.5 }],
    ['NaN pos', { ...good, pos: Number.NaN }],
    ['pos beyond a partly filled buffer', { ...good, pos: 7 }],
    ['negative normalRun', { ...good, normalRun: -3 }],
    ['infinite last (every later point would be ignored)', { ...good, last: Number.POSITIVE_INFINITY }],
    ['NaN last', { ...good, last: Number.NaN }],
  ])('rejects %s', (_n, raw) => {
    expect(reviveState(raw, 60)).toBeUndefined();
  });

  it('a revived negative pos writes outside the ring, freezing the baseline', () => {
    const s = reviveState({ v: 1, buf: Array(8).fill(1), pos: -1, last: null, firing: false, normalRun: 0 }, 8);
    if (!s) return; // the fix: rejected
    step(s, T0, 99, { ...O, window: 8, minPoints: 4 });
    expect(s.buf).toContain(99);
  });
});
