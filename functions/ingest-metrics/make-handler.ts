// ingest-metrics: usage-metric batches from HTTP and SQS → per-series detector state → anomaly alerts on the bus.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Alert } from '../core/alert';
import { alertEvents } from '../core/bus';
import { DependencyError, describeIssues, type Issue, RunwatchError, ValidationError } from '../core/errors';
import {
  type BudgetState,
  budgetCounts,
  budgetStateKey,
  legacyBudgetStateKey,
  updateBudget,
} from '../core/genai/budget';
import type { Budget } from '../core/genai/config';
import { deriveSignals } from '../core/genai/signals';
import { decodeCloudWatchLogsEvent, isCloudWatchLogsEvent } from '../core/metrics/emf';
import {
  decodeSavedState,
  type SeriesState as EvaluatedState,
  encodeSeriesState,
  evaluateSeries,
  selectDetector,
  seriesLabels,
} from '../core/metrics/evaluate';
import { legacySeriesKey, type MetricPoint, parsePointBatch, seriesKey } from '../core/metrics/points';
import { checkSchemaViolations, type IngestSource } from '../core/quality/schema-violations';
import { checkSeries } from '../core/quality/series';
import { seriesMeta } from '../core/quality/stale';
import { errorResult, type HttpEvent, header, isHttpEvent, json, jsonBody } from '../lib/http';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import type { Runtime } from '../lib/runtime';
import { WarmStates } from './warm-states';

const MAX_CONFLICT_RETRIES = 10;
/** Series handled at once: DynamoDB round trips overlap, memory stays bounded. */
const CONCURRENCY = 16;
/**
 * Decoded series states a warm container keeps (its own last writes). The shipped ensemble's takes ~16 KB of the
 * process's memory (~6 KB of heap and ~5 KB of typed-array buffers, with its quality state; measured over 10,000
 * states), so at most ~80 MB of the function's 512 MB. A container that wrote a series last reads it back without
 * inflating or parsing it.
 */
const WARM_SERIES = 5_000;

export interface MetricsOutcome {
  accepted: number;
  rejected: Issue[];
  series: number;
  alerts: { fingerprint: string; status: string; alertname: string | undefined }[];
}

interface SeriesGroup {
  key: string;
  /** The series' points in arrival order (data-quality checks judge order against earlier batches). */
  points: MetricPoint[];
  /** SQS message ids whose points are in this series (a failure fails them all). */
  owners: Set<string>;
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const r = (event as { Records?: { eventSource?: string }[] } | null)?.Records;
  return Array.isArray(r) && r.length > 0 && r[0]?.eventSource === 'aws:sqs';
}

/** Groups by series identity (version labels excluded: a new version continues the series on a fresh baseline). */
/** Adds the derived GenAI signals (cost, error and throttle rates, latency per token) of each message's points. */
function withSignals<T extends { point: MetricPoint; owner?: string }>(
  owned: T[],
  config: Parameters<typeof deriveSignals>[1],
): { point: MetricPoint; owner?: string }[] {
  const byOwner = new Map<string | undefined, MetricPoint[]>();
  for (const { point, owner } of owned) {
    let list = byOwner.get(owner);
    if (!list) {
      list = [];
      byOwner.set(owner, list);
    }
    list.push(point);
  }
  const out: { point: MetricPoint; owner?: string }[] = [...owned];
  for (const [owner, points] of byOwner) {
    for (const point of deriveSignals(points, config)) out.push(owner === undefined ? { point } : { point, owner });
  }
  return out;
}

export function groupForDetection(points: { point: MetricPoint; owner?: string }[]): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  // Producers repeat the same dimension order, so a raw (unsorted) key finds the canonical one without sorting.
  const canonical = new Map<string, string>();
  for (const { point, owner } of points) {
    let raw = point.metric;
    const dims = point.dimensions;
    for (const k in dims) raw += `\u0000${k}\u0001${dims[k]}`;
    let key = canonical.get(raw);
    if (key === undefined) {
      const { metric: _m, ...identity } = seriesLabels(point);
      key = seriesKey(point.metric, identity);
      canonical.set(raw, key);
    }
    let g = groups.get(key);
    if (!g) {
      g = { key, points: [], owners: new Set() };
      groups.set(key, g);
    }
    g.points.push(point);
    if (owner) g.owners.add(owner);
  }
  return [...groups.values()];
}

