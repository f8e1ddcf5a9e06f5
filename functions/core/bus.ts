// The contract of runwatch's own events on its custom bus (and the SQS queues its rules feed).
import { z } from 'zod';
import { ALERT_SOURCES, type Alert, SEVERITIES } from './alert';
import { issuesFromZod, ValidationError } from './errors';

export const BUS_SOURCE = 'runwatch';

export const DetailType = {
  alert: 'runwatch.alert',
  runbookRequested: 'runwatch.runbook.requested',
  runbookApproved: 'runwatch.runbook.approved',
} as const;

const alertSchema = z.object({
  fingerprint: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  severity: z.enum(SEVERITIES),
  source: z.enum(ALERT_SOURCES),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string().min(1),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
});

export const alertDetailSchema = z.object({
  alerts: z.array(alertSchema).min(1),
  shape: z.string().optional(),
  correlationId: z.string().optional(),
});

export const executionDetailSchema = z.object({
  executionId: z.string().min(1),
  correlationId: z.string().optional(),
});

/** What an SQS queue fed by an EventBridge rule receives in each message body: the whole event. */
const envelopeSchema = z.object({
  id: z.string().optional(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string().optional(),
  detail: z.unknown(),
});

export type BusMessage =
  | { kind: 'alert'; id?: string; alerts: Alert[]; correlationId?: string }
  | { kind: 'runbook-requested' | 'runbook-approved'; id?: string; executionId: string; correlationId?: string }
  | { kind: 'other'; detailType: string };

/** Parses an SQS body holding a runwatch bus event; malformed bodies are ValidationErrors (poison → DLQ). */
export function parseBusMessage(body: string): BusMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new ValidationError('message body is not JSON', [{ path: 'body', message: 'not valid JSON' }]);
  }
  const env = envelopeSchema.safeParse(raw);
  if (!env.success) throw new ValidationError('not an EventBridge event', issuesFromZod(env.error.issues));
  const e = env.data;
  const base = e.id === undefined ? {} : { id: e.id };
  if (e['detail-type'] === DetailType.alert) {
    const d = alertDetailSchema.safeParse(e.detail);
    if (!d.success)
      throw new ValidationError('invalid runwatch.alert detail', issuesFromZod(d.error.issues, ['detail']));
    const msg: BusMessage = { kind: 'alert', ...base, alerts: d.data.alerts as Alert[] };
    if (d.data.correlationId) msg.correlationId = d.data.correlationId;
    return msg;
  }
  if (e['detail-type'] === DetailType.runbookRequested || e['detail-type'] === DetailType.runbookApproved) {
    const d = executionDetailSchema.safeParse(e.detail);
    if (!d.success)
      throw new ValidationError(`invalid ${e['detail-type']} detail`, issuesFromZod(d.error.issues, ['detail']));
    const msg: BusMessage = {
      kind: e['detail-type'] === DetailType.runbookRequested ? 'runbook-requested' : 'runbook-approved',
      ...base,
      executionId: d.data.executionId,
    };
    if (d.data.correlationId) msg.correlationId = d.data.correlationId;
    return msg;
  }
  return { kind: 'other', detailType: e['detail-type'] };
}

/** EventBridge takes at most 256 KB per entry; stay well below it so the envelope always fits. */
const MAX_DETAIL_BYTES = 200 * 1024;

/** Splits alerts into bus events of at most `perEvent` alerts and ~200 KB each (EventBridge's limit is 256 KB). */
export function alertEvents(alerts: Alert[], shape: string, correlationId: string, perEvent = 25) {
  const events: { detailType: string; detail: { alerts: Alert[]; shape: string; correlationId: string } }[] = [];
  const overhead = Buffer.byteLength(JSON.stringify({ alerts: [], shape, correlationId }));
  let chunk: Alert[] = [];
  let bytes = overhead;
  const flush = () => {
    if (chunk.length) events.push({ detailType: DetailType.alert, detail: { alerts: chunk, shape, correlationId } });
    chunk = [];
    bytes = overhead;
  };
  for (const alert of alerts) {
    const size = Buffer.byteLength(JSON.stringify(alert)) + 1;
    if (chunk.length >= perEvent || (chunk.length > 0 && bytes + size > MAX_DETAIL_BYTES)) flush();
    chunk.push(alert);
    bytes += size;
  }
  flush();
  return events;
}
