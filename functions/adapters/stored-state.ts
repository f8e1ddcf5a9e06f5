// How a series' (or source's) state is stored by both Store adapters: JSON, deflated. Written by hand on node:zlib;
// it is the one place that decides the stored form, so the local adapter costs what the DynamoDB one does.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A state item is ~3.7 KB of JSON (docs/benchmarks.md) and DynamoDB bills a write per started KB: deflated it is
 * ~2.3 KB, 3 write units instead of 4–5 on every state write, for ~40 µs of CPU (DynamoDB's best practices suggest
 * compressing large attribute values). Items written as a JSON string before this still read.
 */
export function packState(state: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(state) ?? 'null', 'utf8');
  // A 4 KB window covers the whole item; the default 32 KB window only costs setup time here. Level 1, not 6: most
  // of the JSON is base64 of already packed bytes, so the harder search finds ~2% more (2,314 → 2,269 B, the same
  // 3 write units) for a third more CPU (40 → 54 µs a state).
  return new Uint8Array(deflateRawSync(json, { level: 1, windowBits: 12 }));
}

/** What a stored state holds unreadable: not a state any decoder accepts, so the caller rebuilds and logs it. */
export const UNREADABLE_STATE = Object.freeze({ unreadable: 'stored state did not inflate or parse' });

/** Bytes written by `packState` (or the JSON string older items hold) back to the state; never throws. */
export function unpackState(stored: unknown): unknown {
  try {
    if (typeof stored === 'string') return JSON.parse(stored);
    if (stored instanceof Uint8Array) {
      // A cap well past any real state (400 KB is DynamoDB's item limit) stops a hostile item inflating without end.
      const json = inflateRawSync(stored, { maxOutputLength: 1 << 20 });
      return JSON.parse(json.toString('utf8'));
    }
    return null;
  } catch {
    return UNREADABLE_STATE;
  }
}
