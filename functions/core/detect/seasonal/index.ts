// Placeholder for the 'seasonal' detector (issue 3); scores nothing until it lands.
import type { DetectorConfig } from '../../config/schema';
import type { StreamingDetector } from '../types';

export function seasonalDetector(_config: DetectorConfig): StreamingDetector<{ n: number }> {
  return {
    kind: 'seasonal',
    init: () => ({ n: 0 }),
    step(state, _t, x) {
      state.n += 1;
      return {
        score: 0,
        anomalous: false,
        expected: x,
        band: [x, x],
        observed: x,
        component: 'warm-up',
        seasonality: 'none',
      };
    },
    encode: (s) => s,
    decode: (raw) =>
      typeof raw === 'object' && raw !== null && typeof (raw as { n?: unknown }).n === 'number'
        ? { n: (raw as { n: number }).n }
        : undefined,
  };
}
