// Per-series data-quality checks: order, duplicates, redeliveries, gaps, scale and unit changes, a stale series' return.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import type { MetricPoint } from '../../../functions/core/metrics/points';
import { defaultQualityConfig, type QualityConfig, qualityConfigSchema } from '../../../functions/core/quality/config';
import {
  checkSeries,
  initialQualityState,
  type QualityState,
  reviveQualityState,
  type SeriesCheckOptions,
} from '../../../functions/core/quality/series';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const MINUTE = 60_000;
const LABELS = { metric: 'InvocationLatency', ModelId: 'claude' };
const NAME = 'InvocationLatency{ModelId=claude}';
const CONFIG = defaultQualityConfig();

function point(minute: number, value: number, unit?: string): MetricPoint {
  const p: MetricPoint = {
    metric: 'InvocationLatency',
    dimensions: { ModelId: 'claude' },
    t: T0 + minute * MINUTE,
    value,
  };
  if (unit !== undefined) p.unit = unit;
  return p;
}

/** `n` points a minute apart from `from`, values around `level` (±10 %, deterministic). */
function run(from: number, n: number, level = 0.5, unit?: string): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => point(from + i, level * (1 + 0.1 * Math.sin(from + i)), unit));
}

/** Feeds batches one after the other through JSON (as the store would), `now` one minute after each batch's last point. */
function feed(
  batches: MetricPoint[][],
  config: QualityConfig = CONFIG,
  start?: unknown,
  options: SeriesCheckOptions = {},
) {
  let state: unknown = start;
  const alerts: Alert[][] = [];
  let last = checkSeries(undefined, [], LABELS, config, T0);
  for (const batch of batches) {
    const newest = Math.max(...batch.map((p) => p.t));
    last = checkSeries(state, batch, LABELS, config, newest + MINUTE, options);
    state = JSON.parse(JSON.stringify(last.state));
    alerts.push(last.alerts);
  }
  return { state: state as QualityState, alerts, last };
}

const names = (alerts: Alert[]) => alerts.map((a) => `${a.labels.alertname}:${a.status}`);

