// ingest-metrics with the GenAI inputs: EMF lines from a CloudWatch Logs subscription, derived signals, budgets.
import { afterAll, describe, expect, it } from 'vitest';
import { DetailType } from '../../../functions/core/bus';
import { budgetStateKey, legacyBudgetStateKey } from '../../../functions/core/genai/budget';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { loadEvent } from '../../helpers/events';
import { bodyOf, context, httpEvent, makeTestRuntime, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('ingest-metrics GenAI inputs', () => {
  it('takes EMF lines from a CloudWatch Logs subscription event into per-series state', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    // Act
    const out = (await handler(loadEvent('cloudwatch-logs-emf'), context('ingest-metrics'))) as {
      accepted: number;
      series: number;
    };
    // Assess: the EMF metrics became points and their series have state.
    expect(out.accepted).toBeGreaterThan(0);
    expect(out.series).toBeGreaterThan(0);
  });

  it('rejects a logs event whose envelope is not gzip+base64 (async: rethrown for the DLQ)', async () => {
    const rt = await makeTestRuntime();
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    await expect(handler({ awslogs: { data: 'not-gzip' } }, context('ingest-metrics'))).rejects.toThrow();
  });

  it('derives cost, error rate and latency per output token from Bedrock metrics', async () => {
    // Prepare
    const rt = await makeTestRuntime();
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const batch = loadEvent('metrics/bedrock-runtime') as { points: unknown[] };
    // Act
    const res = await handler(httpEvent('POST', '/v1/metrics', { body: batch }), context('ingest-metrics'));
    // Assess
    expect(res).toMatchObject({ statusCode: 202 });
    const derived = ['Cost', 'CostPerRequest', 'ErrorRate', 'LatencyPerOutputToken'];
    for (const metric of derived) {
      const state = await rt.db.getSeriesState(`${metric}{ModelId=${HAIKU},derived=true,namespace=AWS/Bedrock}`);
      expect(state, metric).toBeDefined();
    }
  });

  it('fires a cost budget alert when the forecast runs out before the period ends', async () => {
    // Prepare: a $1 daily budget and a burst of expensive traffic.
    const yaml = `
receivers: [{ name: oncall, outbox: {} }]
detectors: [{ name: d, match: { metric: "~.*" } }]
genai:
  prices:
    ${HAIKU}: { inputPer1k: 0.00025, outputPer1k: 0.00125 }
  budgets:
    - { name: tiny, counts: cost, limit: 1, period: day, severity: critical }
`;
    const rt = await makeTestRuntime({ configYaml: yaml, now: '2026-11-27T10:05:00.000Z' });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const dims = { ModelId: HAIKU };
    const points = [0, 1, 2, 3, 4].flatMap((m) => {
      const timestamp = new Date(Date.parse('2026-11-27T10:00:00Z') + m * 60_000).toISOString();
      return [
        { metric: 'Invocations', dimensions: dims, timestamp, value: 500 },
        { metric: 'InputTokenCount', dimensions: dims, timestamp, value: 2_000_000 },
        { metric: 'OutputTokenCount', dimensions: dims, timestamp, value: 400_000 },
      ];
    });
    // Act
    const res = await handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
    const again = await handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
    // Assess: one CostBudgetBurn firing, not two (the redelivery counts nothing).
    expect(bodyOf(res)).toMatchObject({ accepted: 15 });
    expect(again).toMatchObject({ statusCode: 202 });
    const budgetAlerts = rt.bus
      .eventsOf(DetailType.alert)
      .flatMap((e) => (e.detail as { alerts: { labels: Record<string, string>; status: string }[] }).alerts)
      .filter((a) => a.labels.alertname === 'CostBudgetBurn');
    expect(budgetAlerts.map((a) => a.status)).toEqual(['firing']);
  });

  it("carries a budget's count over from the key it was stored under before, and leaves that key to metrics", async () => {
    // Prepare: 900,000 tokens counted today (by this version, in a scratch table).
    const yaml = `
receivers: [{ name: oncall, outbox: {} }]
detectors: [{ name: d, match: { metric: "~.*" } }]
genai:
  budgets:
    - { name: daily-tokens, counts: tokens, limit: 1000000, period: day, severity: critical }
`;
    const rt = await makeTestRuntime({ configYaml: yaml, now: '2026-11-27T10:05:00.000Z' });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const post = (points: unknown[]) =>
      handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
    const at = (m: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + m * 60_000).toISOString();
    await post([{ metric: 'InputTokenCount', dimensions: { ModelId: HAIKU }, timestamp: at(0), value: 900_000 }]);
    const counted = await rt.db.getSeriesState(budgetStateKey({ name: 'daily-tokens' }));
    // The same count in a table where only the old key holds it (as an older version left it).
    const fresh = await makeTestRuntime({ configYaml: yaml, now: '2026-11-27T10:05:00.000Z' });
    await fresh.db.putSeriesState(legacyBudgetStateKey({ name: 'daily-tokens' }), counted?.state, 0);
    const upgraded = makeHandler(fresh.forFunction('ingest-metrics'));

    // Act: 200,000 more tokens on the upgraded version, and a dimensionless metric named like the old key.
    await upgraded(
      httpEvent('POST', '/v1/metrics', {
        body: {
          points: [
            { metric: 'InputTokenCount', dimensions: { ModelId: HAIKU }, timestamp: at(1), value: 200_000 },
            { metric: 'budget:daily-tokens', dimensions: {}, timestamp: at(1), value: 7 },
          ],
        },
      }),
      context('ingest-metrics'),
    );

    // Assess: the budget counted 1,100,000 under its new key; the metric got its own item (not the budget's).
    const budgetItem = await fresh.db.getSeriesState(budgetStateKey({ name: 'daily-tokens' }));
    expect(budgetItem?.version).toBe(1);
    expect((budgetItem?.state as { spent?: number } | undefined)?.spent).toBe(1_100_000);
    const metricItem = await fresh.db.getSeriesState('budget:daily-tokens');
    expect((metricItem?.state as { detector?: string } | undefined)?.detector).toBe('d');
  });
});
