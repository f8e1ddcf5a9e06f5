// Helpers shared by the event normalizers: zod parsing that throws ValidationError, time and ARN handling.
import { z } from 'zod';
import { formatPath, type Issue, issuesFromZod, ValidationError } from '../errors';

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `value` with `schema`; on failure throws a ValidationError whose paths start with `prefix`. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix: ReadonlyArray<PropertyKey> = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesFromZod(result.error.issues, prefix);
  throw new ValidationError(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/** Re-raises a ValidationError found inside a wrapper (an SNS message, an EventBridge detail) with full paths. */
export function prefixValidationError(error: unknown, prefix: ReadonlyArray<PropertyKey>): unknown {
  if (!(error instanceof ValidationError)) return error;
  const head = formatPath(prefix);
  const issues: Issue[] = error.issues.map((i) => ({
    path: i.path === '(root)' ? head : i.path.startsWith('[') ? `${head}${i.path}` : `${head}.${i.path}`,
    message: i.message,
  }));
  return new ValidationError(`${error.message} (in ${head})`, issues, error);
}

const ISO_LIKE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Turns the timestamp spellings AWS and Alertmanager use into ISO-8601 UTC:
 * `2019-10-02T17:04:40.985+0000` (CloudWatch), nanosecond fractions (Alertmanager),
 * `Fri, 27 Jan 2023 06:02:51 GMT` (Health). Strings without a zone are refused rather than
 * read in the machine's local time. Returns undefined when the value is not a usable time.
 */
export function toIsoTime(value: string): string | undefined {
  const s = value.trim();
  const m = ISO_LIKE.exec(s);
  let ms: number;
  if (m) {
    const [, date, hm, sec, frac, zone] = m;
    const fraction = (frac ?? '').padEnd(3, '0').slice(0, 3);
    let offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone;
    if (offset !== 'Z' && !offset.includes(':')) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
    ms = Date.parse(`${date}T${hm}${sec ?? ':00'}.${fraction}${offset}`);
  } else if (/\b(GMT|UTC)\b|[+-]\d{4}$/.test(s)) {
    ms = Date.parse(s);
  } else {
    return undefined;
  }
  if (Number.isNaN(ms)) return undefined;
  // Alertmanager's "no end yet" sentinel (and anything equally absurd) is not a time.
  if (ms < Date.UTC(1971, 0, 1)) return undefined;
  return new Date(ms).toISOString();
}

/** A zod string that must be a timestamp; yields ISO-8601 UTC. */
export const isoTime = z.string().transform((s, ctx) => {
  const iso = toIsoTime(s);
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return iso;
});

export const nonEmpty = z.string().min(1, 'must not be empty');

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits `arn:partition:service:region:account:resource` (the resource keeps its own colons). */
export function parseArn(arn: string | undefined): Arn | undefined {
  if (arn === undefined) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/** The AWS console host for a region; undefined for partitions whose console we do not know. */
export function consoleBase(region: string | undefined, partition = 'aws'): string | undefined {
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) return undefined;
  if (partition === 'aws') return `https://${region}.console.aws.amazon.com`;
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return undefined;
}

/** Keeps only defined, non-empty string values (annotations must be strings). */
export function compact(record: Record<string, string | number | undefined | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v !== undefined && v !== null && String(v) !== '') out[k] = String(v);
  }
  return out;
}

/** The earlier of two ISO times; keeps alerts from starting in the future when a source schedules ahead. */
export function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}
