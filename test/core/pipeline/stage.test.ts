import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import { isActive } from '../../../functions/core/pipeline/silence';
import { type PipelineContext, type Stage, sequence } from '../../../functions/core/pipeline/stage';
import { alert, pipelineHarness } from './fakes';

describe('sequence', () => {
  it('runs stages in order and stops once no alert is left', async () => {
    // Prepare
    const calls: string[] = [];
    const stage =
      (name: string, keep: boolean): Stage =>
      async (_ctx, alerts) => {
        calls.push(name);
        return keep ? alerts : [];
      };
    const ctx: PipelineContext = pipelineHarness().ctx('2026-11-27T10:00:00.000Z');

    // Act
    const out: Alert[] = await sequence(stage('a', true), stage('b', false), stage('c', true))(ctx, [alert()]);

    // Assess
    expect(calls).toEqual(['a', 'b']);
    expect(out).toEqual([]);
  });
});

describe('isActive (silences)', () => {
  const s = {
    id: 's',
    matchers: {},
    startsAt: '2026-11-27T10:00:00.000Z',
    endsAt: '2026-11-27T11:00:00.000Z',
    createdBy: 'a',
    comment: '',
    createdAt: '2026-11-27T09:00:00.000Z',
  };

  it.each([
    ['2026-11-27T09:59:59.999Z', false],
    ['2026-11-27T10:00:00.000Z', true],
    ['2026-11-27T10:59:59.999Z', true],
    ['2026-11-27T11:00:00.000Z', false],
  ])('at %s → %s', (now, active) => {
    expect(isActive(s, new Date(now))).toBe(active);
  });
});
