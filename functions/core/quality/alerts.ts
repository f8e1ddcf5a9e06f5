// Shared by the data-quality checks: one alertname per check, alert building and the wording of summaries.
import { type Alert, type AlertStatus, type Labels, makeAlert, type Severity } from '../alert';

export const QUALITY_ALERTNAMES = {
  'out-of-order': 'MetricOutOfOrder',
  duplicates: 'MetricDuplicateTimestamps',
  gap: 'MetricGap',
  stale: 'MetricStale',
  'scale-change': 'MetricScaleChange',
  schema: 'MetricSchemaViolations',
} as const;

export type QualityCheck = keyof typeof QUALITY_ALERTNAMES;

export interface QualityAlertDraft {
  check: QualityCheck;
  status: AlertStatus;
  severity: Severity;
  /** The series labels (metric + dimensions), or the input source for schema violations. */
  labels: Labels;
  summary: string;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** Labels are the subject's plus `alertname` and `check`, so routes can match every quality alert with `check: "~.+"`. */
export function qualityAlert(draft: QualityAlertDraft): Alert {
  const alert = makeAlert({
    status: draft.status,
    severity: draft.severity,
    source: 'detector',
    labels: { ...draft.labels, alertname: QUALITY_ALERTNAMES[draft.check], check: draft.check },
    annotations: { summary: draft.summary, ...draft.annotations },
    startsAt: draft.startsAt,
    ...(draft.endsAt === undefined ? {} : { endsAt: draft.endsAt }),
  });
  return alert;
}

/** `InvocationLatency{ModelId=claude}`: the series as people write it. */
export function seriesName(labels: Labels): string {
  const metric = labels.metric ?? '(metric)';
  const dims = Object.keys(labels)
    .filter((k) => k !== 'metric')
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return dims ? `${metric}{${dims}}` : metric;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `45 s`, `14 min`, `2 h 5 min`, `3 d 4 h`: precise enough for a page, short enough for a phone. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 1) return `${Math.round(Math.abs(ms))} ms`;
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return n.toExponential(2);
  return String(Number(n.toPrecision(3)));
}

/** `×1000`, `×1/60`: a factor the way a scale change is read. */
export function formatFactor(f: number): string {
  return f >= 1 ? `×${formatNumber(Number(f.toPrecision(3)))}` : `×1/${formatNumber(Number((1 / f).toPrecision(3)))}`;
}
