// stepInto (the ensemble's allocation-free path) writes exactly what step returns, for every engine that has one.
import { describe, expect, it } from 'vitest';
import { detectorSchema } from '../../../functions/core/config/schema';
import { contextDetector } from '../../../functions/core/detect/context';
import { knnDetector } from '../../../functions/core/detect/knn';
import { seasonalDetector } from '../../../functions/core/detect/seasonal';
import { blankDetection, type Detection, type ScratchDetector } from '../../../functions/core/detect/types';
import { DAY, FIVE_MINUTES, lcg, T0 } from './synthetic';

const engines: [string, () => ScratchDetector<unknown>][] = [
  ['knn', () => knnDetector(detectorSchema.parse({ name: 'k', kind: 'knn', scoreThreshold: 0.9, params: {} }))],
  ['seasonal', () => seasonalDetector(detectorSchema.parse({ name: 's', kind: 'seasonal', params: {} }))],
  ['context', () => contextDetector(detectorSchema.parse({ name: 'c', kind: 'context', scoreThreshold: 0.9 }))],
] as [string, () => ScratchDetector<unknown>][];

describe('ScratchDetector.stepInto', () => {
  it.each(engines)('%s: the same detections as step, through one reused object, learning or not', (_name, make) => {
    // Prepare: three weeks of a daily wave with noise, spikes, a gap and an out-of-order point.
    const noise = lcg(11);
    const points: [number, number][] = [];
    for (let i = 0; i < 6_000; i++) {
      const t = T0 + i * FIVE_MINUTES + (i > 4_000 ? DAY : 0);
      points.push([t, 100 + 30 * Math.sin((2 * Math.PI * i) / 288) + 5 * noise() + (i % 997 === 0 ? 200 : 0)]);
    }
    points.splice(3_000, 0, [T0, 50]);
    const a = make();
    const b = make();
    const sa = a.init();
    const sb = b.init();
    const out = blankDetection();

    // Act / Assess: every detection equal, and the reused object never shares its band with a returned one.
    for (const [i, [t, x]] of points.entries()) {
      const learn = i % 50 !== 7;
      const expected: Detection = a.step(sa, t, x, learn);
      b.stepInto(sb, t, x, learn, out);
      expect({ ...out, band: [...out.band] }, `point ${i}`).toEqual(expected);
      expect(out.band).not.toBe(expected.band);
    }
    expect(JSON.stringify(b.encode(sb))).toBe(JSON.stringify(a.encode(sa)));
  });
});
