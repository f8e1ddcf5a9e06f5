// Alertmanager webhook (payload version 4): every alert in the group becomes one runwatch alert, labels kept.
import { z } from 'zod';
import { type Alert, makeAlert, normalizeSeverity } from '../alert';
import { isoTime, isRecord, parseOrThrow, toIsoTime } from './common';

/** Structural test: `version: "4"` and an `alerts` array. */
export function isAlertmanagerWebhook(input: unknown): boolean {
  return isRecord(input) && input.version === '4' && Array.isArray(input.alerts);
}

const webhookSchema = z.object({
  version: z.literal('4'),
  receiver: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  externalURL: z.string().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels: z.record(z.string(), z.string()),
      annotations: z.record(z.string(), z.string()).optional(),
      startsAt: isoTime,
      // Firing alerts carry the zero time "0001-01-01T00:00:00Z": not a time, so it is dropped, not rejected.
      endsAt: z.string().optional(),
      generatorURL: z.string().optional(),
      fingerprint: z.string().optional(),
    }),
  ),
});

export function normalizeAlertmanager(input: unknown, receivedAt: string): Alert[] {
  const payload = parseOrThrow(webhookSchema, input, 'Alertmanager webhook');
  return payload.alerts.map((a) => {
    const endsAt = a.status === 'resolved' ? ((a.endsAt && toIsoTime(a.endsAt)) ?? receivedAt) : undefined;
    return makeAlert({
      status: a.status,
      severity: normalizeSeverity(a.labels.severity),
      source: 'alertmanager',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt,
      ...(endsAt ? { endsAt } : {}),
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    });
  });
}
