// Usage-metric points at the edge: parse a batch, keep the good points, name every bad one.
import { z } from 'zod';
import { type Issue, issuesFromZod, ValidationError } from '../errors';

const labelName = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

export const pointSchema = z.strictObject({
  metric: z.string().min(1, 'must not be empty').max(256),
  dimensions: z
    .record(z.string(), z.string({ message: 'dimension values must be strings' }).max(256))
    .superRefine((dims, ctx) => {
      for (const key of Object.keys(dims)) {
        if (!labelName.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'dimension names are letters, digits, _ . : - (max 128)',
          });
        }
      }
    })
    .default({}),
  /** ISO-8601 with an offset, or epoch milliseconds (epoch seconds are refused, not misread as 1970). */
  timestamp: z.union(
    [
      z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-27T10:00:00Z' }),
      z
        .number()
        .int()
        .min(100_000_000_000, 'epoch timestamps are milliseconds; this looks like seconds (multiply by 1000)'),
    ],
    { message: 'must be an ISO-8601 time with a zone (2026-11-27T10:00:00Z) or epoch milliseconds' },
  ),
  value: z.number({ message: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'),
  unit: z.string().max(64).optional(),
});

export type MetricPointInput = z.input<typeof pointSchema>;

export interface MetricPoint {
  metric: string;
  dimensions: Record<string, string>;
  /** Epoch milliseconds. */
  t: number;
  value: number;
  unit?: string;
}

export interface ParsedBatch {
  points: MetricPoint[];
  /** One issue per rejected point, path like `points[3].value`. */
  rejected: Issue[];
}

/** Parses `{ points: [...] }`. A body without a points array is a ValidationError; bad points are rejected one by one. */
export function parsePointBatch(body: unknown): ParsedBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('metrics body must be a JSON object', [
      { path: '(root)', message: 'expected an object like {"points": [...]}' },
    ]);
  }
  const raw = (body as { points?: unknown }).points;
  if (!Array.isArray(raw)) {
    throw new ValidationError('points must be an array', [{ path: 'points', message: 'required: an array of points' }]);
  }
  if (raw.length > 10_000) {
    throw new ValidationError('too many points', [{ path: 'points', message: 'at most 10000 points per batch' }]);
  }
  const points: MetricPoint[] = [];
  const rejected: Issue[] = [];
  raw.forEach((item, i) => {
    const r = pointSchema.safeParse(item);
    if (!r.success) {
      // One issue per point keeps error bodies bounded; the first names the field and reason.
      const first = issuesFromZod(r.error.issues, ['points', i])[0];
      if (first) rejected.push(first);
      return;
    }
    const p = r.data;
    const t = typeof p.timestamp === 'number' ? p.timestamp : Date.parse(p.timestamp);
    const point: MetricPoint = { metric: p.metric, dimensions: p.dimensions, t, value: p.value };
    if (p.unit !== undefined) point.unit = p.unit;
    points.push(point);
  });
  return { points, rejected };
}

/** Identity of a series: metric plus sorted dimensions. */
export function seriesKey(metric: string, dimensions: Record<string, string>): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',');
  return dims ? `${metric}{${dims}}` : metric;
}

/** Groups points by series, each group sorted by time (stable for equal times). */
export function groupBySeries(points: MetricPoint[]): Map<string, MetricPoint[]> {
  const groups = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const key = seriesKey(p.metric, p.dimensions);
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
    }
    g.push(p);
  }
  for (const g of groups.values()) g.sort((a, b) => a.t - b.t);
  return groups;
}
