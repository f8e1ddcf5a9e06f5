import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import { DetailType } from '../../../functions/core/bus';
import type { SeriesState } from '../../../functions/core/metrics/evaluate';

/** The stored series state with the robust-baseline model the repository's runwatch.yml configures. */
type DetectorSeriesState = SeriesState & { d: { buf: number[]; last: number | null } };

import { seriesKey } from '../../../functions/core/metrics/points';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import type { Store } from '../../../functions/ports';
import {
  baselineConfig,
  bodyOf,
  context,
  httpEvent,
  makeTestRuntime,
  sqsRecord,
  stopTestDynalite,
  type TestRuntime,
} from '../../helpers/runtime';

afterAll(stopTestDynalite);

const METRIC = 'OutputTokens';
const DIMENSIONS = { model: 'anthropic.claude-3-5-sonnet', service: 'chat-api' };
const SERIES = seriesKey(METRIC, DIMENSIONS);
const START = Date.parse('2026-11-27T13:00:00Z');

interface PointInput {
  metric: string;
  dimensions: Record<string, string>;
  timestamp: string;
  value: unknown;
}

/** `count` steady points a minute apart from minute `from`: 100..104, a flat baseline. */
function steady(count: number, from = 0): PointInput[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: METRIC,
    dimensions: DIMENSIONS,
    timestamp: new Date(START + (from + i) * 60_000).toISOString(),
    value: 100 + ((from + i) % 5),
  }));
}

function spikeBatch(): { points: PointInput[] } {
  const points = steady(30);
  points.push({ ...steady(1, 30)[0]!, value: 2_500 });
  return { points };
}

function anomalyAlerts(rt: TestRuntime): Alert[] {
  return rt.bus.eventsOf(DetailType.alert).flatMap((e) => (e.detail as { alerts: Alert[] }).alerts);
}

async function storedDetectorState(rt: TestRuntime) {
  const stored = await rt.db.getSeriesState(SERIES);
  return { version: stored?.version, state: stored?.state as DetectorSeriesState | undefined };
}