/**
 * The key a series had before keys escaped their delimiters. Escaping only ever adds backslashes, and a key without
 * one escaped nothing: for almost every series the old key is the key itself.
 */
function legacyKeyOf(key: string, labels: Record<string, string>): string {
  if (!key.includes('\\')) return key;
  const { metric, ...identity } = labels;
  return legacySeriesKey(metric as string, identity);
}

/** Where a retired item says its series went (ingest's marker for a series that changed keys), if it is one. */
function movedTo(state: unknown): string | undefined {
  const to = (state as { movedTo?: unknown } | null | undefined)?.movedTo;
  return typeof to === 'string' ? to : undefined;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

export function makeHandler(rt: Runtime, options: { warmSeries?: number } = {}) {
  const warm = new WarmStates(options.warmSeries ?? WARM_SERIES);

  /**
   * One state read and one conditional write per series per batch; on a lost race, reload and replay.
   * Data-quality checks run first (order, duplicates, gaps, scale, stale) and hand the detector clean points.
   */
  async function detectSeries(
    group: SeriesGroup,
    correlationId: string,
    isRedelivered?: (p: MetricPoint) => boolean,
  ): Promise<Alert[]> {
    const first = group.points[0];
    if (!first) return [];
    const labels = seriesLabels(first);
    const detector = selectDetector(rt.config.detectors, labels);
    if (!detector) count(rt.metrics, 'PointsWithoutDetector', group.points.length);
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      // Taken out for the whole attempt: only a saved state goes back, so a failed or lost attempt rereads.
      const cached = detector ? warm.take(group.key) : undefined;
      let prior = await rt.store.getSeriesState(group.key, cached?.writeId);
      const live = prior?.unchanged && cached?.state.detector === detector?.name ? cached?.state : undefined;
      // Only a state this container kept for this very detector stands in for the stored one; else read it.
      if (prior?.unchanged && !live) prior = await rt.store.getSeriesState(group.key);
      // The warm-state hit rate: a low one means a series' batches keep landing on different containers.
      if (live) count(rt.metrics, 'SeriesStatesReused');
      // A series whose key changed when keys began escaping their delimiters continues from its old item (its
      // model, quality state, open episode and stale mark) — only if that item is this series' (same labels: the
      // old key of one series can be the current key of another) — and retires it before the first write under the
      // new key.
      let legacy: { key: string; version: number } | undefined;
      const oldKey = prior ? group.key : legacyKeyOf(group.key, labels);
      if (oldKey !== group.key) {
        const carried = await rt.store.getSeriesState(oldKey);
        if (carried && movedTo(carried.state) === group.key) {
          // Another container is moving this series right now: its write under the new key comes next.
          count(rt.metrics, 'SeriesStateConflicts');
          continue;
        }
        if (carried && sameLabels(carried.labels, labels)) {
          prior = { ...carried, version: 0 };
          legacy = { key: oldKey, version: carried.version };
        }
      }
      const priorState = (live ?? prior?.state) as Partial<EvaluatedState> | undefined;
      const nowMs = rt.clock.now().getTime();
      const quality = checkSeries(priorState?.extra?.quality, group.points, labels, rt.config.quality, nowMs, {
        ...(prior?.staleSince ? { staleSince: prior.staleSince } : {}),
        ...(isRedelivered ? { isRedelivered } : {}),
      });
      if (quality.replay) {
        count(rt.metrics, 'BatchesReplayed');
        return [];
      }
      for (const f of quality.findings) count(rt.metrics, `Quality_${f.check}`, f.count);
      if (quality.rebuilt) rt.logger.warn('stored quality state unusable; started afresh', { series: group.key });
      const alerts: Alert[] = [...quality.alerts];
      let stored: unknown;
      if (detector) {
        const outcome = evaluateSeries(quality.accepted, prior?.state, detector, {
          exclusions: rt.config.exclusions,
          ...(live ? { live } : {}),
        });
        if (outcome.rebuilt && prior) {
          rt.logger.warn('stored detector state unusable; started a fresh baseline', { series: group.key });
          count(rt.metrics, 'SeriesStateRebuilt');
        }
        if (outcome.versionReset) count(rt.metrics, 'SeriesVersionResets');
        count(rt.metrics, 'PointsAlreadySeen', outcome.skipped);
        count(rt.metrics, 'PointsExcluded', outcome.excluded);
        count(rt.metrics, 'PointsTooLargeToLearn', outcome.tooLarge);
        outcome.state.extra = { ...(outcome.state.extra ?? {}), quality: quality.state };
        alerts.push(...outcome.alerts);
        stored = encodeSeriesState(outcome.state, detector);
      } else {
        stored = { ...(priorState ?? {}), extra: { ...(priorState?.extra ?? {}), quality: quality.state } };
      }
      // Alerts go out before the state is saved: a crash in between repeats them, and dispatch dedups.
      if (alerts.length) await rt.bus.publish(alertEvents(alerts, 'detector', correlationId));
      const meta = seriesMeta(quality.state, labels, rt.config.quality);
      // The old item becomes a marker of where the series went: unlisted (no meta) and one version on, so the
      // watchdog's mark based on an earlier listing fails instead of paging a live series stale. If it changed under
      // us (an older container wrote it, or the watchdog marked it), read it again.
      if (legacy && !(await rt.store.putSeriesState(legacy.key, { movedTo: group.key }, legacy.version))) {
        count(rt.metrics, 'SeriesStateConflicts');
        continue;
      }
      // Series without a detector (or a container keeping nothing) keep nothing warm: their write needs no id.
      const writeId = detector && warm.enabled ? warm.nextWriteId() : undefined;
      if (await rt.store.putSeriesState(group.key, stored, prior?.version ?? 0, meta, writeId)) {
        // What the next batch would decode from this write, decoded now from the object in hand (no inflate, no
        // parse); a state the decoder refuses is not kept, so the next batch reads and rebuilds it like any other.
        const again = detector && writeId ? decodeSavedState(stored as EvaluatedState, detector) : undefined;
        if (again && writeId) warm.keep(group.key, writeId, again);
        return alerts;
      }
      count(rt.metrics, 'SeriesStateConflicts');
    }
    throw new DependencyError(`series ${group.key}: state kept changing under us (${MAX_CONFLICT_RETRIES} conflicts)`);
  }

  /** Per-source schema-violation accounting (MetricSchemaViolations), one small item per source. */
  async function checkSource(source: IngestSource, rejected: Issue[], accepted: number, correlationId: string) {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const prior = await rt.store.getSourceState(source);
      const r = checkSchemaViolations(
        prior?.state,
        source,
        rejected,
        accepted,
        rt.config.quality,
        rt.clock.now().getTime(),
      );
      if (r.alert) await rt.bus.publish(alertEvents([r.alert], 'quality', correlationId));
      if (!r.changed) return;
      if (await rt.store.putSourceState(source, r.state, prior?.version ?? 0)) return;
    }
    // Losing this count is not worth failing accepted points over; the next batch counts again.
    rt.logger.warn('schema-violation accounting kept conflicting', { source });
  }

  /** One budget: one state read and one conditional write per batch, replayed on a lost race. */
  async function updateBudgetState(budget: Budget, points: MetricPoint[], correlationId: string): Promise<Alert[]> {
    const key = budgetStateKey(budget);
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const prior = await rt.store.getSeriesState(key);
      // A budget first seen under its new key continues from what its old key counted (then created here).
      const carried = prior ? undefined : await rt.store.getSeriesState(legacyBudgetStateKey(budget));
      const start = (prior ?? carried)?.state as BudgetState | undefined;
      const outcome = updateBudget(start, budget, points, rt.clock.now().getTime());
      if (outcome.counted === 0 && !outcome.alert && prior) return [];
      const alerts = outcome.alert ? [outcome.alert] : [];
      if (alerts.length) await rt.bus.publish(alertEvents(alerts, 'budget', correlationId));
      if (await rt.store.putSeriesState(key, outcome.state, prior?.version ?? 0)) {
        rt.logger.info('budget updated', {
          budget: budget.name,
          spent: outcome.spent,
          burnRatePerHour: outcome.burnRatePerHour,
          forecastExhaustAt: outcome.forecastExhaustAt,
        });
        return alerts;
      }
      count(rt.metrics, 'BudgetStateConflicts');
    }
    throw new DependencyError(
      `budget ${budget.name}: state kept changing under us (${MAX_CONFLICT_RETRIES} conflicts)`,
    );
  }

  /** Runs every series of the batch; failures are collected per series so the rest of the batch still lands. */
  async function detectAll(groups: SeriesGroup[], correlationId: string, isRedelivered?: (p: MetricPoint) => boolean) {
    const alerts: Alert[] = [];
    const failed: { group: SeriesGroup; error: RunwatchError }[] = [];
    const everything = groups.flatMap((g) => g.points);
    for (const budget of rt.config.genai.budgets) {
      if (!everything.some((p) => budgetCounts(budget, p))) continue;
      try {
        alerts.push(...(await updateBudgetState(budget, everything, correlationId)));
      } catch (e) {
        const error =
          e instanceof RunwatchError ? e : new DependencyError(`budget ${budget.name}: ${(e as Error).message}`, e);
        rt.logger.error('budget failed', { budget: budget.name, error: error.message });
        // Budgets count each series' points once, so retrying the whole batch is safe.
        const all: SeriesGroup = {
          key: `budget:${budget.name}`,
          points: [],
          owners: new Set(groups.flatMap((g) => [...g.owners])),
        };
        failed.push({ group: all, error });
      }
    }
    await pool(groups, CONCURRENCY, async (group) => {
      try {
        alerts.push(...(await detectSeries(group, correlationId, isRedelivered)));
      } catch (e) {
        const error =
          e instanceof RunwatchError ? e : new DependencyError(`series ${group.key}: ${(e as Error).message}`, e);
        rt.logger.error('series failed', { series: group.key, error: error.message, retryable: error.retryable });
        failed.push({ group, error });
      }
    });
    count(rt.metrics, 'AnomalyAlerts', alerts.length);
    return { alerts, failed };
  }

  function summarize(accepted: number, rejected: Issue[], series: number, alerts: Alert[]): MetricsOutcome {
    return {
      accepted,
      rejected,
      series,
      alerts: alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, alertname: a.labels.alertname })),
    };
  }

  function parse(body: unknown, where: string) {
    const { points, rejected } = parsePointBatch(body);
    if (rejected.length) {
      count(rt.metrics, 'PointsRejected', rejected.length);
      rt.logger.warn('points rejected', { where, rejected: rejected.slice(0, 20), total: rejected.length });
    }
    if (points.length === 0 && rejected.length > 0) throw new ValidationError('no valid points in the batch', rejected);
    count(rt.metrics, 'PointsAccepted', points.length);
    return { points, rejected };
  }

  async function onHttp(event: HttpEvent, context: Context) {
    const correlationId = header(event, 'x-correlation-id') ?? event.requestContext.requestId ?? context.awsRequestId;
    rt.logger.setCorrelationId(correlationId);
    try {
      const { points, rejected } = parse(jsonBody(event), 'http');
      await checkSource('http', rejected, points.length, correlationId);
      const groups = groupForDetection(
        withSignals(
          points.map((point) => ({ point })),
          rt.config.genai,
        ),
      );
      const { alerts, failed } = await detectAll(groups, correlationId);
      const retry = failed.find((f) => f.error.retryable);
      // Resending the whole batch is safe: points a series already saw are skipped.
      if (retry) throw retry.error;
      return json(202, summarize(points.length, rejected, groups.length, alerts));
    } catch (e) {
      if (e instanceof ValidationError) {
        count(rt.metrics, 'BatchesRejected');
        await checkSource('http', e.issues, 0, correlationId).catch(() => undefined);
      } else rt.logger.error('metrics batch failed', e as Error);
      return errorResult(e, context.awsRequestId);
    }
  }

  /** The whole SQS batch at once, so each series is read and written once however many messages carry it. */
  async function onSqs(event: SQSEvent): Promise<SQSBatchResponse> {
    const failures = new Set<string>();
    const owned: { point: MetricPoint; owner: string }[] = [];
    const rejectedAll: Issue[] = [];
    // Points of a message SQS delivers again: the quality checks drop their copies quietly.
    const redelivered = new WeakSet<MetricPoint>();
    for (const record of event.Records) {
      try {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          throw new ValidationError('SQS message is not JSON', [{ path: 'body', message: 'not valid JSON' }]);
        }
        const again = Number(record.attributes?.ApproximateReceiveCount ?? '1') > 1;
        const parsed = parse(body, `sqs:${record.messageId}`);
        rejectedAll.push(...parsed.rejected);
        for (const point of parsed.points) {
          owned.push({ point, owner: record.messageId });
          if (again) redelivered.add(point);
        }
      } catch (e) {
        if (e instanceof ValidationError) rejectedAll.push(...e.issues);
        // Poison: reported as failed so SQS retries it alone and finally moves it to the DLQ.
        count(rt.metrics, 'BatchesRejected');
        const reason = e instanceof ValidationError ? describeIssues(e.issues) : (e as Error).message;
        rt.logger.error('metrics message rejected', { messageId: record.messageId, reason });
        failures.add(record.messageId);
      }
    }
    const correlationId = event.Records[0]?.messageId ?? 'sqs';
    rt.logger.setCorrelationId(correlationId);
    await checkSource('sqs', rejectedAll, owned.length, correlationId);
    const { failed } = await detectAll(groupForDetection(withSignals(owned, rt.config.genai)), correlationId, (p) =>
      redelivered.has(p),
    );
    for (const f of failed) for (const owner of f.group.owners) failures.add(owner);
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  }

  /** CloudWatch Logs subscription (EMF lines) — async: a retryable failure is rethrown so Lambda retries it. */
  async function onLogs(event: unknown, context: Context) {
    const decoded = decodeCloudWatchLogsEvent(event);
    rt.logger.setCorrelationId(`${decoded.logGroup}/${decoded.logStream}`);
    count(rt.metrics, 'LogLinesSkipped', decoded.skipped);
    if (decoded.rejected.length) {
      count(rt.metrics, 'PointsRejected', decoded.rejected.length);
      rt.logger.warn('EMF lines rejected', { logGroup: decoded.logGroup, rejected: decoded.rejected.slice(0, 20) });
    }
    count(rt.metrics, 'PointsAccepted', decoded.points.length);
    await checkSource('logs', decoded.rejected, decoded.points.length, context.awsRequestId);
    const groups = groupForDetection(
      withSignals(
        decoded.points.map((point) => ({ point })),
        rt.config.genai,
      ),
    );
    const { alerts, failed } = await detectAll(groups, context.awsRequestId);
    const retry = failed.find((f) => f.error.retryable);
    if (retry) throw retry.error;
    return summarize(decoded.points.length, decoded.rejected, groups.length, alerts);
  }

  return withObservability(rt, async (event: unknown, context: Context) => {
    if (isHttpEvent(event)) return onHttp(event, context);
    if (isSqsEvent(event)) return onSqs(event);
    if (isCloudWatchLogsEvent(event)) {
      try {
        return await onLogs(event, context);
      } catch (e) {
        if (e instanceof ValidationError) {
          // A broken envelope can never succeed: counted, logged, rethrown so retries end in the DLQ.
          count(rt.metrics, 'BatchesRejected');
          rt.logger.error('logs event rejected', { reason: describeIssues(e.issues) });
        }
        throw e;
      }
    }
    count(rt.metrics, 'EventsUnsupported');
    rt.logger.warn('ingest-metrics received an event it does not handle');
    return { unsupported: true };
  });
}
