import { describe, expect, it } from 'vitest';
import { notificationKey } from '../../../functions/core/pipeline';
import { alert, resolveOf } from './fakes';

const HOUR = 3_600_000;

describe('notificationKey', () => {
  const firing = alert({ startsAt: '2026-11-27T10:00:00.000Z' });

  it.each([
    ['before the start (clock skew)', '2026-11-27T09:59:00.000Z', 0],
    ['at the start', '2026-11-27T10:00:00.000Z', 0],
    ['just before one interval', '2026-11-27T13:59:59.999Z', 0],
    ['at one interval', '2026-11-27T14:00:00.000Z', 1],
    ['after two and a half intervals', '2026-11-27T20:00:00.000Z', 2],
  ])('puts a firing %s (%s) in bucket %i', (_name, now, bucket) => {
    // Act
    const key = notificationKey(firing, 'oncall', 'slack', new Date(now), 4 * HOUR);

    // Assess
    expect(key).toBe(`oncall/slack/${firing.fingerprint}/firing/2026-11-27T10:00:00.000Z/${bucket}`);
  });

  it('gives a resolve one key whenever it arrives', () => {
    const resolved = resolveOf(firing, '2026-11-27T11:00:00.000Z');

    const keys = ['2026-11-27T11:00:00.000Z', '2026-11-28T11:00:00.000Z'].map((now) =>
      notificationKey(resolved, 'oncall', 'slack', new Date(now), HOUR),
    );

    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toContain('/resolved/');
  });

  it('differs per receiver, integration and incident', () => {
    const now = new Date('2026-11-27T10:00:00.000Z');
    const keys = [
      notificationKey(firing, 'oncall', 'slack', now, HOUR),
      notificationKey(firing, 'oncall', 'sns', now, HOUR),
      notificationKey(firing, 'platform', 'slack', now, HOUR),
      notificationKey(alert({ startsAt: '2026-11-27T09:00:00.000Z' }), 'oncall', 'slack', now, HOUR),
    ];

    expect(new Set(keys).size).toBe(4);
  });
});