describe('ingest-metrics handler', () => {
  let rt: TestRuntime;
  let handler: ReturnType<typeof makeHandler>;

  beforeEach(async () => {
    rt = await makeTestRuntime({ config: baselineConfig() });
    handler = makeHandler(rt.forFunction('ingest-metrics'));
  });

  describe('HTTP API (POST /v1/metrics)', () => {
    it('answers 202 and publishes a firing anomaly alert for a spike', async () => {
      // Prepare
      const event = httpEvent('POST', '/v1/metrics', { body: spikeBatch() });

      // Act
      const result = await handler(event, context('ingest-metrics'));

      // Assess
      expect(result).toMatchObject({ statusCode: 202 });
      expect(bodyOf(result)).toMatchObject({
        accepted: 31,
        rejected: [],
        series: 1,
        alerts: [{ status: 'firing', alertname: 'OutputTokensAnomaly' }],
      });
      const alerts = anomalyAlerts(rt);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        status: 'firing',
        source: 'detector',
        severity: 'warning',
        startsAt: new Date(START + 30 * 60_000).toISOString(),
        labels: { alertname: 'OutputTokensAnomaly', metric: METRIC, ...DIMENSIONS, detector: 'genai-usage' },
        annotations: { observed: '2500' },
      });
    });

    it('answers 202 naming each rejected point while processing the good ones', async () => {
      // Prepare
      const points: PointInput[] = steady(5);
      points[2] = { ...points[2]!, value: 'lots' };
      points[4] = { ...points[4]!, timestamp: 'yesterday' };
      const event = httpEvent('POST', '/v1/metrics', { body: { points } });

      // Act
      const result = await handler(event, context('ingest-metrics'));

      // Assess
      expect(result).toMatchObject({ statusCode: 202 });
      const body = bodyOf<{ accepted: number; rejected: { path: string }[] }>(result);
      expect(body.accepted).toBe(3);
      expect(body.rejected.map((r) => r.path)).toEqual(['points[2].value', 'points[4].timestamp']);
      const { state } = await storedDetectorState(rt);
      expect(state?.d.buf).toEqual([100, 101, 103]);
    });

    it('answers 400 naming `points` when the body has none', async () => {
      // Prepare
      const event = httpEvent('POST', '/v1/metrics', { body: { metric: METRIC, value: 1 } });

      // Act
      const result = await handler(event, context('ingest-metrics'));

      // Assess
      expect(result).toMatchObject({ statusCode: 400 });
      expect(bodyOf<{ issues: { path: string }[] }>(result).issues.map((i) => i.path)).toEqual(['points']);
      expect(rt.bus.published).toEqual([]);
    });

    it('answers 400 when every point is bad, naming each', async () => {
      // Prepare
      const points = steady(2).map((p) => ({ ...p, value: null }));
      const event = httpEvent('POST', '/v1/metrics', { body: { points } });

      // Act
      const result = await handler(event, context('ingest-metrics'));

      // Assess
      expect(result).toMatchObject({ statusCode: 400 });
      expect(bodyOf<{ issues: { path: string }[] }>(result).issues.map((i) => i.path)).toEqual([
        'points[0].value',
        'points[1].value',
      ]);
    });
  });

  describe('SQS batches', () => {
    it('reports only the poison record in batchItemFailures and processes the good one', async () => {
      // Prepare
      const poison = sqsRecord('points=1,2,3', { queue: 'metrics' });
      const good = sqsRecord(JSON.stringify(spikeBatch()), { queue: 'metrics' });

      // Act
      const response = (await handler({ Records: [poison, good] }, context('ingest-metrics'))) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
      expect(anomalyAlerts(rt)).toHaveLength(1);
    });

    it('publishes no second alert when the same batch is delivered again', async () => {
      // Prepare
      const record = sqsRecord(JSON.stringify(spikeBatch()), { queue: 'metrics' });
      await handler({ Records: [record] }, context('ingest-metrics'));
      const first = await storedDetectorState(rt);
      const redelivery = { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } };

      // Act
      const response = (await handler({ Records: [redelivery] }, context('ingest-metrics'))) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(anomalyAlerts(rt)).toHaveLength(1);
      const second = await storedDetectorState(rt);
      expect(first.state?.d.buf).toHaveLength(31);
      expect(second.state?.d).toEqual(first.state?.d);
      expect(second.state?.alert.since).toBe(first.state?.alert.since);
    });
  });

  it('keeps both of two invocations racing on one series (the loser reloads and replays)', async () => {
    // Prepare: both invocations read the empty state before either writes; the later batch writes last.
    const early = steady(25);
    const late = steady(5, 25);
    const lateLast = Date.parse(late[4]!.timestamp);
    let reads = 0;
    let releaseReads: () => void = () => undefined;
    const bothRead = new Promise<void>((r) => {
      releaseReads = r;
    });
    let releaseLatePut: () => void = () => undefined;
    const earlyWritten = new Promise<void>((r) => {
      releaseLatePut = r;
    });
    const gate = (real: Store): Store =>
      new Proxy(real, {
        get(target, prop) {
          if (prop === 'getSeriesState') {
            return async (key: string) => {
              reads += 1;
              if (reads <= 2) {
                if (reads === 2) releaseReads();
                await bothRead;
              }
              return target.getSeriesState(key);
            };
          }
          if (prop === 'putSeriesState') {
            return async (key: string, state: DetectorSeriesState, expected: number) => {
              const isLate = state.d.last === lateLast;
              if (isLate && expected === 0) await earlyWritten;
              const ok = await target.putSeriesState(key, state, expected);
              if (!isLate) releaseLatePut();
              return ok;
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    rt = await makeTestRuntime({ wrapStore: gate, config: baselineConfig() });
    // Two warm containers of the same function.
    const one = makeHandler(rt.forFunction('ingest-metrics'));
    const two = makeHandler(rt.forFunction('ingest-metrics'));

    // Act
    const results = await Promise.all([
      one(httpEvent('POST', '/v1/metrics', { body: { points: early } }), context('ingest-metrics')),
      two(httpEvent('POST', '/v1/metrics', { body: { points: late } }), context('ingest-metrics')),
    ]);

    // Assess
    expect(results.map((r) => (r as { statusCode: number }).statusCode)).toEqual([202, 202]);
    expect(reads).toBe(3);
    const { version, state } = await storedDetectorState(rt);
    expect(version).toBe(2);
    expect(state?.d.buf).toHaveLength(30);
    expect(state?.d.last).toBe(lateLast);
  });
});
