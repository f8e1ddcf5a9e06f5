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
  value: z.number({
    error: (issue) =>
      typeof issue.input === 'number' ? `must be a finite number (got ${issue.input})` : 'must be a number',
  }),
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

const POINT_KEYS = new Set(['metric', 'dimensions', 'timestamp', 'value', 'unit']);
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` → epoch ms, or undefined (then zod decides); no Date.parse roll-over. */
function parseIsoZ(s: string): number | undefined {
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : (DAYS[mo - 1] as number))) return undefined;
  let ms = 0;
  if (n > 20) {
    if (s[19] !== '.' || n < 22) return undefined;
    const frac = n - 21;
    const f = digits(s, 20, frac);
    if (f < 0) return undefined;
    ms = frac >= 3 ? digits(s, 20, 3) : f * (frac === 1 ? 100 : 10);
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

/**
 * The hot path, written by hand because zod costs ~4× a JSON.parse per point: accepts only points that the schema
 * certainly accepts (UTC `Z` times or epoch ms) and returns undefined for anything else, which then goes through
 * zod for the verdict and the precise issue. A test checks it never accepts what zod rejects.
 */
export function fastPoint(item: unknown): MetricPoint | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  let keys = 0;
  for (const k in o) {
    if (!POINT_KEYS.has(k)) return undefined;
    keys++;
  }
  const { metric, dimensions, timestamp, value, unit } = o;
  if (typeof metric !== 'string' || metric.length === 0 || metric.length > 256) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (unit !== undefined && (typeof unit !== 'string' || unit.length > 64)) return undefined;
  let t: number;
  if (typeof timestamp === 'number') {
    if (!Number.isInteger(timestamp) || timestamp < 100_000_000_000) return undefined;
    t = timestamp;
  } else if (typeof timestamp === 'string') {
    const parsed = parseIsoZ(timestamp);
    if (parsed === undefined) return undefined;
    t = parsed;
  } else return undefined;
  let dims: Record<string, string> = {};
  if (dimensions !== undefined) {
    if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) return undefined;
    if (Object.getPrototypeOf(dimensions) !== Object.prototype) return undefined;
    for (const k in dimensions as Record<string, unknown>) {
      const v = (dimensions as Record<string, unknown>)[k];
      if (typeof v !== 'string' || v.length > 256 || !labelName.test(k)) return undefined;
    }
    dims = dimensions as Record<string, string>;
  }
  if (keys === 0) return undefined;
  const point: MetricPoint = { metric, dimensions: dims, t, value };
  if (unit !== undefined) point.unit = unit as string;
  return point;
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
    const fast = fastPoint(item);
    if (fast) {
      points.push(fast);
      return;
    }
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

/** The characters that delimit a series key, and the escape itself. */
const KEY_SYNTAX = /[\\{}=,]/g;

/** A name or value with a backslash before each delimiter (most have none: no regex replace then). */
function keyPart(text: string): string {
  KEY_SYNTAX.lastIndex = 0;
  return KEY_SYNTAX.test(text) ? text.replace(KEY_SYNTAX, (c) => `\\${c}`) : text;
}

/**
 * Identity of a series: metric plus sorted dimensions, `metric{k=v,…}`. Delimiters inside names and values are
 * escaped, so two different series never share a key (a metric named `a{b=c}` is not metric `a` with b=c), and a
 * series key never starts with an unescaped `{` (budgets' keys do: budgetStateKey).
 */
export function seriesKey(metric: string, dimensions: Record<string, string>): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => `${keyPart(k)}=${keyPart(dimensions[k] as string)}`)
    .join(',');
  return dims ? `${keyPart(metric)}{${dims}}` : keyPart(metric);
}

/**
 * The key a series had before seriesKey escaped its delimiters (it differs only where a name or value holds one of
 * `\ { } = ,`): read once to carry such a series' state, and its budgets' redelivery marks, over to its new key.
 */
export function legacySeriesKey(metric: string, dimensions: Record<string, string>): string {
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
