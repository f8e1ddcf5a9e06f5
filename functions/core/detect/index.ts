// The detector registry: config `kind` → streaming detector. ingest-metrics and `npm run nab` both come here.
import type { DetectorConfig } from '../config/schema';
import { contextDetector } from './context';
import { ensembleDetector } from './ensemble';
import { flatlineDetector } from './flatline';
import { knnDetector } from './knn';
import { initialState, reviveState, step } from './robust-baseline';
import { seasonalDetector } from './seasonal';
import { type Detection, quietDetection, type StreamingDetector } from './types';

export type { Detection, StreamingDetector } from './types';

function robustBaseline(config: DetectorConfig): StreamingDetector<ReturnType<typeof initialState>> {
  const options = {
    window: config.window,
    minPoints: config.minPoints,
    threshold: config.threshold,
    direction: config.direction,
  };
  return {
    kind: 'robust-baseline',
    init: initialState,
    step(state, t, x, learn = true): Detection {
      const d = step(state, t, x, options, learn);
      if (!d) return quietDetection(x, 'out-of-order');
      return {
        score: d.score,
        anomalous: d.anomalous,
        expected: d.expected,
        band: d.band,
        observed: d.observed,
        component: 'spike',
        seasonality: 'none',
      };
    },
    encode: (s) => s,
    decode: (raw) => reviveState(raw, config.window),
  };
}

const FACTORIES: Record<DetectorConfig['kind'], (config: DetectorConfig) => StreamingDetector<unknown>> = {
  'robust-baseline': robustBaseline as (c: DetectorConfig) => StreamingDetector<unknown>,
  seasonal: seasonalDetector as (c: DetectorConfig) => StreamingDetector<unknown>,
  knn: knnDetector as (c: DetectorConfig) => StreamingDetector<unknown>,
  ensemble: ensembleDetector as (c: DetectorConfig) => StreamingDetector<unknown>,
  context: contextDetector as (c: DetectorConfig) => StreamingDetector<unknown>,
  flatline: flatlineDetector as (c: DetectorConfig) => StreamingDetector<unknown>,
};

const cache = new WeakMap<DetectorConfig, StreamingDetector<unknown>>();

/** The detector a config entry describes; detectors hold no per-series state, so one instance serves all series. */
export function createDetector(config: DetectorConfig): StreamingDetector<unknown> {
  let d = cache.get(config);
  if (!d) {
    d = FACTORIES[config.kind](config);
    cache.set(config, d);
  }
  return d;
}
