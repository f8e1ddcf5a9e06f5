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
 * Sparse arrays share one framing: a bitmap of the present entries (bit i & 7 of byte i >> 3), then each present
 * entry's bytes in order. `size(i)` is entry i's byte count (0 = absent) and `write` puts them at `at`.
 */
function packSparse(
  length: number,
  size: (i: number) => number,
  write: (i: number, out: Uint8Array, at: number) => void,
) {
  const head = (length + 7) >> 3;
  let total = head;
  for (let i = 0; i < length; i++) total += size(i);
  const bytes = new Uint8Array(total);
  let at = head;
  for (let i = 0; i < length; i++) {
    const n = size(i);
    if (n === 0) continue;
    bytes[i >> 3] = (bytes[i >> 3] as number) | (1 << (i & 7));
    write(i, bytes, at);
    at += n;
  }
  return bytesToBase64(bytes);
}

/**
 * Reads what `packSparse` wrote: `read(i, bytes, at)` takes present entry i and returns how many bytes it used, or -1
 * for an entry encode would not have written. False when the framing is off (bad base64, a bitmap longer than the
 * bytes, padding bits set, bytes left over) or an entry is refused.
 */
function unpackSparse(text: unknown, length: number, read: (i: number, bytes: Uint8Array, at: number) => number) {
  const bytes = base64ToBytes(text);
  const head = (length + 7) >> 3;
  if (!bytes || bytes.length < head) return false;
  let at = head;
  for (let i = 0; i < length; i++) {
    if (((bytes[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
    const n = read(i, bytes, at);
    if (n < 0) return false;
    at += n;
  }
  if (at !== bytes.length) return false;
  for (let i = length; i < head * 8; i++) if (((bytes[i >> 3] as number) & (1 << (i & 7))) !== 0) return false;
  return true;
}

/**
 * Sparse floats: each non-zero entry as a byte count k (1–8) and the top k bytes of its little-endian Float64 (the
 * trailing zero bytes dropped). Exact, and for histograms of halved counts (mostly zeros, values with short mantissas)
 * about as small as deflate at a tenth of its cost: no zlib stream per save and load.
 */
export function floatsToSparseBase64(values: Float64Array): string {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const kept = (i: number): number => {
    if (values[i] === 0 && !Object.is(values[i], -0)) return 0;
    let k = 8;
    while (k > 1 && raw[8 * i + 8 - k] === 0) k--;
    return k;
  };
  return packSparse(
    values.length,
    (i) => {
      const k = kept(i);
      return k === 0 ? 0 : k + 1;
    },
    (i, out, at) => {
      const k = kept(i);
      out[at] = k;
      out.set(raw.subarray(8 * i + 8 - k, 8 * i + 8), at + 1);
    },
  );
}

/** The `length` floats `floatsToSparseBase64` packed; undefined for anything it would not have written. */
export function sparseBase64ToFloats(text: unknown, length: number): Float64Array | undefined {
  const out = new Float64Array(length);
  const raw = new Uint8Array(out.buffer);
  const ok = unpackSparse(text, length, (i, bytes, at) => {
    const k = bytes[at];
    if (k === undefined || k < 1 || k > 8 || at + 1 + k > bytes.length) return -1;
    raw.set(bytes.subarray(at + 1, at + 1 + k), 8 * i + 8 - k);
    // A zero marked present is not something encode writes.
    return out[i] === 0 && !Object.is(out[i], -0) ? -1 : k + 1;
  });
  return ok ? out : undefined;
}

/** Sparse 16-bit words: each non-zero word little-endian (the context engine's fingerprint table). */
export function wordsToSparseBase64(words: Uint16Array): string {
  return packSparse(
    words.length,
    (i) => (words[i] === 0 ? 0 : 2),
    (i, out, at) => {
      const v = words[i] as number;
      out[at] = v & 0xff;
      out[at + 1] = v >>> 8;
    },
  );
}

/** The `length` words `wordsToSparseBase64` packed; undefined for anything it would not have written. */
export function sparseBase64ToWords(text: unknown, length: number): Uint16Array | undefined {
  const out = new Uint16Array(length);
  const ok = unpackSparse(text, length, (i, bytes, at) => {
    if (at + 2 > bytes.length) return -1;
    const v = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    // A slot marked filled holding the empty fingerprint is not something encode writes.
    if (v === 0) return -1;
    out[i] = v;
    return 2;
  });
  return ok ? out : undefined;
}
