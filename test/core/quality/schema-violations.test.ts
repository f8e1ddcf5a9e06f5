// Rejected points per input source: MetricSchemaViolations fires on a bad batch or window, names the reasons, resolves.
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../functions/core/errors';
import { parsePointBatch } from '../../../functions/core/metrics/points';
import { defaultQualityConfig, qualityConfigSchema } from '../../../functions/core/quality/config';
import {
  checkSchemaViolations,
  expireSchemaViolations,
  summarizeIssues,
} from '../../../functions/core/quality/schema-violations';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;
const CONFIG = defaultQualityConfig();

function issues(n: number, message = 'must be a number', field = 'value'): Issue[] {
  return Array.from({ length: n }, (_, i) => ({ path: `points[${i}].${field}`, message }));
}

describe('checkSchemaViolations', () => {
  it('fires when one batch rejects perBatch points, quoting the first issues and the count', () => {
    // Prepare: what parsePointBatch reports for a batch with bad timestamps and values
    const body = {
      points: [
        ...Array.from({ length: 8 }, () => ({ metric: 'Invocations', timestamp: 1_764_237_600, value: 1 })),
        { metric: 'Invocations', timestamp: '2026-11-27T10:00:00Z', value: '12' },
        { metric: '', timestamp: '2026-11-27T10:00:00Z', value: 1 },
        { metric: 'Invocations', timestamp: '2026-11-27T10:00:00Z', value: 3 },
      ],
    };
    const { points, rejected } = parsePointBatch(body);

    // Act
    const r = checkSchemaViolations(undefined, 'sqs', rejected, points.length, CONFIG, T0);

    // Assess
    expect(r.changed).toBe(true);
    expect(r.alert).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-27T10:00:00.000Z',
      labels: { alertname: 'MetricSchemaViolations', check: 'schema', input: 'sqs', source: 'detector' },
    });
    expect(r.alert?.annotations.summary).toBe(
      'sqs: 10 of 11 points rejected in this batch, 10 in the last 15 min. First: ' +
        'points[0].timestamp: epoch timestamps are milliseconds; this looks like seconds (multiply by 1000); ' +
        'points[1].timestamp: epoch timestamps are milliseconds; this looks like seconds (multiply by 1000); ' +
        'points[2].timestamp: epoch timestamps are milliseconds; this looks like seconds (multiply by 1000)',
    );
    expect(r.alert?.annotations.reasons).toBe(
      'timestamp: epoch timestamps are milliseconds; this looks like seconds (multiply by 1000) ×8; ' +
        'value: must be a number; metric: must not be empty',
    );
  });

  it('names non-finite values', () => {
    // Prepare
    const rejected = [...issues(9, 'must be a finite number (got Infinity)'), ...issues(1, 'must be a number')];

    // Act
    const r = checkSchemaViolations(undefined, 'logs', rejected, 0, CONFIG, T0);

    // Assess
    expect(r.alert?.annotations.summary).toMatch(
      /^logs: 10 of 10 points rejected in this batch \(9 non-finite values\)/,
    );
    expect(r.alert?.annotations.non_finite).toBe('9');
  });

  it('fires when rejections add up over the window, not before', () => {
    // Prepare
    let state: unknown;
    const fired: boolean[] = [];

    // Act: 5 rejected points a minute; the window takes 25
    for (let m = 0; m < 6; m++) {
      const r = checkSchemaViolations(state, 'http', issues(5), 95, CONFIG, T0 + m * MINUTE);
      state = r.state;
      fired.push(r.alert?.status === 'firing');
    }

    // Assess
    expect(fired).toEqual([false, false, false, false, true, false]);
  });

  it('forgets rejections older than the window', () => {
    // Prepare
    let state: unknown = checkSchemaViolations(undefined, 'http', issues(9), 0, CONFIG, T0).state;
    state = checkSchemaViolations(state, 'http', issues(9), 0, CONFIG, T0 + 5 * MINUTE).state;

    // Act
    const r = checkSchemaViolations(state, 'http', issues(9), 0, CONFIG, T0 + 20 * MINUTE);

    // Assess
    expect(r.alert).toBeUndefined();
    expect(r.state.buckets.reduce((n, [, c]) => n + c, 0)).toBe(18);
  });

  it('resolves after cleanBatches batches without a rejected point, with the firing startsAt', () => {
    // Prepare
    const fire = checkSchemaViolations(undefined, 'sqs', issues(10), 0, CONFIG, T0);
    let state: unknown = fire.state;
    const alerts = [];

    // Act
    for (let b = 1; b <= 3; b++) {
      const r = checkSchemaViolations(state, 'sqs', [], 100, CONFIG, T0 + b * MINUTE);
      state = r.state;
      alerts.push(r.alert);
    }

    // Assess
    expect(alerts.slice(0, 2)).toEqual([undefined, undefined]);
    expect(alerts[2]).toMatchObject({
      status: 'resolved',
      fingerprint: fire.alert?.fingerprint,
      startsAt: '2026-11-27T10:00:00.000Z',
      endsAt: '2026-11-27T10:03:00.000Z',
    });
    expect(alerts[2]?.annotations.summary).toBe('sqs: points are accepted again (3 batches without a rejected point)');
  });

  it('has nothing to write for a clean batch while nothing is open', () => {
    // Act
    const r = checkSchemaViolations(undefined, 'http', [], 50, CONFIG, T0);

    // Assess
    expect(r.changed).toBe(false);
    expect(r.alert).toBeUndefined();
  });

  it('stays quiet when the check is off, and starts afresh from unusable state', () => {
    // Prepare
    const off = qualityConfigSchema.parse({ schemaViolations: { enabled: false } });

    // Act
    const quiet = checkSchemaViolations(undefined, 'http', issues(50), 0, off, T0);
    const fresh = checkSchemaViolations({ v: 1, buckets: 'x' }, 'http', issues(10), 0, CONFIG, T0);

    // Assess
    expect(quiet.alert).toBeUndefined();
    expect(fresh.alert?.status).toBe('firing');
  });
});

describe('expireSchemaViolations', () => {
  it('resolves an open alert once the source has rejected nothing for a whole window', () => {
    // Prepare
    const fire = checkSchemaViolations(undefined, 'poller', issues(10), 0, CONFIG, T0);

    // Act
    const early = expireSchemaViolations(fire.state, 'poller', CONFIG, T0 + 10 * MINUTE);
    const late = expireSchemaViolations(fire.state, 'poller', CONFIG, T0 + 16 * MINUTE);

    // Assess
    expect(early.alert).toBeUndefined();
    expect(late.alert).toMatchObject({ status: 'resolved', fingerprint: fire.alert?.fingerprint });
    expect(late.alert?.annotations.summary).toBe('poller: points are accepted again (no rejected point for 16 min)');
    expect(late.state.open).toBeNull();
  });
});

describe('summarizeIssues', () => {
  it('groups reasons by field, most frequent first', () => {
    // Act
    const s = summarizeIssues([
      { path: 'points[0].value', message: 'must be a finite number (got NaN)' },
      { path: 'points[3].dimensions.model id', message: 'dimension names are letters' },
      { path: 'points[7].value', message: 'must be a finite number (got NaN)' },
      { path: 'body', message: 'not valid JSON' },
    ]);

    // Assess
    expect(s).toEqual({
      reasons:
        'value: must be a finite number (got NaN) ×2; dimensions.model id: dimension names are letters; body: not valid JSON',
      nonFinite: 2,
    });
  });
});
