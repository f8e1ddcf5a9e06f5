// Regressions: alertEvents chunks by count, not by size, found in review and fixed.
import { describe, expect, it } from 'vitest';
import { makeAlert } from '../../../functions/core/alert';
import { alertEvents } from '../../../functions/core/bus';

describe('fixed: bus: alertEvents promises entries under EventBridge 256 KB but chunks by count only', () => {
  it('keeps every entry under 256 KB for alerts with long descriptions (e.g. AWS Health)', () => {
    const alerts = Array.from({ length: 25 }, (_, i) =>
      makeAlert({
        status: 'firing',
        severity: 'warning',
        source: 'health',
        labels: { alertname: 'AWS_EC2_OPERATIONAL_ISSUE', i: String(i) },
        annotations: { description: 'x'.repeat(12_000) },
        startsAt: '2026-11-27T10:00:00.000Z',
      }),
    );
    const sizes = alertEvents(alerts, 'eventbridge:AWS Health Event', 'c').map((e) =>
      Buffer.byteLength(
        JSON.stringify({ Source: 'runwatch', DetailType: e.detailType, Detail: JSON.stringify(e.detail) }),
      ),
    );
    for (const size of sizes) expect(size).toBeLessThanOrEqual(256 * 1024);
  });
});
