// The series states this container wrote last, kept decoded between invocations: a warm Lambda that reads back an
// item it wrote itself (same writeId) skips the inflate and the JSON parse of its state.
import { randomBytes } from 'node:crypto';
import type { SeriesState } from '../core/metrics/evaluate';

interface Entry {
  writeId: string;
  state: SeriesState;
}

/**
 * A bounded map from series key to the decoded state of this container's last write of it, least recently written
 * first out. An entry is taken out while a batch works on its state (`take`), so a batch that fails or loses a race
 * never leaves a half-updated state behind: it is only put back (`keep`) after its conditional write succeeded.
 *
 * Why a write id and not the version: versions restart if an item is deleted and written again, a random id per
 * container and a counter do not, so "the store still holds my write" is never a guess.
 */
export class WarmStates {
  readonly #entries = new Map<string, Entry>();
  readonly #limit: number;
  /** 64 random bits per container: ids stay short (they are stored in every series item, which DynamoDB bills by KB). */
  readonly #prefix = randomBytes(8).toString('base64url');
  #writes = 0;

  /** `limit` 0 keeps nothing (every read decodes). */
  constructor(limit: number) {
    this.#limit = Math.max(0, Math.floor(limit));
  }

  get size(): number {
    return this.#entries.size;
  }

  /** False at limit 0: nothing is kept, so nothing need be decoded for keeping. */
  get enabled(): boolean {
    return this.#limit > 0;
  }

  /** Removes and returns the entry for `key`: the caller now owns the state, to return with `keep` once saved. */
  take(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key);
    return entry;
  }

  /** A fresh id for the next write of a series (unique across containers and writes). */
  nextWriteId(): string {
    this.#writes += 1;
    return `${this.#prefix}.${this.#writes.toString(36)}`;
  }

  /** Keeps the state that was just written with `writeId` (the store acknowledged the conditional write). */
  keep(key: string, writeId: string, state: SeriesState): void {
    if (this.#limit === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { writeId, state });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
