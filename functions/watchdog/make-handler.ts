// watchdog: every few minutes, the dead man's switch — series whose data stopped get MetricStale on the bus; quiet sources resolve.
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { Alert } from '../core/alert';
import { alertEvents } from '../core/bus';
import { describeIssues, issuesFromZod } from '../core/errors';
import { expireSchemaViolations, INGEST_SOURCES } from '../core/quality/schema-violations';
import { findStale } from '../core/quality/stale';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import type { Runtime } from '../lib/runtime';
import type { DueSeries } from '../ports';

/** An EventBridge rule's scheduled invocation (`rate(...)`): `time` is the scheduled time, the same on a retry. */
const scheduledEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
});

export interface WatchdogOptions {
  /** Series read per listing page. */
  pageSize?: number;
  /** Pages per run: a backlog larger than pageSize × maxPages is worked off over the next runs. */
  maxPages?: number;
}

export interface WatchdogOutcome {
  /** Series the store listed as due. */
  listed: number;
  /** Newly marked stale this run, and MetricStale alerts published (new ones plus re-publishes of earlier marks). */
  stale: number;
  published: number;
  /** Due under an older configuration, moved to their current due time or unlisted. */
  relisted: number;
  /** Lost races with ingest (the series took data meanwhile): left for ingest, which wins. */
  conflicts: number;
  /** Schema-violation alerts resolved because their source rejected nothing for a whole window. */
  sourcesResolved: number;
  unsupported?: true;
}

export function makeHandler(rt: Runtime, options: WatchdogOptions = {}) {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 20;

  /**
   * One page: claim (conditional mark), publish, then unlist. The mark bumps the series' version, so an ingest
   * that read before it reloads, sees the mark and resolves; a crash before the unlist leaves the series listed
   * and marked, and the next run publishes the same alert again (same labels and startsAt: dispatch folds it).
   */
  async function sweepPage(due: DueSeries[], nowMs: number, correlationId: string, outcome: WatchdogOutcome) {
    const review = findStale(due, nowMs, rt.config.quality);
    const version = new Map(due.map((d) => [d.key, d.version]));
    const versionOf = (key: string) => version.get(key) ?? 0;

    const claimed = await Promise.all(
      review.stale.map(async (v) => {
        if (v.alreadyMarked) return { verdict: v, version: versionOf(v.key) };
        const marked = await rt.store.markSeriesStale(v.key, versionOf(v.key), v.since);
        return marked ? { verdict: v, version: versionOf(v.key) + 1, fresh: true } : undefined;
      }),
    );
    const toPublish = claimed.filter((c) => c !== undefined);
    outcome.conflicts += claimed.length - toPublish.length;
    outcome.stale += toPublish.filter((c) => c.fresh).length;

    const alerts: Alert[] = toPublish.map((c) => c.verdict.alert);
    if (alerts.length) await rt.bus.publish(alertEvents(alerts, 'watchdog', correlationId));
    outcome.published += alerts.length;

    const moves = [
      ...toPublish.map((c) => ({ key: c.verdict.key, version: c.version, staleAtMs: null })),
      ...review.later.map((l) => ({ key: l.key, version: versionOf(l.key), staleAtMs: l.staleAtMs })),
    ];
    const moved = await Promise.all(moves.map((m) => rt.store.relistSeries(m.key, m.version, m.staleAtMs)));
    outcome.relisted += review.later.length;
    outcome.conflicts += moved.filter((ok) => !ok).length;
    return moved.some(Boolean);
  }

  async function sweep(nowMs: number, correlationId: string): Promise<WatchdogOutcome> {
    const outcome: WatchdogOutcome = {
      listed: 0,
      stale: 0,
      published: 0,
      relisted: 0,
      conflicts: 0,
      sourcesResolved: 0,
    };
    const nowIso = new Date(nowMs).toISOString();
    // DynamoDB's index lags our own writes a little: a series handled on one page may be listed again on the next.
    const handled = new Set<string>();
    for (let page = 0; page < maxPages; page++) {
      const listed = await rt.store.listSeriesDueBefore(nowIso, pageSize);
      outcome.listed += listed.length;
      const due = listed.filter((d) => !handled.has(d.key));
      if (due.length === 0) break;
      for (const d of due) handled.add(d.key);
      const progressed = await sweepPage(due, nowMs, correlationId, outcome);
      // Nothing moved (the index lags our own writes, or ingest won every race): the next run picks it up.
      if (!progressed || listed.length < pageSize) break;
    }

    for (const source of INGEST_SOURCES) {
      const stored = await rt.store.getSourceState(source);
      if (!stored) continue;
      const r = expireSchemaViolations(stored.state, source, rt.config.quality, nowMs);
      if (!r.alert) continue;
      // Publish before saving, as ingest does: a lost save means a repeated resolve, never a lost one.
      await rt.bus.publish(alertEvents([r.alert], 'watchdog', correlationId));
      if (await rt.store.putSourceState(source, r.state, stored.version)) outcome.sourcesResolved += 1;
      else outcome.conflicts += 1;
    }
    return outcome;
  }

  return withObservability(rt, async (event: unknown, context: Context): Promise<WatchdogOutcome> => {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      count(rt.metrics, 'EventsUnsupported');
      rt.logger.warn('watchdog takes EventBridge scheduled events only', {
        reason: describeIssues(issuesFromZod(parsed.error.issues)),
      });
      return { listed: 0, stale: 0, published: 0, relisted: 0, conflicts: 0, sourcesResolved: 0, unsupported: true };
    }
    const correlationId = parsed.data.id || context.awsRequestId;
    rt.logger.setCorrelationId(correlationId);
    // The scheduled time, not the wall clock: a retried event decides exactly as the first attempt did.
    const outcome = await sweep(Date.parse(parsed.data.time), correlationId);
    count(rt.metrics, 'SeriesStale', outcome.stale);
    count(rt.metrics, 'StaleAlertsPublished', outcome.published);
    count(rt.metrics, 'SeriesRelisted', outcome.relisted);
    count(rt.metrics, 'StaleMarkConflicts', outcome.conflicts);
    count(rt.metrics, 'SchemaViolationsExpired', outcome.sourcesResolved);
    rt.logger.info('watchdog sweep', { ...outcome });
    return outcome;
  });
}
