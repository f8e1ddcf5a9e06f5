// What poll-metrics reads each run: the aligned window, the AWS/Bedrock queries, and how results become usage points.

import type { MetricQuery, MetricQueryResult } from '../../ports';
import { NAMESPACE_LABEL } from '../metrics/emf';
import type { MetricPoint } from '../metrics/points';
import { seriesKey } from '../metrics/points';
import type { PollerConfig } from './config';
import { BEDROCK_METRICS, BEDROCK_MODEL_DIMENSION, BEDROCK_NAMESPACE, isBedrockMetric } from './metric-kinds';

/**
 * [scheduled − lookback, scheduled), both ends rounded down to the period. The window depends on the schedule event's
 * own time only, so a redelivered event reads (and sends) exactly the same points again.
 */
export function pollWindow(
  scheduledMs: number,
  poller: Pick<PollerConfig, 'periodSeconds' | 'lookback'>,
): { start: number; end: number } {
  const period = poller.periodSeconds * 1000;
  const end = Math.floor(scheduledMs / period) * period;
  const start = Math.floor((scheduledMs - poller.lookback) / period) * period;
  return { start, end: Math.max(end, start + period) };
}

/** One query per configured model and metric, each with the statistic its kind is read with. */
export function pollQueries(poller: Pick<PollerConfig, 'models' | 'metrics' | 'periodSeconds'>): MetricQuery[] {
  const queries: MetricQuery[] = [];
  for (const model of poller.models) {
    for (const metric of poller.metrics) {
      queries.push({
        id: `q${queries.length}`,
        namespace: BEDROCK_NAMESPACE,
        metricName: metric,
        dimensions: { [BEDROCK_MODEL_DIMENSION]: model },
        stat: BEDROCK_METRICS[metric].statistic,
        periodSeconds: poller.periodSeconds,
      });
    }
  }
  return queries;
}

export interface PolledPoints {
  points: MetricPoint[];
  /** Queries CloudWatch answered with another status than Complete (their points, if any, are kept). */
  incomplete: { id: string; metric: string; dimensions: Record<string, string>; status: string; messages: string[] }[];
}

/**
 * Usage points from query results, labelled like EMF points (`namespace`), ordered so that all metrics of one
 * (dimensions, time) are adjacent: the sink never splits them, and the derived rates need them together.
 */
export function resultsToPoints(queries: readonly MetricQuery[], results: readonly MetricQueryResult[]): PolledPoints {
  const byId = new Map(queries.map((q) => [q.id, q]));
  const points: MetricPoint[] = [];
  const incomplete: PolledPoints['incomplete'] = [];
  for (const r of results) {
    const q = byId.get(r.id);
    if (!q) continue;
    const dimensions = { ...q.dimensions, [NAMESPACE_LABEL]: q.namespace };
    if (r.status !== 'Complete') {
      incomplete.push({ id: r.id, metric: q.metricName, dimensions, status: r.status, messages: r.messages });
    }
    const unit = isBedrockMetric(q.metricName) ? BEDROCK_METRICS[q.metricName].unit : undefined;
    for (const { t, value } of r.points) {
      if (!Number.isFinite(t) || !Number.isFinite(value)) continue;
      const point: MetricPoint = { metric: q.metricName, dimensions: { ...dimensions }, t, value };
      if (unit !== undefined) point.unit = unit;
      points.push(point);
    }
  }
  const keyOf = new Map(points.map((p) => [p, seriesKey('', p.dimensions)]));
  points.sort((a, b) => {
    const ka = keyOf.get(a) as string;
    const kb = keyOf.get(b) as string;
    if (ka !== kb) return ka < kb ? -1 : 1;
    if (a.t !== b.t) return a.t - b.t;
    return a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0;
  });
  return { points, incomplete };
}

/** Groups of points that must travel together: same dimensions and time. */
export function pointGroups(points: readonly MetricPoint[]): MetricPoint[][] {
  const groups: MetricPoint[][] = [];
  let key: string | undefined;
  for (const p of points) {
    const k = `${seriesKey('', p.dimensions)}@${p.t}`;
    if (k !== key || groups.length === 0) {
      groups.push([]);
      key = k;
    }
    (groups[groups.length - 1] as MetricPoint[]).push(p);
  }
  return groups;
}
