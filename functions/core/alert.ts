// The normalized alert every source is turned into; the alert pipeline works only on this shape.
import { createHash } from 'node:crypto';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_SOURCES = [
  'cloudwatch',
  'health',
  'ecs',
  'lambda',
  'ssm',
  'alertmanager',
  'detector',
  'runwatch',
] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export type AlertStatus = 'firing' | 'resolved';

export type Labels = Record<string, string>;

export interface Alert {
  /** Stable identity of the alert: a hash of its labels (Alertmanager's definition). */
  fingerprint: string;
  status: AlertStatus;
  severity: Severity;
  source: AlertSource;
  /** Identifying labels; always includes `alertname`, `source` and `severity`. */
  labels: Labels;
  /** Descriptive, non-identifying text: `summary`, `description`, `runbook_url`, ... */
  annotations: Record<string, string>;
  /** ISO-8601 time the condition began. */
  startsAt: string;
  /** ISO-8601 time the condition ended; set when resolved. */
  endsAt?: string;
  /** Link back to the source (console URL, Prometheus graph). */
  generatorURL?: string;
}

export interface AlertDraft {
  status: AlertStatus;
  severity: Severity;
  source: AlertSource;
  labels: Labels;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Sorted `k=v` pairs hashed with SHA-256, first 16 hex digits; order of keys never matters. */
export function fingerprintOf(labels: Labels): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Longest annotation kept: one alert always fits an EventBridge entry and a Slack section. */
export const MAX_ANNOTATION_CHARS = 4000;

function capAnnotations(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) {
    const text = String(v);
    out[k] = text.length > MAX_ANNOTATION_CHARS ? `${text.slice(0, MAX_ANNOTATION_CHARS - 1)}…` : text;
  }
  return out;
}

/** Builds an alert, forcing the identifying labels and dropping empty label values. */
export function makeAlert(draft: AlertDraft): Alert {
  const labels: Labels = {};
  for (const [k, v] of Object.entries(draft.labels)) {
    if (v !== undefined && v !== null && String(v) !== '') labels[k] = String(v);
  }
  labels.source = draft.source;
  labels.severity = draft.severity;
  if (!labels.alertname) labels.alertname = 'unnamed';
  const alert: Alert = {
    fingerprint: fingerprintOf(labels),
    status: draft.status,
    severity: draft.severity,
    source: draft.source,
    labels,
    annotations: capAnnotations(draft.annotations ?? {}),
    startsAt: draft.startsAt,
  };
  if (draft.endsAt !== undefined) alert.endsAt = draft.endsAt;
  if (draft.generatorURL !== undefined) alert.generatorURL = draft.generatorURL;
  return alert;
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** Maps the many severity spellings sources use onto ours. */
export function normalizeSeverity(value: unknown, fallback: Severity = 'warning'): Severity {
  if (typeof value !== 'string') return fallback;
  const v = value.trim().toLowerCase();
  if (['critical', 'crit', 'page', 'high', 'error', 'fatal', 'emergency', 'p1', 'sev1'].includes(v)) return 'critical';
  if (['warning', 'warn', 'medium', 'p2', 'p3', 'sev2', 'sev3'].includes(v)) return 'warning';
  if (['info', 'informational', 'low', 'none', 'notice', 'p4', 'p5', 'ok'].includes(v)) return 'info';
  return fallback;
}
