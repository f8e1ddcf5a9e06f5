import { describe, expect, it } from 'vitest';
import { UUID_RE, uuidFromKey } from '../../functions/core/ids';

describe('uuidFromKey', () => {
  it('is a well-formed RFC 4122 UUID (version 5 layout, RFC variant)', () => {
    // Act
    const id = uuidFromKey('policy:restart:abc:2026-11-27T10:00:00.000Z');

    // Assess
    expect(id).toMatch(UUID_RE);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is deterministic', () => {
    expect(uuidFromKey('same key')).toBe(uuidFromKey('same key'));
  });

  it('differs for different keys, including near-identical ones', () => {
    const keys = ['a', 'b', 'a ', 'A', '', 'policy:p:f:1', 'policy:p:f:2'];

    const ids = new Set(keys.map(uuidFromKey));

    expect(ids.size).toBe(keys.length);
  });
});

describe('UUID_RE', () => {
  it.each([
    ['123e4567-e89b-12d3-a456-426614174000', true],
    ['123E4567-E89B-12D3-A456-426614174000', true],
    ['123e4567e89b12d3a456426614174000', false],
    ['123e4567-e89b-12d3-a456-42661417400', false],
    ['not-a-uuid', false],
  ])('%s → %s', (value, ok) => {
    expect(UUID_RE.test(value)).toBe(ok);
  });
});
