// The local stack runs the watchdog like its AWS schedule: a series that stops reporting raises MetricStale.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../../scripts/local/stack';

describe('local stack watchdog', () => {
  it('raises MetricStale once a series has been silent past its stale limit', async () => {
    // Prepare: a clock we move, the watchdog every 50 ms.
    let now = Date.parse('2026-11-27T10:00:00.000Z');
    const dir = mkdtempSync(join(tmpdir(), 'runwatch-watchdog-'));
    const stack = await startLocalStack({
      port: 0,
      dataDir: dir,
      out: new PassThrough(),
      clock: { now: () => new Date(now) },
      watchdogEveryMs: 50,
    });
    try {
      const points = Array.from({ length: 30 }, (_, i) => ({
        metric: 'QueueDepth',
        dimensions: { service: 'chat-api' },
        timestamp: new Date(now - (30 - i) * 60_000).toISOString(),
        value: 10 + (i % 3),
      }));
      const res = await fetch(`${stack.url}/v1/metrics`, { method: 'POST', body: JSON.stringify({ points }) });
      expect(res.status).toBe(202);
      // Act: three hours of silence.
      now += 3 * 3_600_000;
      let stale: { status: string } | undefined;
      for (let i = 0; i < 100 && !stale; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await stack.settle();
        const { alerts } = (await (await fetch(`${stack.url}/v1/alerts`)).json()) as {
          alerts: { labels: Record<string, string>; status: string }[];
        };
        stale = alerts.find((a) => a.labels.alertname === 'MetricStale' && a.labels.metric === 'QueueDepth');
      }
      // Assess
      expect(stale?.status).toBe('firing');
    } finally {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
