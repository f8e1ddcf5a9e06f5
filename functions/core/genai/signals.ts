// Derived GenAI signals for ingest-metrics: cost, cost per request/hour, latency per output token, error and throttle rates.
import type { MetricPoint } from '../metrics/points';
import { seriesKey } from '../metrics/points';
import type { GenaiConfig } from './config';
import { type BedrockMetricName, DERIVED_METRICS, type DerivedMetricName, isBedrockMetric } from './metric-kinds';

/**
 * Label on every derived point. It keeps derived series apart from same-named series an application may send itself
 * (an app's own `Cost{ModelId=x}` and ours never share detector state or collide as duplicate timestamps), and lets
 * routes, detectors and budgets select them with `derived: "true"`.
 */
export const DERIVED_LABEL = 'derived';

export type SignalsConfig = Pick<GenaiConfig, 'prices' | 'modelLabel' | 'defaultPeriodSeconds'>;

interface Accumulator {
  sum: number;
  n: number;
}

interface DimensionGroup {
  dimensions: Record<string, string>;
  byTime: Map<number, Map<BedrockMetricName, Accumulator>>;
}

/**
 * Derives signals from the raw points of one batch, per (dimensions, timestamp):
 * - `Cost` (USD) = InputTokenCount/1000 × input price + OutputTokenCount/1000 × output price, for models in
 *   `prices` (a missing token metric counts as zero: embedding models publish no OutputTokenCount);
 * - `CostPerRequest` = Cost / Invocations (Invocations > 0);
 * - `CostPerHour` = Cost × 3600 s / period, the period being the smallest gap between timestamps of that dimension
 *   set in the batch, or `defaultPeriodSeconds` when it has one timestamp;
 * - `LatencyPerOutputToken` (ms) = InvocationLatency / (OutputTokenCount / Invocations);
 * - `ErrorRate` (%) = 100 × (client + server errors) / Invocations, when Invocations is present (absent error
 *   metrics count as zero; capped at 100 when the inputs disagree);
 * - `ThrottleRate` (%) = 100 × throttles / (Invocations + throttles): throttled requests are not Invocations.
 * Several points of one metric at one timestamp (EMF value arrays) are summed, latency averaged. Derived points keep
 * the dimensions and add `derived: "true"`. Input points that are already derived are ignored; call it once per batch.
 */
export function deriveSignals(points: readonly MetricPoint[], config: SignalsConfig): MetricPoint[] {
  const groups = new Map<string, DimensionGroup>();
  for (const p of points) {
    if (!isBedrockMetric(p.metric) || p.dimensions[DERIVED_LABEL] !== undefined) continue;
    if (!Number.isFinite(p.value) || !Number.isFinite(p.t)) continue;
    const key = seriesKey('', p.dimensions);
    let group = groups.get(key);
    if (!group) {
      group = { dimensions: p.dimensions, byTime: new Map() };
      groups.set(key, group);
    }
    let metrics = group.byTime.get(p.t);
    if (!metrics) {
      metrics = new Map();
      group.byTime.set(p.t, metrics);
    }
    const acc = metrics.get(p.metric);
    if (acc) {
      acc.sum += p.value;
      acc.n += 1;
    } else {
      metrics.set(p.metric, { sum: p.value, n: 1 });
    }
  }

  const out: MetricPoint[] = [];
  for (const group of groups.values()) {
    const times = [...group.byTime.keys()].sort((a, b) => a - b);
    const periodMs = inferPeriodMs(times, config.defaultPeriodSeconds);
    const model = group.dimensions[config.modelLabel];
    const price = model === undefined ? undefined : config.prices[model];
    const dimensions = { ...group.dimensions, [DERIVED_LABEL]: 'true' };
    for (const t of times) {
      const metrics = group.byTime.get(t) as Map<BedrockMetricName, Accumulator>;
      const sum = (m: BedrockMetricName) => metrics.get(m)?.sum;
      const emit = (metric: DerivedMetricName, value: number) => {
        if (Number.isFinite(value)) {
          out.push({ metric, dimensions: { ...dimensions }, t, value, unit: DERIVED_METRICS[metric].unit });
        }
      };

      const invocations = sum('Invocations');
      const input = sum('InputTokenCount');
      const output = sum('OutputTokenCount');
      const throttles = sum('InvocationThrottles');
      const clientErrors = sum('InvocationClientErrors');
      const serverErrors = sum('InvocationServerErrors');
      const latency = metrics.get('InvocationLatency');

      if (price && (input !== undefined || output !== undefined)) {
        const cost = ((input ?? 0) / 1000) * price.inputPer1k + ((output ?? 0) / 1000) * price.outputPer1k;
        emit('Cost', cost);
        emit('CostPerHour', (cost * 3_600_000) / periodMs);
        if (invocations !== undefined && invocations > 0) emit('CostPerRequest', cost / invocations);
      }
      if (
        latency &&
        latency.n > 0 &&
        invocations !== undefined &&
        invocations > 0 &&
        output !== undefined &&
        output > 0
      ) {
        emit('LatencyPerOutputToken', latency.sum / latency.n / (output / invocations));
      }
      if (invocations !== undefined && invocations > 0) {
        const errors = (clientErrors ?? 0) + (serverErrors ?? 0);
        emit('ErrorRate', Math.min(100, (100 * errors) / invocations));
      }
      if (invocations !== undefined || throttles !== undefined) {
        const attempts = (invocations ?? 0) + (throttles ?? 0);
        if (attempts > 0) emit('ThrottleRate', (100 * (throttles ?? 0)) / attempts);
      }
    }
  }
  return out;
}

/** Smallest positive gap between sorted timestamps; the default when there is none. */
export function inferPeriodMs(sortedTimes: readonly number[], defaultPeriodSeconds: number): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sortedTimes.length; i++) {
    const d = (sortedTimes[i] as number) - (sortedTimes[i - 1] as number);
    if (d > 0 && d < gap) gap = d;
  }
  return Number.isFinite(gap) ? gap : defaultPeriodSeconds * 1000;
}
