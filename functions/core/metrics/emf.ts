// CloudWatch Logs subscription events → usage points: decodes the gzip+base64 envelope and reads Embedded Metric Format lines.
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { formatPath, type Issue, issuesFromZod, ValidationError } from '../errors';
import { type MetricPoint, pointSchema } from './points';

/** Dimension carrying the EMF namespace, so `Latency` from two namespaces stays two series. */
export const NAMESPACE_LABEL = 'namespace';

/** The Lambda event a subscription filter delivers: `{ awslogs: { data: base64(gzip(JSON)) } }`. */
export interface CloudWatchLogsEvent {
  awslogs: { data: string };
}

const logEventSchema = z.object({
  id: z.string(),
  timestamp: z.number(),
  message: z.string(),
});

/** The decoded payload (CloudWatch Logs subscription filters, Lambda destination). */
const logsDataSchema = z.object({
  messageType: z.string(),
  owner: z.string(),
  logGroup: z.string(),
  logStream: z.string(),
  subscriptionFilters: z.array(z.string()),
  logEvents: z.array(logEventSchema),
});

export type CloudWatchLogsData = z.infer<typeof logsDataSchema>;

export interface LogsDecodeResult {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  /** Log events in the message. */
  events: number;
  points: MetricPoint[];
  /** Malformed EMF, one issue per problem, path like `logEvents[3].message._aws.CloudWatchMetrics[0].Metrics[1].Name`. */
  rejected: Issue[];
  /** Log lines that are not EMF documents (plain text, JSON without `_aws`). */
  skipped: number;
}

export function isCloudWatchLogsEvent(event: unknown): event is CloudWatchLogsEvent {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  return typeof data === 'string';
}

/**
 * Decodes a subscription event. A broken envelope (not base64+gzip+JSON of the documented shape) is a ValidationError;
 * inside, every EMF line becomes points (one per metric value × dimension set) and every problem an issue, while
 * other lines are counted as skipped. CONTROL_MESSAGE (sent when the subscription is created) yields nothing.
 */
export function decodeCloudWatchLogsEvent(event: unknown): LogsDecodeResult {
  if (!isCloudWatchLogsEvent(event)) {
    throw new ValidationError('not a CloudWatch Logs subscription event', [
      { path: 'awslogs.data', message: 'required: base64 of the gzipped log data' },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
  } catch (e) {
    throw new ValidationError('CloudWatch Logs data could not be decoded', [
      { path: 'awslogs.data', message: `not base64 of gzipped JSON: ${(e as Error).message}` },
    ]);
  }
  const parsed = logsDataSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      'CloudWatch Logs data has an unexpected shape',
      issuesFromZod(parsed.error.issues, ['awslogs', 'data']),
    );
  }
  return readLogsData(parsed.data);
}

/** Points from already-decoded log data (the part of the decoder that knows nothing of base64 or gzip). */
export function readLogsData(data: CloudWatchLogsData): LogsDecodeResult {
  const result: LogsDecodeResult = {
    messageType: data.messageType,
    owner: data.owner,
    logGroup: data.logGroup,
    logStream: data.logStream,
    events: data.logEvents.length,
    points: [],
    rejected: [],
    skipped: 0,
  };
  if (data.messageType !== 'DATA_MESSAGE') return result;
  data.logEvents.forEach((logEvent, i) => {
    const doc = emfDocument(logEvent.message);
    if (!doc) {
      result.skipped += 1;
      return;
    }
    const { points, issues } = emfToPoints(doc, logEvent.timestamp, ['logEvents', i, 'message']);
    result.points.push(...points);
    result.rejected.push(...issues);
  });
  return result;
}

/**
 * The JSON object of a log line if it claims to be EMF (has `_aws`), else undefined. Lambda's text log format puts
 * `time\trequestId\tLEVEL\t` before what the function printed; the EMF spec accepts a document after that prefix.
 */
export function emfDocument(message: string): Record<string, unknown> | undefined {
  const brace = message.indexOf('{');
  if (brace < 0) return undefined;
  const prefix = message.slice(0, brace);
  if (prefix.trim() !== '' && !prefix.includes('\t')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message.slice(brace));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, '_aws') ? (value as Record<string, unknown>) : undefined;
}