describe('checkSeries: order and duplicates', () => {
  it('accepts a batch in time order whatever order it arrived in', () => {
    // Prepare
    const batch = [point(2, 3), point(0, 1), point(1, 2)];

    // Act
    const r = checkSeries(undefined, batch, LABELS, CONFIG, T0 + 3 * MINUTE);

    // Assess
    expect(r.accepted.map((p) => p.value)).toEqual([1, 2, 3]);
    expect(r.alerts).toEqual([]);
    expect(r.state.t).toBe(T0 + 2 * MINUTE);
  });

  it('drops points older than the newest one taken and fires MetricOutOfOrder at the threshold', () => {
    // Prepare
    const { state } = feed([run(0, 20)]);

    // Act
    const r = checkSeries(state, [point(20, 0.5), point(5, 0.5), point(6, 0.5), point(3, 0.5)], LABELS, CONFIG, T0);

    // Assess
    expect(r.accepted.map((p) => p.t)).toEqual([T0 + 20 * MINUTE]);
    expect(names(r.alerts)).toEqual(['MetricOutOfOrder:firing']);
    expect(r.alerts[0]?.annotations.summary).toBe(
      `${NAME}: 3 points arrived out of order in this batch (oldest 16 min behind the newest point already taken) and were dropped`,
    );
    expect(r.findings).toContainEqual({ check: 'out-of-order', count: 3, detail: 'oldest 16 min behind' });
  });

  it('counts late points below the threshold without alerting', () => {
    // Prepare
    const { state } = feed([run(0, 20)]);

    // Act
    const r = checkSeries(state, [point(20, 0.5), point(5, 0.5)], LABELS, CONFIG, T0);

    // Assess
    expect(r.alerts).toEqual([]);
    expect(r.findings.map((f) => f.check)).toContain('out-of-order');
  });

  it('resolves MetricOutOfOrder after the configured clean batches, with the firing startsAt', () => {
    // Prepare
    const late = [point(20, 0.5), point(1, 0.5), point(2, 0.5), point(3, 0.5)];

    // Act
    const { alerts } = feed([run(0, 20), late, run(21, 1), run(22, 1), run(23, 1)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricOutOfOrder:firing'], [], [], ['MetricOutOfOrder:resolved']]);
    const [firing, resolved] = [alerts[1]?.[0], alerts[4]?.[0]];
    expect(resolved?.fingerprint).toBe(firing?.fingerprint);
    expect(resolved?.startsAt).toBe(firing?.startsAt);
    expect(resolved?.annotations.summary).toBe(`${NAME}: points arrive in order again (3 batches without late points)`);
  });

  it('keeps the first value of a repeated timestamp and fires MetricDuplicateTimestamps on a conflict', () => {
    // Prepare
    const batch = [point(0, 1), point(1, 2), point(1, 7), point(2, 3)];

    // Act
    const r = checkSeries(undefined, batch, LABELS, CONFIG, T0 + 3 * MINUTE);

    // Assess
    expect(r.accepted.map((p) => p.value)).toEqual([1, 2, 3]);
    expect(names(r.alerts)).toEqual(['MetricDuplicateTimestamps:firing']);
    expect(r.alerts[0]?.annotations.summary).toBe(
      `${NAME}: 1 point repeated a timestamp already taken with another value; the first value was kept (e.g. 2026-11-27T10:01:00.000Z: kept 2, dropped 7)`,
    );
  });

  it('sees a conflict with a point taken in an earlier batch', () => {
    // Prepare
    const { state } = feed([[point(0, 1), point(1, 2)]]);

    // Act
    const r = checkSeries(state, [point(1, 9), point(2, 3)], LABELS, CONFIG, T0);

    // Assess
    expect(r.accepted.map((p) => p.value)).toEqual([3]);
    expect(names(r.alerts)).toEqual(['MetricDuplicateTimestamps:firing']);
  });

  it('drops exact copies quietly (at-least-once delivery), or counts them when asked', () => {
    // Prepare
    const { state } = feed([[point(0, 1), point(1, 2)]]);
    const copies = [point(1, 2), point(2, 3), point(2, 3)];
    const strict = qualityConfigSchema.parse({ duplicates: { countIdentical: true } });

    // Act
    const quiet = checkSeries(state, copies, LABELS, CONFIG, T0);
    const counted = checkSeries(state, copies, LABELS, strict, T0);

    // Assess
    expect(quiet.accepted.map((p) => p.value)).toEqual([3]);
    expect(quiet.alerts).toEqual([]);
    expect(quiet.findings).toContainEqual({ check: 'identical', count: 2, detail: 'exact copies dropped' });
    expect(names(counted.alerts)).toEqual(['MetricDuplicateTimestamps:firing']);
  });

  it('drops the points of a redelivered message that are behind the series quietly', () => {
    // Prepare: a message of 12 points was taken with another message; it alone comes back
    const message = run(0, 12);
    const { state } = feed([[...message, ...run(12, 3)]]);
    const again = new Set(message);

    // Act
    const quiet = checkSeries(state, [...message, point(15, 0.5)], LABELS, CONFIG, T0, {
      isRedelivered: (p) => again.has(p),
    });
    const loud = checkSeries(state, [...message, point(15, 0.5)], LABELS, CONFIG, T0);

    // Assess
    expect(quiet.accepted.map((p) => p.t)).toEqual([T0 + 15 * MINUTE]);
    expect(quiet.alerts).toEqual([]);
    expect(quiet.findings).toContainEqual({ check: 'replay', count: 12, detail: 'redelivered message' });
    expect(names(loud.alerts)).toEqual(['MetricOutOfOrder:firing']);
  });

  it('drops re-sent points of an overlapping re-read quietly, revised values included, when configured', () => {
    // Prepare: a poller re-reads the last 10 minutes; CloudWatch revised one value and filled in a late one
    const config = qualityConfigSchema.parse({ resends: { window: '10m', match: [{ namespace: 'AWS/Bedrock' }] } });
    const polled = { ...LABELS, namespace: 'AWS/Bedrock' };
    const first = [point(0, 5), point(1, 5), point(2, 5), point(4, 5), point(5, 5)];
    const reread = [point(1, 5), point(2, 9), point(3, 4), point(4, 5), point(5, 6), point(6, 5), point(7, 5)];
    const stored = checkSeries(undefined, first, polled, config, T0).state;

    // Act
    const r = checkSeries(stored, reread, polled, config, T0);
    const pushed = checkSeries(checkSeries(undefined, first, LABELS, config, T0).state, reread, LABELS, config, T0);

    // Assess
    expect(r.accepted.map((p) => p.t)).toEqual([T0 + 6 * MINUTE, T0 + 7 * MINUTE]);
    expect(r.alerts).toEqual([]);
    expect(r.findings).toContainEqual({ check: 'resent', count: 5, detail: 'within the re-send window' });
    expect(names(pushed.alerts).sort()).toEqual(['MetricDuplicateTimestamps:firing']);
  });

  it('recognises a whole batch delivered again and changes nothing', () => {
    // Prepare
    const batch = run(20, 5);
    const { state } = feed([run(0, 20), batch, run(25, 1)]);

    // Act
    const r = checkSeries(state, [...batch].reverse(), LABELS, CONFIG, T0);

    // Assess
    expect(r.replay).toBe(true);
    expect(r.accepted).toEqual([]);
    expect(r.alerts).toEqual([]);
    expect(r.state).toEqual(state);
  });
});

describe('checkSeries: gaps', () => {
  it('fires MetricGap when data resumes after more than factor × interval, and resolves in a later batch', () => {
    // Prepare
    const history = run(0, 30);

    // Act
    const { alerts } = feed([history, run(72, 5), run(77, 1)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricGap:firing'], ['MetricGap:resolved']]);
    const firing = alerts[1]?.[0] as Alert;
    expect(firing.annotations.summary).toBe(
      `${NAME}: no data for 43 min (2026-11-27T10:29:00.000Z → 2026-11-27T11:12:00.000Z), about 42 points missing at its usual 1 min interval`,
    );
    expect(firing.startsAt).toBe('2026-11-27T10:29:00.000Z');
    expect(firing.labels).toMatchObject({ ...LABELS, alertname: 'MetricGap', check: 'gap', source: 'detector' });
    const resolved = alerts[2]?.[0] as Alert;
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect(resolved.endsAt).toBe('2026-11-27T11:17:00.000Z');
    expect(resolved.annotations.summary).toBe(
      `${NAME}: data flows again at its usual 1 min interval (5 points since the gap)`,
    );
  });

  it('does not resolve while the data keeps skipping', () => {
    // Act
    const { alerts, state } = feed([run(0, 30), run(72, 1), run(100, 1), run(101, 1)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricGap:firing'], [], []]);
    expect(state.open.gap?.normal).toBe(1);
  });

  it('ignores silences below factor × interval and the minimum', () => {
    // Prepare
    const fast = Array.from({ length: 30 }, (_, i) => ({ ...point(0, 1), t: T0 + i * 5000 }));
    const afterSilence = [{ ...point(0, 1), t: T0 + 29 * 5000 + 50_000 }];

    // Act
    const small = feed([run(0, 30), run(33, 1)]);
    const belowMinimum = feed([fast, afterSilence]);

    // Assess
    expect(small.alerts.flat()).toEqual([]);
    expect(belowMinimum.alerts.flat()).toEqual([]);
  });

  it('does not call silences gaps on an irregular cadence', () => {
    // Prepare: arrivals 1, 7, 2, 12, 1, 4, ... minutes apart
    const steps = [1, 7, 2, 12, 1, 4, 9, 1, 3, 15, 2, 6, 1, 10, 2, 5];
    const minutes = steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const irregular = minutes.map((m) => point(m, 0.5));
    const m = minutes[minutes.length - 1] as number;

    // Act
    const { alerts, state } = feed([irregular, [point(m + 90, 0.5)]]);

    // Assess
    expect(state.regular).toBe(false);
    expect(alerts.flat()).toEqual([]);
  });

  it('leaves the silence to MetricStale when the watchdog marked the series, and resolves MetricStale', () => {
    // Prepare
    const { state } = feed([run(0, 30)]);
    const staleSince = '2026-11-27T10:44:00.000Z';

    // Act
    const r = checkSeries(state, run(90, 3), LABELS, CONFIG, T0 + 93 * MINUTE, { staleSince });

    // Assess
    expect(names(r.alerts)).toEqual(['MetricStale:resolved']);
    const resolved = r.alerts[0] as Alert;
    expect(resolved.startsAt).toBe(staleSince);
    expect(resolved.endsAt).toBe('2026-11-27T11:33:00.000Z');
    expect(resolved.labels).toMatchObject({ ...LABELS, alertname: 'MetricStale', check: 'stale' });
    expect(resolved.annotations.summary).toBe(
      `${NAME}: data arrives again (first new point at 2026-11-27T11:30:00.000Z, after 1 h 1 min without data)`,
    );
  });
});

describe('checkSeries: scale and unit changes', () => {
  it('fires MetricScaleChange when the level moves ×1000 and stays, naming the unit-like factor', () => {
    // Act
    const { alerts } = feed([run(0, 30), run(30, 10, 500)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricScaleChange:firing']]);
    const firing = alerts[1]?.[0] as Alert;
    expect(firing.startsAt).toBe('2026-11-27T10:30:00.000Z');
    expect(firing.annotations.summary).toMatch(
      new RegExp(
        `^${escapeRegex(NAME)}: values are ×\\d+ their usual level since 2026-11-27T10:30:00.000Z \\(≈0.5\\d* → ≈5\\d\\d over 5 points\\); looks like a unit change \\(.*×1000: a metric prefix`,
      ),
    );
  });

  it('ignores a short spike at another scale', () => {
    // Act
    const { alerts } = feed([run(0, 30), [...run(30, 4, 500), ...run(34, 10)]]);

    // Assess
    expect(alerts.flat()).toEqual([]);
  });

  it('resolves when the series is back at its old scale', () => {
    // Act
    const { alerts } = feed([run(0, 30), run(30, 10, 500), run(40, 6)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricScaleChange:firing'], ['MetricScaleChange:resolved']]);
    expect(alerts[2]?.[0]?.annotations.summary).toMatch(
      /values are back at their usual scale \(≈0\.5\d*\) for 6 points$/,
    );
  });

  it('takes a scale that held for acceptAfter points as the new normal', () => {
    // Prepare
    const config = qualityConfigSchema.parse({ scaleChange: { acceptAfter: 20 } });

    // Act
    const { alerts, state } = feed(
      [run(0, 30), run(30, 10, 500), run(40, 15, 500), run(55, 30, 500), run(85, 10)],
      config,
    );

    // Assess
    expect(alerts.map(names)).toEqual([
      [],
      ['MetricScaleChange:firing'],
      ['MetricScaleChange:resolved'],
      [],
      ['MetricScaleChange:firing'],
    ]);
    expect(alerts[2]?.[0]?.annotations.summary).toMatch(/held for 25 points and is now taken as normal$/);
    expect(state.open.scale?.factor).toBeLessThan(0.01);
  });

  it('flags any jump of at least `ratio` beyond the usual range, unit-like or not', () => {
    // Act
    const { alerts } = feed([run(0, 30, 2), run(30, 6, 2 * 370)]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricScaleChange:firing']]);
    expect(alerts[1]?.[0]?.annotations.summary).not.toContain('looks like a unit change');
  });

  it('does not read its own swings as a unit change in a noisy, heavy-tailed series', () => {
    // Prepare: values spread over three orders of magnitude, in bursts
    const noisy = Array.from({ length: 400 }, (_, i) => point(i, Math.exp(3 * Math.sin(i * 1.7) * Math.cos(i * 0.3))));
    const batches = Array.from({ length: 40 }, (_, b) => noisy.slice(b * 10, b * 10 + 10));

    // Act
    const { alerts } = feed(batches);

    // Assess
    expect(alerts.flat()).toEqual([]);
  });

  it('reads a ×60 jump on a moderately noisy series', () => {
    // Prepare: ±40 % around 2, then the same series ×60 (minutes sent as seconds)
    const seconds = Array.from({ length: 30 }, (_, i) => point(i, 2 * (1 + 0.4 * Math.sin(i * 2.1))));
    const scaled = Array.from({ length: 8 }, (_, i) => point(30 + i, 120 * (1 + 0.4 * Math.sin((30 + i) * 2.1))));

    // Act
    const { alerts } = feed([seconds, scaled]);

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricScaleChange:firing']]);
    expect(alerts[1]?.[0]?.annotations.summary).toContain('×60: seconds ↔ minutes');
  });

  it('never reads zeros as a scale change down', () => {
    // Prepare
    const counts = Array.from({ length: 30 }, (_, i) => point(i, i % 3 === 0 ? 0 : 40 + (i % 7)));
    const quiet = Array.from({ length: 10 }, (_, i) => point(30 + i, 0));

    // Act
    const { alerts } = feed([counts, quiet]);

    // Assess
    expect(alerts.flat()).toEqual([]);
  });

  it('fires at once when the declared unit changes, and resolves when the new unit has held', () => {
    // Prepare
    const config = qualityConfigSchema.parse({ scaleChange: { acceptAfter: 10 } });

    // Act
    const { alerts, state } = feed(
      [run(0, 30, 0.5, 'Seconds'), run(30, 3, 500, 'Milliseconds'), run(33, 10, 500, 'Milliseconds')],
      config,
    );

    // Assess
    expect(alerts.map(names)).toEqual([[], ['MetricScaleChange:firing'], ['MetricScaleChange:resolved']]);
    expect(alerts[1]?.[0]?.annotations.summary).toMatch(
      new RegExp(
        `^${escapeRegex(NAME)}: the declared unit changed from Seconds to Milliseconds at 2026-11-27T10:30:00.000Z \\(values ×\\d+ their usual level\\)$`,
      ),
    );
    expect(state.unit).toBe('Milliseconds');
  });
});

describe('checkSeries: configuration, state and alerts', () => {
  it('keeps ordering and de-duplicating for the detector when quality alerts are off or the series is excluded', () => {
    // Prepare
    const off = qualityConfigSchema.parse({ enabled: false });
    const excluded = qualityConfigSchema.parse({ exclude: [{ metric: '~Invocation.*' }] });
    const batches = [run(0, 30), [point(70, 0.5), point(1, 9), point(2, 9), point(3, 9), point(70, 4)]];

    // Act
    const a = feed(batches, off);
    const b = feed(batches, excluded);

    // Assess
    for (const r of [a, b]) {
      expect(r.alerts.flat()).toEqual([]);
      expect(r.last.accepted.map((p) => p.value)).toEqual([0.5]);
    }
  });

  it('starts afresh from unusable stored state and says so', () => {
    // Act
    const r = checkSeries({ v: 1, t: 'yesterday' }, run(0, 3), LABELS, CONFIG, T0);

    // Assess
    expect(r.rebuilt).toBe(true);
    expect(r.accepted).toHaveLength(3);
    expect(reviveQualityState({ v: 2 })).toBeUndefined();
    expect(checkSeries(undefined, run(0, 3), LABELS, CONFIG, T0).rebuilt).toBe(false);
  });

  it('gives the same results stopped and resumed through JSON as run in one go', () => {
    // Prepare
    const batches = [run(0, 30), run(30, 10, 500), run(80, 5), [point(82, 1), ...run(85, 3)]];

    // Act
    const stored = feed(batches);
    let live: unknown;
    const liveAlerts: Alert[][] = [];
    for (const batch of batches) {
      const r = checkSeries(live, batch, LABELS, CONFIG, Math.max(...batch.map((p) => p.t)) + MINUTE);
      live = r.state;
      liveAlerts.push(r.alerts);
    }

    // Assess
    expect(liveAlerts).toEqual(stored.alerts);
    expect(JSON.parse(JSON.stringify(live))).toEqual(stored.state);
  });

  it('stays compact', () => {
    // Act
    const { state } = feed([run(0, 500), run(500, 10, 500), [point(505, 1), point(506, 2), point(507, 3)]]);

    // Assess
    expect(state.open.scale).toBeDefined();
    expect(JSON.stringify(state).length).toBeLessThan(1200);
  });

  it('labels quality alerts with the series, alertname and check, and does not touch its input', () => {
    // Prepare
    const prior = initialQualityState();
    const frozen = JSON.stringify(prior);
    const config = qualityConfigSchema.parse({ duplicates: { severity: 'critical' } });

    // Act
    const r = checkSeries(prior, [point(0, 1), point(0, 2)], LABELS, config, T0);

    // Assess
    expect(r.alerts[0]?.labels).toEqual({
      metric: 'InvocationLatency',
      ModelId: 'claude',
      alertname: 'MetricDuplicateTimestamps',
      check: 'duplicates',
      source: 'detector',
      severity: 'critical',
    });
    expect(r.alerts[0]?.startsAt).toBe(new Date(T0).toISOString());
    expect(JSON.stringify(prior)).toBe(frozen);
  });
});

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
