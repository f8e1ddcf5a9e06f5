// The MetricsReader port on CloudWatch GetMetricData: poll-metrics reads the AWS/Bedrock runtime metrics through it.
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DependencyError } from '../../core/errors';
import type { MetricQuery, MetricQueryResult, MetricsReader } from '../../ports';
import { callAws } from './errors';

export interface CloudWatchMetricsReaderOptions {
  client?: CloudWatchClient;
  /** Safety stop for pagination; a run reading more pages than this is misconfigured. */
  maxPages?: number;
}

/** GetMetricData takes at most 500 queries per call. */
const MAX_QUERIES = 500;

function toQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  };
}

export class CloudWatchMetricsReader implements MetricsReader {
  readonly #client: CloudWatchClient;
  readonly #maxPages: number;

  constructor(options: CloudWatchMetricsReaderOptions = {}) {
    this.#client = options.client ?? new CloudWatchClient({});
    this.#maxPages = options.maxPages ?? 100;
  }

  async read(queries: MetricQuery[], window: { start: Date; end: Date }): Promise<MetricQueryResult[]> {
    const results = new Map<string, MetricQueryResult>(
      queries.map((q) => [q.id, { id: q.id, points: [], status: 'Complete', messages: [] }]),
    );
    for (let i = 0; i < queries.length; i += MAX_QUERIES) {
      await this.#readChunk(queries.slice(i, i + MAX_QUERIES), window, results);
    }
    for (const r of results.values()) r.points.sort((a, b) => a.t - b.t);
    return [...results.values()];
  }

  /** Pages until CloudWatch stops returning a NextToken; each page adds datapoints to the queries it names. */
  async #readChunk(
    chunk: MetricQuery[],
    window: { start: Date; end: Date },
    results: Map<string, MetricQueryResult>,
  ): Promise<void> {
    let nextToken: string | undefined;
    for (let page = 0; page < this.#maxPages; page++) {
      const token = nextToken;
      const out = await callAws('GetMetricData', () =>
        this.#client.send(
          new GetMetricDataCommand({
            MetricDataQueries: chunk.map(toQuery),
            StartTime: window.start,
            EndTime: window.end,
            ScanBy: 'TimestampAscending',
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const r of out.MetricDataResults ?? []) {
        const target = r.Id ? results.get(r.Id) : undefined;
        if (!target) continue;
        const timestamps = r.Timestamps ?? [];
        const values = r.Values ?? [];
        timestamps.forEach((ts, k) => {
          const value = values[k];
          if (value !== undefined) target.points.push({ t: new Date(ts).getTime(), value });
        });
        // PartialData on one page means "more on the next": the last page's status is the query's.
        target.status = r.StatusCode ?? 'Complete';
        for (const m of r.Messages ?? []) if (m.Value) target.messages.push(m.Code ? `${m.Code}: ${m.Value}` : m.Value);
      }
      nextToken = out.NextToken;
      if (!nextToken) return;
    }
    throw new DependencyError(`GetMetricData still paginating after ${this.#maxPages} pages`, undefined, false);
  }
}
