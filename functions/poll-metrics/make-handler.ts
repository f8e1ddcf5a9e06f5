// poll-metrics: on a schedule, reads AWS/Bedrock runtime metrics (GetMetricData) and queues them for ingest-metrics.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { describeIssues, issuesFromZod } from '../core/errors';
import type { GenaiConfig } from '../core/genai/config';
import { pollQueries, pollWindow, resultsToPoints } from '../core/genai/poll';
import { count } from '../lib/observability';
import type { MetricsReader, PointsSink } from '../ports';

/** What poll-metrics needs, and nothing else: tests pass fakes for the reader and the sink. */
export interface PollDeps {
  genai: GenaiConfig;
  reader: MetricsReader;
  sink: PointsSink;
  logger: Logger;
  metrics: Metrics;
}

export interface PollOutcome {
  window?: { start: string; end: string };
  queries: number;
  points: number;
  messages: number;
  incomplete: number;
  unsupported?: true;
}

/** An EventBridge rule's scheduled invocation (`rate(...)`/`cron(...)`): `time` is the scheduled time. */
export const scheduledEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
});

export function makeHandler(deps: PollDeps) {
  const { genai, reader, sink, logger, metrics } = deps;

  async function poll(event: unknown): Promise<PollOutcome> {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      count(metrics, 'EventsUnsupported');
      logger.warn('poll-metrics takes EventBridge scheduled events only', {
        reason: describeIssues(issuesFromZod(parsed.error.issues)),
      });
      return { queries: 0, points: 0, messages: 0, incomplete: 0, unsupported: true };
    }
    const poller = genai.poller;
    if (poller.models.length === 0) {
      logger.info('no models configured under genai.poller.models; nothing to read');
      return { queries: 0, points: 0, messages: 0, incomplete: 0 };
    }
    // The window comes from the event's own time: a redelivered or retried event reads and sends the same points.
    const { start, end } = pollWindow(Date.parse(parsed.data.time), poller);
    const window = { start: new Date(start), end: new Date(end) };
    const queries = pollQueries(poller);
    const results = await reader.read(queries, window);
    const { points, incomplete } = resultsToPoints(queries, results);
    if (incomplete.length) {
      count(metrics, 'QueriesIncomplete', incomplete.length);
      logger.warn('CloudWatch answered some queries incompletely', { incomplete: incomplete.slice(0, 20) });
    }
    const { messages } = points.length ? await sink.send(points) : { messages: 0 };
    count(metrics, 'PointsPolled', points.length);
    count(metrics, 'MessagesQueued', messages);
    const outcome: PollOutcome = {
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      queries: queries.length,
      points: points.length,
      messages,
      incomplete: incomplete.length,
    };
    logger.info('polled AWS/Bedrock metrics', { ...outcome });
    return outcome;
  }

  return middy<unknown, PollOutcome>(async (event: unknown, _context: Context) => poll(event))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