const MAX_METRICS_PER_DIRECTIVE = 100;
const MAX_VALUES_PER_METRIC = 100;
const MAX_DIMENSIONS_PER_SET = 30;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Points from one EMF document. `fallbackTimestamp` (the log event's time) is used when `_aws.Timestamp` is absent.
 * Each problem is an issue under `path`; the metrics and dimension sets that are fine still become points.
 */
export function emfToPoints(
  doc: Record<string, unknown>,
  fallbackTimestamp: number,
  path: ReadonlyArray<string | number> = [],
): { points: MetricPoint[]; issues: Issue[] } {
  const points: MetricPoint[] = [];
  const issues: Issue[] = [];
  const issue = (at: ReadonlyArray<string | number>, message: string) =>
    issues.push({ path: formatPath([...path, ...at]), message });

  const aws = doc['_aws'];
  if (!isPlainObject(aws)) {
    issue(['_aws'], 'must be an object with CloudWatchMetrics');
    return { points, issues };
  }
  let timestamp = fallbackTimestamp;
  if (aws['Timestamp'] !== undefined) {
    if (typeof aws['Timestamp'] !== 'number' || !Number.isInteger(aws['Timestamp'])) {
      issue(['_aws', 'Timestamp'], 'must be epoch milliseconds (an integer)');
      return { points, issues };
    }
    timestamp = aws['Timestamp'];
  }
  const directives = aws['CloudWatchMetrics'];
  if (!Array.isArray(directives)) {
    issue(['_aws', 'CloudWatchMetrics'], 'must be an array of metric directives');
    return { points, issues };
  }

  directives.forEach((directive: unknown, d) => {
    const at = ['_aws', 'CloudWatchMetrics', d];
    if (!isPlainObject(directive)) {
      issue(at, 'must be an object with Namespace, Dimensions and Metrics');
      return;
    }
    const namespace = directive['Namespace'];
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 255) {
      issue([...at, 'Namespace'], 'required: a string of 1 to 255 characters');
      return;
    }
    const metrics = directive['Metrics'];
    if (!Array.isArray(metrics)) {
      issue([...at, 'Metrics'], 'required: an array of {Name, Unit}');
      return;
    }
    if (metrics.length > MAX_METRICS_PER_DIRECTIVE) {
      issue([...at, 'Metrics'], `at most ${MAX_METRICS_PER_DIRECTIVE} metric definitions`);
      return;
    }
    const dimensionSets = readDimensionSets(doc, directive['Dimensions'], [...at, 'Dimensions'], issue);
    if (dimensionSets.length === 0) return;

    metrics.forEach((definition: unknown, m) => {
      const mAt = [...at, 'Metrics', m];
      if (!isPlainObject(definition) || typeof definition['Name'] !== 'string' || definition['Name'] === '') {
        issue([...mAt, 'Name'], 'required: the name of a member holding the value');
        return;
      }
      const name = definition['Name'];
      const unit = definition['Unit'];
      if (unit !== undefined && typeof unit !== 'string') {
        issue([...mAt, 'Unit'], 'must be a string such as Count or Milliseconds');
        return;
      }
      const values = readValues(doc[name], [name], issue);
      for (const dimensions of dimensionSets) {
        for (const value of values) {
          const point = validPoint(
            { metric: name, dimensions: { ...dimensions, [NAMESPACE_LABEL]: namespace }, timestamp, value, unit },
            { metric: [...mAt, 'Name'], timestamp: ['_aws', 'Timestamp'], value: [name], unit: [...mAt, 'Unit'] },
            issue,
          );
          if (point) points.push(point);
        }
      }
    });
  });
  // One bad metric over several dimension sets or values is still one problem.
  const unique = new Map(issues.map((i) => [`${i.path}\u0000${i.message}`, i]));
  return { points, issues: [...unique.values()] };
}

type IssueFn = (at: ReadonlyArray<string | number>, message: string) => void;

function readDimensionSets(
  doc: Record<string, unknown>,
  raw: unknown,
  at: (string | number)[],
  issue: IssueFn,
): Record<string, string>[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    issue(at, 'required: an array of dimension sets, e.g. [["ModelId"]] ([[]] for none)');
    return [];
  }
  const sets: Record<string, string>[] = [];
  raw.forEach((set: unknown, s) => {
    if (!Array.isArray(set) || set.some((k) => typeof k !== 'string')) {
      issue([...at, s], 'must be an array of dimension names');
      return;
    }
    if (set.length > MAX_DIMENSIONS_PER_SET) {
      issue([...at, s], `at most ${MAX_DIMENSIONS_PER_SET} dimensions per set`);
      return;
    }
    const dims: Record<string, string> = {};
    for (const key of set as string[]) {
      const value = doc[key];
      if (typeof value !== 'string') {
        issue([key], `dimension ${key} needs a string member at the root of the document`);
        return;
      }
      dims[key] = value;
    }
    sets.push(dims);
  });
  return sets;
}

function readValues(raw: unknown, at: (string | number)[], issue: IssueFn): number[] {
  if (typeof raw === 'number') return [raw];
  if (Array.isArray(raw)) {
    if (raw.length > MAX_VALUES_PER_METRIC) {
      issue(at, `at most ${MAX_VALUES_PER_METRIC} values`);
      return [];
    }
    if (raw.every((v) => typeof v === 'number')) return raw as number[];
    issue(at, 'values must all be numbers');
    return [];
  }
  issue(at, raw === undefined ? 'missing: the metric value member' : 'must be a number or an array of numbers');
  return [];
}

/** Applies the same rules as HTTP/SQS points (label names, lengths, epoch milliseconds), naming EMF paths. */
function validPoint(
  input: { metric: string; dimensions: Record<string, string>; timestamp: number; value: number; unit?: string },
  paths: Record<'metric' | 'timestamp' | 'value' | 'unit', (string | number)[]>,
  issue: IssueFn,
): MetricPoint | undefined {
  const candidate: Record<string, unknown> = {
    metric: input.metric,
    dimensions: input.dimensions,
    timestamp: input.timestamp,
    value: input.value,
  };
  if (input.unit !== undefined) candidate['unit'] = input.unit;
  const r = pointSchema.safeParse(candidate);
  if (!r.success) {
    const first = r.error.issues[0];
    if (first) {
      const [field, ...rest] = first.path;
      const at = field === 'dimensions' ? rest.map(String) : (paths[field as keyof typeof paths] ?? []);
      issue(at, first.message);
    }
    return undefined;
  }
  const point: MetricPoint = {
    metric: r.data.metric,
    dimensions: r.data.dimensions,
    t: input.timestamp,
    value: r.data.value,
  };
  if (r.data.unit !== undefined) point.unit = r.data.unit;
  return point;
}
