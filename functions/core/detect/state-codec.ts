// Detector state codec: the byte packings the engines' encode/decode share to keep a series' saved state small.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

// Buffer's codec, not btoa/atob over a char string: this runs on every state save and load.
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Undefined for anything but padded base64: Buffer skips bad characters silently, and those mean corruption. A
 * skipped character shortens the output, so the length check catches it without a regular expression over every
 * saved field on every load (Buffer also reads the URL-safe '-' and '_', which decode to the same bytes).
 */
export function base64ToBytes(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  const eq = text.indexOf('=');
  if (bytes.length !== (text.length / 4) * 3 - pad || (eq >= 0 && eq < text.length - pad)) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
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

/**
 * Remembers what `deflateToBase64` and `inflateFromBase64` produced, both ways, so a warm Lambda neither re-inflates
 * a saved array it has seen nor re-deflates one that did not change since it was loaded (most batches leave a knn
 * ring untouched). Bounded by bytes held; the oldest entries go first. Purely a cache: decoded states are identical
 * (a ring saved unchanged keeps the exact text it was loaded from, even one another packer wrote).
 */
export class PackCache {
  private readonly byText = new Map<string, Uint8Array>();
  private readonly byBytes = new WeakMap<Uint8Array, string>();
  private held = 0;
  constructor(private readonly maxBytes = 1024 * 1024) {}

  /** The bytes `text` inflates to (exactly `length` of them), from the cache when seen before. */
  inflate(text: unknown, length: number): Uint8Array | undefined {
    if (typeof text !== 'string') return undefined;
    const hit = this.byText.get(text);
    if (hit && hit.length === length) return hit.slice();
    const bytes = inflateFromBase64(text, length);
    if (bytes) this.remember(text, bytes.slice());
    return bytes;
  }

  /** `deflateToBase64(bytes)`, skipped when `owner` still holds what it was last packed or loaded as. */
  deflate(owner: Uint8Array, bytes: Uint8Array): string {
    const known = this.byBytes.get(owner);
    if (known !== undefined) return known;
    const text = deflateToBase64(bytes);
    this.byBytes.set(owner, text);
    this.remember(text, bytes.slice());
    return text;
  }

  /** `deflateToBase64(bytes)`, remembered so the next load of that text skips the inflate. */
  pack(bytes: Uint8Array): string {
    const text = deflateToBase64(bytes);
    this.remember(text, bytes.slice());
    return text;
  }

  /** `owner` now holds what `text` packs (just loaded from it). */
  loaded(owner: Uint8Array, text: string): void {
    this.byBytes.set(owner, text);
  }

  /** `owner` changed: its last packing is stale. */
  changed(owner: Uint8Array): void {
    this.byBytes.delete(owner);
  }

  private remember(text: string, bytes: Uint8Array): void {
    if (this.byText.has(text)) return;
    this.byText.set(text, bytes);
    this.held += bytes.length + text.length;
    while (this.held > this.maxBytes) {
      const oldest = this.byText.entries().next().value;
      if (!oldest) break;
      this.byText.delete(oldest[0]);
      this.held -= oldest[1].length + oldest[0].length;
    }
  }
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

/**
 * Sparse floats: a bitmap of the non-zero entries, then each one as a byte count k (1–8) and the top k bytes of its
 * little-endian Float64 (the trailing zero bytes dropped). Exact, and for histograms of halved counts (mostly zeros,
 * values with short mantissas) about as small as deflate at a tenth of its cost: no zlib stream per save and load.
 */
export function floatsToSparseBase64(values: Float64Array): string {
  const n = values.length;
  const head = (n + 7) >> 3;
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(head + 9 * n);
  let at = head;
  for (let i = 0; i < n; i++) {
    if (values[i] === 0 && !Object.is(values[i], -0)) continue;
    bytes[i >> 3] = (bytes[i >> 3] as number) | (1 << (i & 7));
    const base = 8 * i;
    let k = 8;
    while (k > 1 && raw[base + 8 - k] === 0) k--;
    bytes[at++] = k;
    for (let j = 8 - k; j < 8; j++) bytes[at++] = raw[base + j] as number;
  }
  return bytesToBase64(bytes.subarray(0, at));
}

/** The `length` floats `floatsToSparseBase64` packed; undefined for anything it would not have written. */
export function sparseBase64ToFloats(text: unknown, length: number): Float64Array | undefined {
  const bytes = base64ToBytes(text);
  const head = (length + 7) >> 3;
  if (!bytes || bytes.length < head) return undefined;
  const out = new Float64Array(length);
  const raw = new Uint8Array(out.buffer);
  let at = head;
  for (let i = 0; i < length; i++) {
    if (((bytes[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
    const k = bytes[at++];
    if (k === undefined || k < 1 || k > 8 || at + k > bytes.length) return undefined;
    for (let j = 8 - k; j < 8; j++) raw[8 * i + j] = bytes[at++] as number;
    // A zero marked present is not something encode writes.
    if (out[i] === 0 && !Object.is(out[i], -0)) return undefined;
  }
  if (at !== bytes.length) return undefined;
  for (let i = length; i < head * 8; i++) if (((bytes[i >> 3] as number) & (1 << (i & 7))) !== 0) return undefined;
  return out;
}
