// runwatch watches itself: handlers emit EMF metrics (CloudWatch embedded metric format) for what they did.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/ingest-events/make-handler';
import { createMetrics } from '../../functions/lib/observability';
import { loadEvent } from '../helpers/events';
import { context, makeTestRuntime, stopTestDynalite } from '../helpers/runtime';

afterAll(stopTestDynalite);

describe('EMF metrics', () => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  afterEach(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = saved;
    vi.restoreAllMocks();
  });

  it('ingest-events counts accepted events and published alerts in the Runwatch namespace', async () => {
    // Prepare: metrics on (the test environment turns them off), stdout captured.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const rt = await makeTestRuntime();
    const handler = makeHandler({ ...rt.forFunction('ingest-events'), metrics: createMetrics('ingest-events') });

    // Act
    await handler(loadEvent('cloudwatch-alarm.eventbridge'), context('ingest-events'));
    vi.restoreAllMocks();

    // Assess
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string }[] } });
    const accepted = emf.find((e) => e.EventsAccepted !== undefined);
    expect(accepted?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Runwatch');
    expect(accepted).toMatchObject({ EventsAccepted: 1, AlertsPublished: 1, function: 'ingest-events' });
  });
});
