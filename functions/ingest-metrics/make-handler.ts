// ingest-metrics: usage-metric batches from HTTP and SQS → per-series detector state → anomaly alerts on the bus.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Alert } from '../core/alert';
import { alertEvents } from '../core/bus';
import { DependencyError, describeIssues, type Issue, ValidationError } from '../core/errors';
import { evaluateSeries, selectDetector, seriesLabels } from '../core/metrics/evaluate';
import { groupBySeries, type MetricPoint, parsePointBatch } from '../core/metrics/points';
import { errorResult, type HttpEvent, header, isHttpEvent, json, jsonBody } from '../lib/http';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import type { Runtime } from '../lib/runtime';

const MAX_CONFLICT_RETRIES = 5;

export interface MetricsOutcome {
  accepted: number;
  rejected: Issue[];
  series: number;
  alerts: { fingerprint: string; status: string; alertname: string | undefined }[];
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const r = (event as { Records?: { eventSource?: string }[] } | null)?.Records;
  return Array.isArray(r) && r.length > 0 && r[0]?.eventSource === 'aws:sqs';
}

export function makeHandler(rt: Runtime) {
  /** One state read and one conditional write per series; on a lost race, reload and replay. */
  async function detectSeries(key: string, points: MetricPoint[], correlationId: string): Promise<Alert[]> {
    const first = points[0];
    if (!first) return [];
    const detector = selectDetector(rt.config.detectors, seriesLabels(first));
    if (!detector) {
      count(rt.metrics, 'PointsWithoutDetector', points.length);
      return [];
    }
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const prior = await rt.store.getSeriesState(key);
      const outcome = evaluateSeries(points, prior?.state, detector);
      if (outcome.rebuilt) {
        rt.logger.warn('stored detector state unusable; started a fresh baseline', { series: key });
        count(rt.metrics, 'SeriesStateRebuilt');
      }
      count(rt.metrics, 'PointsOutOfOrder', outcome.skipped);
      // Alerts go out before the state is saved: a crash in between repeats them, and dispatch dedups.
      if (outcome.alerts.length) await rt.bus.publish(alertEvents(outcome.alerts, 'detector', correlationId));
      if (await rt.store.putSeriesState(key, outcome.state, prior?.version ?? 0)) return outcome.alerts;
      count(rt.metrics, 'SeriesStateConflicts');
    }
    throw new DependencyError(`series ${key}: state kept changing under us (${MAX_CONFLICT_RETRIES} conflicts)`);
  }

  async function ingest(body: unknown, correlationId: string): Promise<MetricsOutcome> {
    const { points, rejected } = parsePointBatch(body);
    if (rejected.length) {
      count(rt.metrics, 'PointsRejected', rejected.length);
      rt.logger.warn('points rejected', { rejected: rejected.slice(0, 20), total: rejected.length });
    }
    if (points.length === 0 && rejected.length > 0) {
      throw new ValidationError('no valid points in the batch', rejected);
    }
    count(rt.metrics, 'PointsAccepted', points.length);
    const groups = groupBySeries(points);
    const alerts: Alert[] = [];
    for (const [key, group] of groups) alerts.push(...(await detectSeries(key, group, correlationId)));
    count(rt.metrics, 'AnomalyAlerts', alerts.length);
    return {
      accepted: points.length,
      rejected,
      series: groups.size,
      alerts: alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, alertname: a.labels.alertname })),
    };
  }

  async function onHttp(event: HttpEvent, context: Context) {
    const correlationId = header(event, 'x-correlation-id') ?? event.requestContext.requestId ?? context.awsRequestId;
    rt.logger.setCorrelationId(correlationId);
    try {
      return json(202, await ingest(jsonBody(event), correlationId));
    } catch (e) {
      if (e instanceof ValidationError) count(rt.metrics, 'BatchesRejected');
      else rt.logger.error('metrics batch failed', e as Error);
      return errorResult(e, context.awsRequestId);
    }
  }

  const processor = new BatchProcessor(EventType.SQS);
  async function onRecord(record: SQSRecord): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      count(rt.metrics, 'BatchesRejected');
      throw new ValidationError('SQS message is not JSON', [{ path: 'body', message: 'not valid JSON' }]);
    }
    try {
      rt.logger.setCorrelationId(record.messageId);
      await ingest(body, record.messageId);
    } catch (e) {
      if (e instanceof ValidationError) {
        count(rt.metrics, 'BatchesRejected');
        rt.logger.error('metrics message rejected', { messageId: record.messageId, reason: describeIssues(e.issues) });
      }
      throw e;
    }
  }

  return withObservability(rt, async (event: unknown, context: Context) => {
    if (isHttpEvent(event)) return onHttp(event, context);
    if (isSqsEvent(event)) {
      // Failed records are reported back; SQS retries them alone and sends poison messages to the DLQ.
      return processPartialResponse(event, onRecord, processor, { context });
    }
    count(rt.metrics, 'EventsUnsupported');
    rt.logger.warn('ingest-metrics received an event it does not handle');
    return { unsupported: true };
  });
}
