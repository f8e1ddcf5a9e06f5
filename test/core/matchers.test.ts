import { describe, expect, it } from 'vitest';
import { matchesLabels } from '../../functions/core/matchers';

describe('matchesLabels', () => {
  const labels = { alertname: 'EcsTaskStopped', source: 'ecs', service: 'genai-inference' };

  it.each([
    ['no matchers', {}, true],
    ['an exact value', { source: 'ecs' }, true],
    ['a different exact value', { source: 'ssm' }, false],
    ['every matcher must hold', { source: 'ecs', service: 'other' }, false],
    ['a regex', { source: '~ecs|ssm' }, true],
    ['a regex is anchored at both ends', { service: '~genai' }, false],
    ['an anchored regex over the whole value', { service: '~genai-.*' }, true],
    ['an alternation is anchored as a whole', { service: '~x|genai-inference' }, true],
    ['a missing label against an exact value', { team: 'ml' }, false],
    ['a missing label against an empty exact value', { team: '' }, true],
    ['a missing label against a regex that accepts ""', { team: '~.*' }, true],
    ['a missing label against a regex that needs a character', { team: '~.+' }, false],
    ['exact values are case-sensitive', { source: 'ECS' }, false],
  ])('%s → %s', (_name, matchers, expected) => {
    // Act
    const result = matchesLabels(matchers as Record<string, string>, labels);

    // Assess
    expect(result).toBe(expected);
  });
});
