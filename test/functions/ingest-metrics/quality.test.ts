// ingest-metrics runs the data-quality checks before detection: each problem raises its own alert.
import { afterAll, describe, expect, it } from 'vitest';
import { DetailType } from '../../../functions/core/bus';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { context, httpEvent, makeTestRuntime, stopTestDynalite, type TestRuntime } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const dims = { service: 'chat-api' };
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

function alertnames(rt: TestRuntime): string[] {
  return rt.bus
    .eventsOf(DetailType.alert)
    .flatMap((e) => (e.detail as { alerts: { labels: Record<string, string>; status: string }[] }).alerts)
    .map((a) => `${a.labels.alertname}:${a.status}`);
}

describe('ingest-metrics data-quality checks', () => {
  it('out-of-order points raise MetricOutOfOrder and never reach the detector', async () => {
    const rt = await makeTestRuntime({ now: at(40) });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const post = (points: unknown[]) =>
      handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
    await post(
      Array.from({ length: 30 }, (_, i) => ({ metric: 'QueueDepth', dimensions: dims, timestamp: at(i), value: 10 })),
    );
    // Act: five points from ten minutes ago arrive late.
    await post([5, 6, 7, 8, 9].map((m) => ({ metric: 'QueueDepth', dimensions: dims, timestamp: at(m), value: 99 })));
    // Assess
    expect(alertnames(rt)).toContain('MetricOutOfOrder:firing');
    expect(alertnames(rt).some((n) => n.startsWith('QueueDepthAnomaly'))).toBe(false);
  });

  it('a batch full of malformed points raises MetricSchemaViolations for the source, naming the reason', async () => {
    const rt = await makeTestRuntime({ now: at(0) });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const bad = Array.from({ length: 12 }, (_, i) => ({
      metric: 'QueueDepth',
      dimensions: dims,
      timestamp: at(i),
      value: 'NaN',
    }));
    const res = await handler(httpEvent('POST', '/v1/metrics', { body: { points: bad } }), context('ingest-metrics'));
    expect(res).toMatchObject({ statusCode: 400 });
    const alert = rt.bus
      .eventsOf(DetailType.alert)
      .flatMap(
        (e) =>
          (e.detail as { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] }).alerts,
      )
      .find((a) => a.labels.alertname === 'MetricSchemaViolations');
    expect(alert?.labels.input).toBe('http');
    expect(alert?.annotations.summary).toMatch(/points\[\d+\]\.value/);
  });

  it('a unit change (ms → s) raises MetricScaleChange', async () => {
    const rt = await makeTestRuntime({ now: at(60) });
    const handler = makeHandler(rt.forFunction('ingest-metrics'));
    const points = [
      ...Array.from({ length: 40 }, (_, i) => ({
        metric: 'InvocationLatency',
        dimensions: dims,
        timestamp: at(i),
        value: 2000 + (i % 7) * 10,
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        metric: 'InvocationLatency',
        dimensions: dims,
        timestamp: at(40 + i),
        value: 2 + (i % 3) * 0.01,
      })),
    ];
    await handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
    expect(alertnames(rt)).toContain('MetricScaleChange:firing');
  });
});
