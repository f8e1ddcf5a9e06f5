// ingest-events: failure events from EventBridge, SNS, alarm actions and HTTP → normalized alerts on the bus.
import type { Context } from 'aws-lambda';
import { alertEvents } from '../core/bus';
import { describeIssues, ValidationError } from '../core/errors';
import { normalizeEvent } from '../core/events';
import { errorResult, type HttpEvent, header, isHttpEvent, json, jsonBody } from '../lib/http';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import type { Runtime } from '../lib/runtime';

export interface IngestOutcome {
  shape: string;
  accepted: number;
  fingerprints: string[];
  unsupported?: string;
}

function correlationOf(event: unknown, fallback: string): string {
  const e = event as { id?: unknown; Records?: { Sns?: { MessageId?: unknown } }[]; MessageId?: unknown } | null;
  if (typeof e?.id === 'string') return e.id;
  const sns = e?.Records?.[0]?.Sns?.MessageId;
  if (typeof sns === 'string') return sns;
  if (typeof e?.MessageId === 'string') return e.MessageId;
  return fallback;
}

export function makeHandler(rt: Runtime) {
  async function accept(input: unknown, correlationId: string): Promise<IngestOutcome> {
    const receivedAt = rt.clock.now().toISOString();
    const result = normalizeEvent(input, { receivedAt });
    if (result.kind === 'unsupported') {
      rt.logger.info('unsupported event accepted and ignored', { shape: result.shape, reason: result.reason });
      count(rt.metrics, 'EventsUnsupported');
      return { shape: result.shape, accepted: 0, fingerprints: [], unsupported: result.reason };
    }
    if (result.alerts.length > 0) await rt.bus.publish(alertEvents(result.alerts, result.shape, correlationId));
    count(rt.metrics, 'EventsAccepted');
    count(rt.metrics, 'AlertsPublished', result.alerts.length);
    rt.logger.info('alerts published', {
      shape: result.shape,
      alerts: result.alerts.map((a) => ({
        fingerprint: a.fingerprint,
        status: a.status,
        alertname: a.labels.alertname,
      })),
    });
    return {
      shape: result.shape,
      accepted: result.alerts.length,
      fingerprints: result.alerts.map((a) => a.fingerprint),
    };
  }

  async function onHttp(event: HttpEvent, context: Context) {
    const correlationId = header(event, 'x-correlation-id') ?? event.requestContext.requestId ?? context.awsRequestId;
    rt.logger.setCorrelationId(correlationId);
    try {
      const outcome = await accept(jsonBody(event), correlationId);
      return json(202, { ...outcome, correlationId });
    } catch (e) {
      if (e instanceof ValidationError) {
        count(rt.metrics, 'EventsRejected');
        rt.logger.warn('event rejected', { issues: e.issues });
      } else rt.logger.error('event failed', e as Error);
      return errorResult(e, context.awsRequestId);
    }
  }

  return withObservability(rt, async (event: unknown, context: Context) => {
    if (isHttpEvent(event)) return onHttp(event, context);
    const correlationId = correlationOf(event, context.awsRequestId);
    rt.logger.setCorrelationId(correlationId);
    try {
      return await accept(event, correlationId);
    } catch (e) {
      if (e instanceof ValidationError) {
        // Counted and logged; rethrown so Lambda's async retries end in the dead-letter queue.
        count(rt.metrics, 'EventsRejected');
        rt.logger.error('event rejected', { reason: describeIssues(e.issues) });
      } else rt.logger.error('event failed', e as Error);
      throw e;
    }
  });
}
