// The dead man's switch, pure part: when a series counts as stale, what ingest stores so the watchdog finds it, and MetricStale.
import type { Alert, Labels } from '../alert';
import { matchesLabels } from '../matchers';
import { formatDuration, iso, qualityAlert, seriesName } from './alerts';
import type { QualityConfig } from './config';
import { type QualityState, typicalSilenceMs } from './series';

/** What putSeriesState stores beside the state (the Store port's SeriesMeta). */
export interface StaleMeta {
  labels: Labels;
  lastSeenMs: number;
  intervalMs?: number;
  staleAtMs?: number;
}

/** A series as the watchdog lists it. */
export interface StaleEntry {
  key: string;
  labels: Labels;
  lastSeenMs: number;
  intervalMs?: number;
  /** Set when an earlier run marked it: its alert may not have gone out yet, so it is published again. */
  staleSince?: string;
}

export interface StaleVerdict {
  key: string;
  /** ISO time the series became stale: last arrival + the allowed silence, the same on every run. */
  since: string;
  alert: Alert;
  /** An earlier run marked it already (re-publish, do not mark again). */
  alreadyMarked: boolean;
}

export interface StaleReview {
  stale: StaleVerdict[];
  /** Listed but not stale under the current configuration: move to `staleAtMs`, or unlist when null. */
  later: { key: string; staleAtMs: number | null }[];
}

/** The silence after which a series is stale: `factor` × its interval, at least `minimum`. */
export function staleAfterMs(intervalMs: number | undefined, config: QualityConfig): number {
  const s = config.stale;
  return Math.max(s.minimum, intervalMs === undefined ? s.unknownInterval : s.factor * intervalMs);
}

/** Whether the watchdog watches this series at all. */
export function staleWatched(labels: Labels, config: QualityConfig): boolean {
  if (!config.enabled || !config.stale.enabled) return false;
  const excluded = (list: Record<string, string>[]) => list.some((m) => matchesLabels(m, labels));
  return !excluded(config.exclude) && !excluded(config.stale.exclude);
}

/**
 * The meta to pass to putSeriesState after checkSeries: arrival time, interval and, for watched series, the
 * due time that lists it for the watchdog. Undefined before the series has taken any point.
 */
export function seriesMeta(state: QualityState, labels: Labels, config: QualityConfig): StaleMeta | undefined {
  if (state.seen === null) return undefined;
  const meta: StaleMeta = { labels, lastSeenMs: state.seen };
  const intervalMs = typicalSilenceMs(state);
  if (intervalMs !== undefined) meta.intervalMs = intervalMs;
  if (staleWatched(labels, config)) meta.staleAtMs = state.seen + staleAfterMs(intervalMs, config);
  return meta;
}

/** Decides, for the series the store listed as due, which are stale now and builds their firing MetricStale. */
export function findStale(entries: StaleEntry[], nowMs: number, config: QualityConfig): StaleReview {
  const review: StaleReview = { stale: [], later: [] };
  for (const e of entries) {
    const after = staleAfterMs(e.intervalMs, config);
    if (e.staleSince !== undefined) {
      review.stale.push({
        key: e.key,
        since: e.staleSince,
        alert: staleAlert(e, e.staleSince, after, config),
        alreadyMarked: true,
      });
      continue;
    }
    if (!staleWatched(e.labels, config)) {
      review.later.push({ key: e.key, staleAtMs: null });
      continue;
    }
    const dueMs = e.lastSeenMs + after;
    if (dueMs > nowMs) {
      review.later.push({ key: e.key, staleAtMs: dueMs });
      continue;
    }
    const since = iso(dueMs);
    review.stale.push({ key: e.key, since, alert: staleAlert(e, since, after, config), alreadyMarked: false });
  }
  return review;
}

function staleAlert(e: StaleEntry, since: string, afterMs: number, config: QualityConfig): Alert {
  const usual =
    e.intervalMs === undefined ? 'its interval is not known yet' : `usually every ${formatDuration(e.intervalMs)}`;
  return qualityAlert({
    check: 'stale',
    status: 'firing',
    severity: config.stale.severity,
    labels: e.labels,
    summary: `${seriesName(e.labels)}: no data since ${iso(e.lastSeenMs)} (${usual}; stale after ${formatDuration(afterMs)} without data)`,
    annotations: {
      last_seen: iso(e.lastSeenMs),
      stale_after: formatDuration(afterMs),
      ...(e.intervalMs === undefined ? {} : { interval: formatDuration(e.intervalMs) }),
    },
    startsAt: since,
  });
}
