// Tests for the detector state codec: sparse floats and the pack cache must give exactly what the plain codecs give.
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  deflateToBase64,
  floatsToSparseBase64,
  inflateFromBase64,
  PackCache,
  sparseBase64ToFloats,
} from '../../../functions/core/detect/state-codec';

describe('sparse floats', () => {
  it('round-trips every bit, including -0, tiny, huge and long-mantissa values', () => {
    // Prepare
    const values = Float64Array.from([0, -0, 1, 0.5, 98.8204345703125, Math.PI, 1e-300, -1e300, 0, 0, 0, 3]);
    // Act
    const back = sparseBase64ToFloats(floatsToSparseBase64(values), values.length);
    // Assess
    expect(back).toBeDefined();
    for (let i = 0; i < values.length; i++) expect(Object.is(back?.[i], values[i])).toBe(true);
  });

  it('keeps zeros out of the payload: an all-zero array is its bitmap alone', () => {
    expect(floatsToSparseBase64(new Float64Array(128))).toBe(Buffer.alloc(16).toString('base64'));
    // A halved count such as 2.5 needs its top two bytes, plus one for the length.
    expect(Buffer.from(floatsToSparseBase64(Float64Array.from([2.5])), 'base64')).toHaveLength(1 + 1 + 2);
  });

  it('rejects what it would not have written', () => {
    const good = floatsToSparseBase64(Float64Array.from([1, 0, 2]));
    expect(sparseBase64ToFloats(good, 3)).toEqual(Float64Array.from([1, 0, 2]));
    expect(sparseBase64ToFloats(good, 2)).toBeUndefined(); // wrong length: padding bit set
    expect(sparseBase64ToFloats(good, 16)).toBeUndefined(); // bitmap longer than the bytes allow
    expect(sparseBase64ToFloats('not base64!', 3)).toBeUndefined();
    expect(sparseBase64ToFloats(42, 3)).toBeUndefined();
    const bytes = Buffer.from(good, 'base64');
    expect(sparseBase64ToFloats(Buffer.concat([bytes, Buffer.from([0])]).toString('base64'), 3)).toBeUndefined();
    const badLength = Buffer.from(bytes);
    badLength[1] = 9; // a byte count beyond 8
    expect(sparseBase64ToFloats(badLength.toString('base64'), 3)).toBeUndefined();
    // A value marked present that decodes to zero.
    expect(sparseBase64ToFloats(Buffer.from([0b1, 1, 0]).toString('base64'), 1)).toBeUndefined();
  });
});

describe('PackCache', () => {
  const ring = () => Uint8Array.from({ length: 256 }, (_, i) => 96 + ((i * 7) % 5));

  it('packs exactly as deflateToBase64 and unpacks exactly as inflateFromBase64', () => {
    // Prepare
    const cache = new PackCache();
    const bytes = ring();
    // Act
    const text = cache.deflate(bytes, bytes);
    // Assess
    expect(text).toBe(deflateToBase64(bytes));
    expect(cache.inflate(text, bytes.length)).toEqual(inflateFromBase64(text, bytes.length));
    expect(cache.inflate(text, bytes.length - 1)).toBeUndefined();
    expect(cache.inflate('AAAA', 4)).toBeUndefined();
  });

  it('hands out copies: changing what it returned does not change what it returns next', () => {
    const cache = new PackCache();
    const bytes = ring();
    const text = cache.pack(bytes);
    const first = cache.inflate(text, bytes.length) as Uint8Array;
    first[0] = 0;
    expect(cache.inflate(text, bytes.length)).toEqual(bytes);
  });

  it('re-packs an owner only after it is marked changed', () => {
    // Prepare
    const cache = new PackCache();
    const owner = ring();
    const before = cache.deflate(owner, owner);
    owner[3] = 100;
    // Act + Assess: unmarked, the old packing stands (the engine marks every write)
    expect(cache.deflate(owner, owner)).toBe(before);
    cache.changed(owner);
    const after = cache.deflate(owner, owner);
    expect(after).toBe(deflateToBase64(owner));
    expect(after).not.toBe(before);
    // Loaded from a text: saving it unchanged gives that text back without packing.
    const loaded = ring();
    cache.loaded(loaded, 'SAVED');
    expect(cache.deflate(loaded, loaded)).toBe('SAVED');
  });

  it('stays within its byte budget, dropping the oldest entries first', () => {
    // Prepare
    const cache = new PackCache(2_000);
    const texts: string[] = [];
    // Act
    for (let k = 0; k < 20; k++) {
      const bytes = ring();
      bytes[0] = k;
      texts.push(cache.pack(bytes));
    }
    // Assess: the newest still inflates (from cache or not, the same bytes); the held total is bounded
    const held = (cache as unknown as { held: number }).held;
    expect(held).toBeLessThanOrEqual(2_000);
    expect((cache as unknown as { byText: Map<string, Uint8Array> }).byText.has(texts[0] as string)).toBe(false);
    expect((cache as unknown as { byText: Map<string, Uint8Array> }).byText.has(texts[19] as string)).toBe(true);
    expect(cache.inflate(texts[0], 256)?.[0]).toBe(0);
  });
});

describe('base64ToBytes', () => {
  it('reads padded base64 and refuses anything with a character Buffer would skip', () => {
    expect(base64ToBytes('AQID')).toEqual(Uint8Array.from([1, 2, 3]));
    expect(base64ToBytes('AQI=')).toEqual(Uint8Array.from([1, 2]));
    expect(base64ToBytes('AQ==')).toEqual(Uint8Array.from([1]));
    expect(base64ToBytes('')).toEqual(new Uint8Array(0));
    for (const bad of ['AQI', 'AQ!D', 'A QD', 'AQ=D', '=AQD', 'A===', 'AQID\n', 'AQ\u00e9D', 42, null])
      expect(base64ToBytes(bad)).toBeUndefined();
  });
});
