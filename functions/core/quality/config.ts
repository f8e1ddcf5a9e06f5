// The `quality` section of runwatch.yml: data-quality checks on metric series (order, duplicates, gaps, staleness, scale, schema).
import { z } from 'zod';
import { SEVERITIES } from '../alert';
import { duration, matchers } from '../config/primitives';

const severity = z.enum(SEVERITIES).default('warning');
const enabled = z.boolean().default(true);
const count = (fallback: number) => z.number().int().min(1).default(fallback);

/** Checks counted per batch: fire when one batch has `minPoints` such points, resolve after `cleanBatches` without any. */
function perBatchCheck(minPoints: number) {
  return {
    enabled,
    /** Points of one series in one batch that make the check fire. */
    minPoints: count(minPoints),
    /** Consecutive batches of the series without such points before the alert resolves. */
    cleanBatches: count(3),
    severity,
  };
}

export const qualityConfigSchema = z
  .strictObject({
    /** Off: points are still ordered and de-duplicated for the detectors, but no quality alert opens. */
    enabled,
    /** Series (metric name and dimensions) that get no quality alerts, e.g. `[{ metric: "~Debug.*" }]`. */
    exclude: z.array(matchers).default([]),
    /**
     * Sources that re-read an overlapping window (the poller: CloudWatch revises recent datapoints and fills in late
     * ones) send points behind the newest one taken on purpose. Up to `window` behind, such points are re-sends:
     * dropped quietly, neither out of order nor duplicates. Off unless `window` is set; `match` narrows the series.
     */
    resends: z
      .strictObject({
        window: duration.optional(),
        match: z.array(matchers).default([]),
      })
      .prefault({}),
    /** Points older than the newest point already taken for their series (they are dropped). */
    outOfOrder: z.strictObject(perBatchCheck(3)).prefault({}),
    /** Points whose timestamp was already taken with another value (the first one wins). */
    duplicates: z
      .strictObject({
        ...perBatchCheck(1),
        /**
         * Also count exact copies (same time, same value). Off by default: at-least-once delivery (an SQS
         * redelivery, a client retry) produces them, and they change nothing.
         */
        countIdentical: z.boolean().default(false),
      })
      .prefault({}),
    /** A stretch without data longer than `factor` × the series' learned interval, noticed when data resumes. */
    gap: z
      .strictObject({
        enabled,
        factor: z.number().min(1.5).default(5),
        /** Shorter silences are never gaps, whatever the interval. */
        minimum: duration.default(60_000),
        /** Points at the usual cadence after the gap before its alert resolves. */
        resolveAfter: count(3),
        severity,
      })
      .prefault({}),
    /** The dead man's switch: no data for `factor` × the interval (at least `minimum`), found by the watchdog. */
    stale: z
      .strictObject({
        enabled,
        factor: z.number().min(1.5).default(3),
        minimum: duration.default(15 * 60_000),
        /** Used until a series has shown its cadence (four intervals). */
        unknownInterval: duration.default(3_600_000),
        /** Series expected to go quiet (e.g. error counts sent only when there are errors). */
        exclude: z.array(matchers).default([]),
        severity,
      })
      .prefault({}),
    /** The level jumps by a unit-like factor and stays there (seconds → milliseconds, bytes → KiB, ...). */
    scaleChange: z
      .strictObject({
        enabled,
        /** Any jump at least this far beyond the series' usual range counts, unit-like or not. */
        ratio: z.number().min(2).default(100),
        /** Exact factors recognised even below `ratio` (and their inverses): 60 s/min, 1000 prefixes, 1024 binary. */
        unitFactors: z.array(z.number().gt(1, 'a factor must be greater than 1')).default([60, 1000, 1024, 3600]),
        /** Relative slack around a factor and around the usual range. */
        tolerance: z.number().gt(0).max(1).default(0.25),
        /** Consecutive points at the new scale before the alert fires (and back at the old one before it resolves). */
        sustain: z.number().int().min(2).default(5),
        /** Points at the new scale after which it is taken as the new normal and the alert resolves. */
        acceptAfter: z.number().int().min(3).default(60),
        severity,
      })
      .prefault({}),
    /** Points rejected at the edge (bad field, non-finite value), counted per source (http, sqs, logs, poller). */
    schemaViolations: z
      .strictObject({
        enabled,
        /** Rejected points in one batch that make the alert fire. */
        perBatch: count(10),
        /** ... or rejected points from the source within `window`. */
        perWindow: count(25),
        window: duration.default(15 * 60_000),
        /** Consecutive batches without rejections before the alert resolves (a quiet `window` resolves it too). */
        cleanBatches: count(3),
        severity,
      })
      .prefault({}),
  })
  .superRefine((q, ctx) => {
    if (q.scaleChange.acceptAfter <= q.scaleChange.sustain) {
      ctx.addIssue({
        code: 'custom',
        path: ['scaleChange', 'acceptAfter'],
        message: `must be greater than scaleChange.sustain (${q.scaleChange.sustain})`,
      });
    }
  })
  .prefault({});

export type QualityConfig = z.output<typeof qualityConfigSchema>;
export type QualityConfigInput = z.input<typeof qualityConfigSchema>;

/** The defaults, for callers and tests that have no runwatch.yml. */
export function defaultQualityConfig(): QualityConfig {
  return qualityConfigSchema.parse(undefined);
}
