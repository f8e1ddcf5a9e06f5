// The hand-written fast path never accepts what the zod schema rejects, and agrees with it when it accepts.
import { describe, expect, it } from 'vitest';
import { fastPoint, pointSchema } from '../../../functions/core/metrics/points';

const GOOD = {
  metric: 'InvocationLatency',
  dimensions: { ModelId: 'm' },
  timestamp: '2026-11-27T10:00:00Z',
  value: 1.5,
};

/** Deterministic PRNG so the fuzz corpus is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  'a'.repeat(300),
  [],
  {},
  true,
  1_795_773_600_000,
  1_764_237_600,
  1_795_773_600_000.5,
  '2026-11-27T10:00:00Z',
  '2026-11-27T10:00:00.123456Z',
  '2026-02-30T00:00:00Z',
  '2026-11-27T10:00:00',
  '2026-11-27T10:00:00+02:00',
  '2026-13-01T00:00:00Z',
  ' 2026-11-27T10:00:00Z',
  { ModelId: 'm' },
  { 'bad name': 'x' },
  { ok: 3 },
  { ok: 'v'.repeat(257) },
  Object.create(null),
];
const KEYS = ['metric', 'dimensions', 'timestamp', 'value', 'unit', 'extra'];

describe('fastPoint', () => {
  it('accepts the common point and matches the schema output', () => {
    const fast = fastPoint(GOOD);
    const slow = pointSchema.parse(GOOD);
    expect(fast).toEqual({
      metric: slow.metric,
      dimensions: slow.dimensions,
      t: Date.parse(GOOD.timestamp),
      value: 1.5,
    });
  });

  it('never accepts a point the schema rejects (5,000 fuzzed points)', () => {
    const next = rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] as T;
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const candidate: Record<string, unknown> = { ...GOOD };
      for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
        const key = pick(KEYS);
        const value = pick(VALUES);
        if (value === undefined && next() < 0.5) delete candidate[key];
        else candidate[key] = value;
      }
      const fast = fastPoint(candidate);
      if (!fast) continue;
      accepted++;
      const slow = pointSchema.safeParse(candidate);
      expect(slow.success, JSON.stringify(candidate)).toBe(true);
      if (slow.success) {
        const t = typeof slow.data.timestamp === 'number' ? slow.data.timestamp : Date.parse(slow.data.timestamp);
        expect(fast).toMatchObject({
          metric: slow.data.metric,
          dimensions: slow.data.dimensions,
          t,
          value: slow.data.value,
        });
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
