// Tests for the conformal score histogram the knn and context engines share.
import { describe, expect, it } from 'vitest';
import { recordScore, savedHistogramTotal } from '../../../functions/core/detect/conformal';

describe('recordScore', () => {
  it('counts a bin and returns the new total', () => {
    const hist = [0, 0, 0];
    expect(recordScore(hist, 0, 2, 100)).toBe(1);
    expect(hist).toEqual([0, 0, 1]);
  });

  it('halves every count, in whole counts, when the total reaches twice the horizon', () => {
    const hist = [5, 0, 34];
    const total = recordScore(hist, 39, 1, 20);
    expect(hist).toEqual([2, 0, 17]);
    expect(total).toBe(19);
  });
});

describe('savedHistogramTotal', () => {
  it('sums a saved histogram of whole counts and refuses anything else', () => {
    expect(savedHistogramTotal([1, 0, 3], 3)).toBe(4);
    expect(savedHistogramTotal([1, 0], 3)).toBeUndefined();
    expect(savedHistogramTotal([1, -1, 3], 3)).toBeUndefined();
    expect(savedHistogramTotal([1, 0.5, 3], 3)).toBeUndefined();
    expect(savedHistogramTotal('1,0,3', 3)).toBeUndefined();
    expect(savedHistogramTotal([Number.MAX_SAFE_INTEGER, 1, 0], 3)).toBeUndefined();
  });
});
