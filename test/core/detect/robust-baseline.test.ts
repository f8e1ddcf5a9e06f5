import { describe, expect, it } from 'vitest';
import {
  type Detection,
  initialState,
  type RobustBaselineOptions,
  type RobustBaselineState,
  reviveState,
  step,
} from '../../../functions/core/detect/robust-baseline';

const OPTIONS: RobustBaselineOptions = { window: 60, minPoints: 20, threshold: 6, direction: 'both' };
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;

/** A deterministic, noisy but normal series around `level` (no Math.random in tests either). */
function noisy(n: number, level = 100, spread = 5): number[] {
  return Array.from({ length: n }, (_, i) => level + spread * Math.sin(i * 1.7) + (spread / 2) * Math.cos(i * 0.9));
}

/** Feeds values one minute apart; returns every detection and the final state. */
function feed(
  values: number[],
  options: RobustBaselineOptions = OPTIONS,
  state: RobustBaselineState = initialState(),
  start = T0,
): { detections: (Detection | undefined)[]; state: RobustBaselineState } {
  const detections = values.map((v, i) => step(state, start + i * MINUTE, v, options));
  return { detections, state };
}

describe('robust baseline: step', () => {
  it('stays quiet until it has minPoints of history', () => {
    // Act
    const { detections } = feed([...noisy(19), 10_000]);

    // Assess
    expect(detections.every((d) => d?.anomalous === false && d.score === 0)).toBe(true);
  });

  it('scores a point only against earlier points: appending later points never changes it', () => {
    // Prepare
    const series = [...noisy(40), 180, ...noisy(20, 100)];
    const prefix = series.slice(0, 41);

    // Act
    const short = feed(prefix).detections;
    const long = feed(series).detections.slice(0, 41);

    // Assess
    expect(long).toEqual(short);
  });

  it('fires once for a spike held over several points, then resolves after resolveAfter normal points', () => {
    const spike = [...noisy(30), 300, 310, 305, 300, ...noisy(5)];

    const { detections } = feed(spike, { ...OPTIONS, resolveAfter: 3 });

    const transitions = detections.map((d, i) => [i, d?.transition]).filter(([, t]) => t !== undefined);
    expect(transitions).toEqual([
      [30, 'firing'],
      [36, 'resolved'],
    ]);
    expect(detections[30]).toMatchObject({ anomalous: true, observed: 300, component: 'robust-baseline' });
    expect(detections[30]?.score).toBeGreaterThan(0.5);
    expect(detections[30]?.score).toBeLessThanOrEqual(1);
  });

  it('resets the run of normal points when the anomaly comes back before resolving', () => {
    const series = [...noisy(30), 300, 100, 100, 300, 100, 100, 100];

    const { detections } = feed(series, { ...OPTIONS, resolveAfter: 3 });

    expect(detections.map((d) => d?.transition ?? '-').slice(30)).toEqual([
      'firing',
      '-',
      '-',
      '-',
      '-',
      '-',
      'resolved',
    ]);
  });

  it('describes the band it judged the point against', () => {
    const { detections } = feed([...noisy(30), 300]);

    const d = detections[30];
    expect(d?.expected).toBeGreaterThan(95);
    expect(d?.expected).toBeLessThan(105);
    expect(d?.band[0]).toBeLessThan(d?.expected ?? 0);
    expect(d?.band[1]).toBeGreaterThan(d?.expected ?? 0);
    expect(d?.band[1]).toBeLessThan(300);
  });

  it.each([
    ['up', 300, true],
    ['up', -100, false],
    ['down', -100, true],
    ['down', 300, false],
    ['both', 300, true],
    ['both', -100, true],
  ] as const)('direction %s: %i is anomalous → %s', (direction, value, anomalous) => {
    const { detections } = feed([...noisy(30), value], { ...OPTIONS, direction });

    expect(detections[30]?.anomalous).toBe(anomalous);
    if (!anomalous) expect(detections[30]?.transition).toBeUndefined();
  });

  it('gives a zero score to a drop when only rises count', () => {
    const { detections } = feed([...noisy(30), -100], { ...OPTIONS, direction: 'up' });

    expect(detections[30]?.score).toBe(0);
  });

  it('ignores out-of-order and duplicate timestamps without learning them', () => {
    const state = initialState();
    const first = step(state, T0 + 2 * MINUTE, 1, OPTIONS);

    const duplicate = step(state, T0 + 2 * MINUTE, 2, OPTIONS);
    const older = step(state, T0 + MINUTE, 3, OPTIONS);

    expect(first).toBeDefined();
    expect(duplicate).toBeUndefined();
    expect(older).toBeUndefined();
    expect(state.buf).toEqual([1]);
    expect(state.last).toBe(T0 + 2 * MINUTE);
  });

  it('keeps only the last `window` points', () => {
    const { state } = feed(
      Array.from({ length: 12 }, (_, i) => i),
      { ...OPTIONS, window: 8, minPoints: 4 },
    );

    expect([...state.buf].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('does not page on a wiggle of a flat, non-count series', () => {
    const { detections } = feed([...Array(30).fill(100), 100.5]);

    expect(detections[30]?.anomalous).toBe(false);
  });

  it('continues with identical scores after a JSON round trip of its state', () => {
    const head = [...noisy(35), 250, 260];
    const tail = [...noisy(10), 400, ...noisy(5)];
    const straight = feed([...head, ...tail]).detections.slice(head.length);

    const { state } = feed(head);
    const revived = reviveState(JSON.parse(JSON.stringify(state)), OPTIONS.window);
    if (!revived) throw new Error('state did not survive JSON');
    const resumed = feed(tail, OPTIONS, revived, T0 + head.length * MINUTE).detections;

    expect(resumed).toEqual(straight);
  });
});

describe('robust baseline: reviveState', () => {
  const good: RobustBaselineState = { v: 1, buf: [1, 2, 3], pos: 0, last: T0, firing: true, normalRun: 1 };

  it('accepts state of the expected shape', () => {
    expect(reviveState(structuredClone(good), 60)).toEqual(good);
  });

  it('accepts a state that has not seen a point yet', () => {
    expect(reviveState(initialState(), 60)).toEqual(initialState());
  });

  it.each([
    ['null', null],
    ['a string', 'state'],
    ['a number', 42],
    ['another version', { ...good, v: 2 }],
    ['a buffer that is not an array', { ...good, buf: '1,2,3' }],
    ['a buffer longer than the window', { ...good, buf: Array(61).fill(1) }],
    ['a non-numeric value in the buffer', { ...good, buf: [1, '2', 3] }],
    ['a null in the buffer (NaN after JSON)', { ...good, buf: [1, null, 3] }],
    ['a missing pos', { ...good, pos: undefined }],
    ['a firing flag that is not boolean', { ...good, firing: 'yes' }],
    ['a normalRun that is not a number', { ...good, normalRun: '1' }],
    ['a last time that is not a number', { ...good, last: '2026-11-27' }],
  ])('rejects %s', (_name, raw) => {
    expect(reviveState(raw, 60)).toBeUndefined();
  });
});
