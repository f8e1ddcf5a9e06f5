// AWS Health events ("AWS Health Event", source aws.health): one alert per Health event ARN, open → firing, closed → resolved.
//
// Severity follows the event type category: issue → critical, scheduledChange → warning,
// accountNotification (and anything else) → info. `upcoming` scheduled changes fire too, starting no later
// than the moment Health told us, so maintenance that begins next week is visible now.
import { z } from 'zod';
import { type Alert, makeAlert, type Severity } from '../alert';
import { compact, earliest, nonEmpty, parseOrThrow, toIsoTime } from './common';
import type { Envelope } from './eventbridge';

export const HEALTH_DETAIL_TYPES = ['AWS Health Event', 'AWS Health Abuse Event'] as const;

const healthDetailSchema = z.object({
  eventArn: nonEmpty,
  service: nonEmpty,
  eventTypeCode: nonEmpty,
  eventTypeCategory: nonEmpty,
  eventScopeCode: z.string().optional(),
  communicationId: z.string().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  lastUpdatedTime: z.string().optional(),
  statusCode: z.enum(['open', 'closed', 'upcoming']),
  eventRegion: z.string().optional(),
  eventDescription: z.array(z.object({ language: z.string().optional(), latestDescription: z.string() })).optional(),
  affectedEntities: z
    .array(z.object({ entityValue: z.string().optional(), status: z.string().optional() }).loose())
    .optional(),
  affectedAccount: z.string().optional(),
});

function severityOf(category: string): Severity {
  if (category === 'issue') return 'critical';
  if (category === 'scheduledChange') return 'warning';
  return 'info';
}

function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? text;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line.trim();
}

export function normalizeHealth(envelope: Envelope): Alert[] {
  const d = parseOrThrow(healthDetailSchema, envelope.detail, 'AWS Health event', ['detail']);
  const description =
    d.eventDescription?.find((e) => e.language === 'en_US')?.latestDescription ??
    d.eventDescription?.[0]?.latestDescription;
  // Health writes times as RFC 1123 ("Fri, 27 Jan 2023 06:02:51 GMT"); an unreadable one falls back to the envelope.
  const start = d.startTime ? toIsoTime(d.startTime) : undefined;
  const end = d.endTime ? toIsoTime(d.endTime) : undefined;
  const updated = d.lastUpdatedTime ? toIsoTime(d.lastUpdatedTime) : undefined;
  const resolved = d.statusCode === 'closed';
  const entities = d.affectedEntities ?? [];
  const region = d.eventRegion || envelope.region;

  return [
    makeAlert({
      status: resolved ? 'resolved' : 'firing',
      severity: severityOf(d.eventTypeCategory),
      source: 'health',
      labels: {
        alertname: d.eventTypeCode,
        account: d.affectedAccount || envelope.account,
        region,
        service: d.service,
        eventTypeCode: d.eventTypeCode,
        eventTypeCategory: d.eventTypeCategory,
        // Two open issues of the same type are two incidents: the event ARN keeps them apart.
        eventArn: d.eventArn,
      },
      annotations: compact({
        summary: description ? firstLine(description) : `AWS Health ${d.eventTypeCategory}: ${d.eventTypeCode}`,
        description,
        status_code: d.statusCode,
        scope: d.eventScopeCode,
        start_time: start,
        end_time: end,
        affected_entities: entities.length,
        affected_entity_values: entities
          .map((e) => e.entityValue)
          .filter(Boolean)
          .slice(0, 10)
          .join(', '),
      }),
      startsAt: start ? earliest(start, envelope.time) : envelope.time,
      ...(resolved ? { endsAt: end ?? updated ?? envelope.time } : {}),
      generatorURL: `https://health.aws.amazon.com/health/home#/account/event-log?eventID=${encodeURIComponent(d.eventArn)}`,
    }),
  ];
}
