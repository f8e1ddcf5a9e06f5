// Property test over every engine: a saved state mangled the ways storage can mangle it (a flipped base64 character, a
// number replaced by something extreme, a field dropped) either decodes to undefined (the series is rebuilt) or to a
// state whose next points all score a finite number in [0, 1], quickly. Seeded, so a failure reproduces.
import { describe, expect, it } from 'vitest';
import { detectorSchema } from '../../../functions/core/config/schema';
import { createDetector } from '../../../functions/core/detect';
import { daily, FIVE_MINUTES, lcg, T0 } from './synthetic';

const ENGINES = [
  { kind: 'seasonal', scoreThreshold: 0.65 },
  { kind: 'knn', scoreThreshold: 0.9 },
  { kind: 'context', scoreThreshold: 0.9 },
  { kind: 'flatline', scoreThreshold: 0.999 },
  { kind: 'ensemble', scoreThreshold: 0.45 },
] as const;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const EXTREMES = [-1e300, -1e9, -1, -0.5, 0, 0.5, 1e9, 1e300, 2 ** 53, -(2 ** 53), 3.7];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a leaf of `v`. */
function leaves(v: Json, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [path];
}

/** A copy of `v` with one leaf changed by `r` (or dropped). */
function mutate(v: Json, r: () => number): Json {
  const copy = JSON.parse(JSON.stringify(v)) as Json;
  const all = leaves(copy);
  const path = all[Math.floor(r() * all.length)] as (string | number)[];
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const key = path.at(-1) as string | number;
  const leaf = parent[key];
  const pick = r();
  if (pick < 0.1 && !Array.isArray(parent)) {
    delete parent[key];
  } else if (typeof leaf === 'string' && leaf.length > 0) {
    const i = Math.floor(r() * leaf.length);
    parent[key] = leaf.slice(0, i) + (B64[Math.floor(r() * 64)] as string) + leaf.slice(i + 1);
  } else if (typeof leaf === 'number') {
    parent[key] = pick < 0.55 ? (EXTREMES[Math.floor(r() * EXTREMES.length)] as number) : leaf * (r() * 4 - 2);
  } else {
    parent[key] = 7;
  }
  return copy;
}

describe.each(ENGINES)('a corrupt saved $kind state', ({ kind, scoreThreshold }) => {
  it('is refused or scores finite, bounded values quickly', () => {
    // Prepare: a state after a week and a half of a daily cycle with a spike in it
    const detector = createDetector(detectorSchema.parse({ name: `fuzz-${kind}`, kind, params: {}, scoreThreshold }));
    const state = detector.init();
    const values = daily(3000).map((x, i) => (i === 2500 ? x + 50 : i % 97 === 0 ? Math.round(x) : x));
    for (const [i, x] of values.entries()) detector.step(state, T0 + i * FIVE_MINUTES, x);
    const saved = JSON.parse(JSON.stringify(detector.encode(state))) as Json;
    const r = lcg(kind.length * 7919);
    let refused = 0;
    const bad: string[] = [];
    // Act
    for (let trial = 0; trial < 800; trial++) {
      let mangled = mutate(saved, r);
      if (r() < 0.3) mangled = mutate(mangled, r);
      const revived = detector.decode(mangled);
      if (revived === undefined) {
        refused++;
        continue;
      }
      const started = performance.now();
      for (let i = 0; i < 40; i++) {
        const x = i === 20 ? 1e6 : (values[i] as number);
        const d = detector.step(revived, T0 + (3000 + i) * FIVE_MINUTES, x);
        if (!Number.isFinite(d.score) || d.score < 0 || d.score > 1) {
          bad.push(`trial ${trial}: score ${d.score} at ${i}`);
          break;
        }
      }
      if (performance.now() - started > 250)
        bad.push(`trial ${trial}: 40 steps took ${performance.now() - started} ms`);
    }
    // Assess
    expect(bad).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});
