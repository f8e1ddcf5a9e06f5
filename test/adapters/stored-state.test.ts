// Tests for the stored form of series and source state: deflated JSON, exact, and never a throw on a bad item.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packState, UNREADABLE_STATE, unpackState } from '../../functions/adapters/stored-state';

describe('packState / unpackState', () => {
  it('round-trips exactly what JSON round-trips', () => {
    const state = { a: 0.1 + 0.2, b: [1, -0, 1e-300], c: { d: null, e: 'ü ✓' }, f: 'x'.repeat(2000) };
    expect(unpackState(packState(state))).toEqual(JSON.parse(JSON.stringify(state)));
    expect(unpackState(packState(undefined))).toBeNull();
  });

  it('stores a realistic state in well under half its JSON', () => {
    // A series' state: mostly base64 blobs and short numbers.
    const blob = Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 37) % 11)).toString('base64');
    const state = { v: 1, d: { m: [{ f: blob, hist: Array.from({ length: 32 }, (_, i) => i % 5) }] }, n: 123456 };
    expect(packState(state).byteLength).toBeLessThan(JSON.stringify(state).length / 2);
  });

  it('reads the JSON string older items hold', () => {
    expect(unpackState('{"n":2,"x":[1,2]}')).toEqual({ n: 2, x: [1, 2] });
  });

  it('answers an unreadable item with a marker no decoder accepts, never a throw', () => {
    expect(unpackState(Uint8Array.from([1, 2, 3]))).toBe(UNREADABLE_STATE);
    expect(unpackState('{not json')).toBe(UNREADABLE_STATE);
    expect(unpackState(new Uint8Array(deflateRawSync(Buffer.from('{"cut":'))))).toBe(UNREADABLE_STATE);
    // A bomb: 2 MB of spaces inflates past the cap.
    expect(unpackState(new Uint8Array(deflateRawSync(Buffer.alloc(2 << 20, 32))))).toBe(UNREADABLE_STATE);
    expect(unpackState(undefined)).toBeNull();
    expect(unpackState(42)).toBeNull();
  });
});
