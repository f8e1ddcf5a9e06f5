// Detector state codec: the byte packings the engines' encode/decode share to keep a series' saved state small.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// Buffer's codec, not btoa/atob over a char string: this runs on every state save and load.
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Undefined for anything but canonical base64: Buffer skips bad characters silently, and those mean corruption. */
export function base64ToBytes(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * Deflated, then base64: for byte arrays with few distinct values and repeats (quantized contexts, sparse
 * histograms), where deflate keeps a fifth of the bytes.
 */
export function deflateToBase64(bytes: Uint8Array): string {
  // A window no larger than the input and a small hash table: the same output size for these ~1 KB arrays, at a
  // fraction of zlib's default setup cost (this runs on every state save).
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(bytes.length + 1))));
  return deflateRawSync(bytes, { level: 9, windowBits, memLevel: 4 }).toString('base64');
}

/** The bytes `deflateToBase64` packed, if they inflate to exactly `length` bytes; undefined otherwise. */
export function inflateFromBase64(text: unknown, length: number): Uint8Array | undefined {
  const packed = base64ToBytes(text);
  if (!packed) return undefined;
  let bytes: Buffer;
  try {
    // The cap stops a corrupt (or hostile) state from inflating into something huge before the length check.
    bytes = inflateRawSync(packed, { maxOutputLength: Math.max(length, 1) });
  } catch {
    return undefined;
  }
  if (bytes.length !== length) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}

// Float64 values go as their 8 bytes (little-endian everywhere the engines run): exact, and ~35% shorter than the
// 17-digit decimals JSON prints.
export function float64ToBytes(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function bytesToFloat64(bytes: Uint8Array, length: number): Float64Array | undefined {
  if (bytes.byteLength !== length * 8) return undefined;
  const out = new Float64Array(length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Every value finite: a NaN or infinity in a decoded state would poison the engine for good. */
export function allFinite(values: Float64Array): boolean {
  for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) return false;
  return true;
}

/** Shape checks the engines' decoders share: a whole number in [0, max], a finite number. */
export const isCount = (x: unknown, max = Number.MAX_SAFE_INTEGER): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;
export const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
