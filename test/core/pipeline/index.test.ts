import { describe, expect, it } from 'vitest';
import { DependencyError, RunwatchError } from '../../../functions/core/errors';
import { alertPipeline } from '../../../functions/core/pipeline';
import type { Silence } from '../../../functions/ports';
import { alert, config, pipelineHarness, resolveOf, totalSent } from './fakes';

const T0 = '2026-11-27T10:00:00.000Z';
const T0_PLUS_1M = '2026-11-27T10:01:00.000Z';
const T0_PLUS_5M = '2026-11-27T10:05:00.000Z';
const T0_PLUS_4H = '2026-11-27T14:00:00.000Z';

function silence(overrides: Partial<Silence> = {}): Silence {
  return {
    id: 's1',
    matchers: { alertname: 'EcsTaskStopped' },
    startsAt: '2026-11-27T09:00:00.000Z',
    endsAt: '2026-11-27T11:00:00.000Z',
    createdBy: 'alice',
    comment: 'deploying',
    createdAt: '2026-11-27T09:00:00.000Z',
    ...overrides,
  };
}

describe('alertPipeline: record → silence → ack → route → dedup → notify', () => {
  it('notifies once per integration when the same alert is delivered three times', async () => {
    // Prepare
    const h = pipelineHarness();
    const firing = alert();

    // Act
    for (const at of [T0, T0_PLUS_1M, T0_PLUS_5M]) await alertPipeline(h.ctx(at), [firing]);

    // Assess
    const [slack, sns] = h.notifiers.oncall ?? [];
    expect(slack?.fingerprints()).toEqual([firing.fingerprint]);
    expect(sns?.fingerprints()).toEqual([firing.fingerprint]);
    expect(totalSent(h.notifiers)).toBe(2);
    expect(h.decisions.filter((d) => d.reason === 'already notified')).toHaveLength(4);
  });

  it('records the alert for GET /v1/alerts, keeping the first receivedAt for the same incident', async () => {
    const h = pipelineHarness();
    const firing = alert();

    await alertPipeline(h.ctx(T0), [firing]);
    await alertPipeline(h.ctx(T0_PLUS_5M), [firing]);

    const record = await h.store.getAlert(firing.fingerprint);
    expect(record).toMatchObject({ id: firing.fingerprint, status: 'firing', receivedAt: T0, updatedAt: T0_PLUS_5M });
  });

  it('sends one resolve notification after the firing, however often the resolve arrives', async () => {
    const h = pipelineHarness();
    const firing = alert();
    const resolved = resolveOf(firing, T0_PLUS_5M);

    await alertPipeline(h.ctx(T0), [firing]);
    await alertPipeline(h.ctx(T0_PLUS_5M), [resolved]);
    await alertPipeline(h.ctx(T0_PLUS_5M), [resolved]);

    const slack = h.notifiers.oncall?.[0];
    expect(slack?.sent.map((n) => n.alerts.map((a) => a.status))).toEqual([['firing'], ['resolved']]);
    expect((await h.store.getAlert(firing.fingerprint))?.status).toBe('resolved');
  });

  it('drops a stale firing that arrives after its resolve, and keeps the record resolved', async () => {
    const h = pipelineHarness();
    const firing = alert();

    await alertPipeline(h.ctx(T0), [firing]);
    await alertPipeline(h.ctx(T0_PLUS_5M), [resolveOf(firing, T0_PLUS_5M)]);
    const out = await alertPipeline(h.ctx(T0_PLUS_4H), [firing]);

    expect(out).toEqual([]);
    expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(2);
    expect((await h.store.getAlert(firing.fingerprint))?.status).toBe('resolved');
    expect(h.decisions).toContainEqual({
      stage: 'record',
      fingerprint: firing.fingerprint,
      outcome: 'drop',
      reason: 'stale: newer state already recorded',
    });
  });

  it('drops a stale resolve of an earlier incident that arrives after a new firing', async () => {
    const h = pipelineHarness();
    const first = alert();
    const second = alert({ startsAt: T0_PLUS_4H });

    await alertPipeline(h.ctx(T0_PLUS_4H), [second]);
    await alertPipeline(h.ctx(T0_PLUS_4H), [resolveOf(first, T0_PLUS_5M)]);

    expect((await h.store.getAlert(second.fingerprint))?.status).toBe('firing');
    expect(h.decisions.at(-1)?.reason).toBe('stale: newer state already recorded');
  });

  it('pages again for a new incident that starts after the previous resolve', async () => {
    const h = pipelineHarness();
    const first = alert();
    const second = alert({ startsAt: T0_PLUS_4H });

    await alertPipeline(h.ctx(T0), [first]);
    await alertPipeline(h.ctx(T0_PLUS_5M), [resolveOf(first, T0_PLUS_5M)]);
    await alertPipeline(h.ctx(T0_PLUS_4H), [second]);

    expect(h.notifiers.oncall?.[0]?.sent.map((n) => n.alerts[0]?.status)).toEqual(['firing', 'resolved', 'firing']);
  });

  describe('silences', () => {
    it('mute a matching alert while active and mark its record mutedBy', async () => {
      const h = pipelineHarness();
      await h.store.putSilence(silence());
      const firing = alert();

      const out = await alertPipeline(h.ctx(T0), [firing]);

      expect(out).toEqual([]);
      expect(totalSent(h.notifiers)).toBe(0);
      expect((await h.store.getAlert(firing.fingerprint))?.mutedBy).toBe('silence:s1');
      expect(h.decisions).toContainEqual({
        stage: 'silence',
        fingerprint: firing.fingerprint,
        outcome: 'drop',
        reason: 'silenced by s1',
      });
    });

    it.each([
      ['not started yet', { startsAt: '2026-11-27T10:30:00.000Z' }],
      ['already ended', { endsAt: '2026-11-27T09:30:00.000Z' }],
      ['ending exactly now', { endsAt: T0 }],
      ['not matching', { matchers: { alertname: 'Other' } }],
    ])('do not mute when the silence is %s', async (_name, overrides) => {
      const h = pipelineHarness();
      await h.store.putSilence(silence(overrides));
      const firing = alert();

      await alertPipeline(h.ctx(T0), [firing]);

      expect(totalSent(h.notifiers)).toBe(2);
      expect((await h.store.getAlert(firing.fingerprint))?.mutedBy).toBeUndefined();
    });

    it('stop muting once the silence ends: the redelivered alert notifies and is no longer marked', async () => {
      const h = pipelineHarness();
      await h.store.putSilence(silence({ endsAt: T0_PLUS_5M }));
      const firing = alert();

      await alertPipeline(h.ctx(T0), [firing]);
      await alertPipeline(h.ctx(T0_PLUS_5M), [firing]);

      expect(totalSent(h.notifiers)).toBe(2);
      expect((await h.store.getAlert(firing.fingerprint))?.mutedBy).toBeUndefined();
    });
  });

  describe('acknowledgement', () => {
    it('suppresses the repeat of an acknowledged firing but not its resolve', async () => {
      const h = pipelineHarness();
      const firing = alert();
      await alertPipeline(h.ctx(T0), [firing]);
      await h.store.ackAlert(firing.fingerprint, 'alice', T0_PLUS_1M);

      await alertPipeline(h.ctx(T0_PLUS_4H), [firing]);
      await alertPipeline(h.ctx(T0_PLUS_4H), [resolveOf(firing, T0_PLUS_4H)]);

      const slack = h.notifiers.oncall?.[0];
      expect(slack?.sent.map((n) => n.alerts[0]?.status)).toEqual(['firing', 'resolved']);
      expect(h.decisions).toContainEqual({
        stage: 'ack',
        fingerprint: firing.fingerprint,
        outcome: 'drop',
        reason: 'acknowledged by alice',
      });
    });

    it('keeps the ack across redeliveries of the same incident', async () => {
      const h = pipelineHarness();
      const firing = alert();
      await alertPipeline(h.ctx(T0), [firing]);
      await h.store.ackAlert(firing.fingerprint, 'alice', T0_PLUS_1M);

      await alertPipeline(h.ctx(T0_PLUS_5M), [firing]);

      expect(await h.store.getAlert(firing.fingerprint)).toMatchObject({ ackedBy: 'alice', ackedAt: T0_PLUS_1M });
    });

    it('does not carry an ack over to a new incident of the same alert', async () => {
      const h = pipelineHarness();
      const first = alert();
      await alertPipeline(h.ctx(T0), [first]);
      await h.store.ackAlert(first.fingerprint, 'alice', T0_PLUS_1M);
      await alertPipeline(h.ctx(T0_PLUS_5M), [resolveOf(first, T0_PLUS_5M)]);

      await alertPipeline(h.ctx(T0_PLUS_4H), [alert({ startsAt: T0_PLUS_4H })]);

      expect((await h.store.getAlert(first.fingerprint))?.ackedBy).toBeUndefined();
      expect(h.notifiers.oncall?.[0]?.sent.map((n) => n.alerts[0]?.status)).toEqual(['firing', 'resolved', 'firing']);
    });
  });

  describe('repeat interval', () => {
    it('notifies a still-firing alert again once the repeat interval has elapsed, with that reason', async () => {
      const h = pipelineHarness();
      const firing = alert();

      await alertPipeline(h.ctx(T0), [firing]);
      await alertPipeline(h.ctx('2026-11-27T13:59:59.999Z'), [firing]);
      await alertPipeline(h.ctx(T0_PLUS_4H), [firing]);

      expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(2);
      const notified = h.decisions.filter((d) => d.outcome === 'notified' && d.integration === 'slack');
      expect(notified.map((d) => d.reason)).toEqual(['first notification', 'repeat interval elapsed']);
    });

    it("uses the matching route's own repeat interval", async () => {
      const h = pipelineHarness(
        config({ routes: [{ match: { severity: 'critical' }, receiver: 'oncall', repeatInterval: '30m' }] }),
      );
      const firing = alert();

      await alertPipeline(h.ctx(T0), [firing]);
      await alertPipeline(h.ctx('2026-11-27T10:30:00.000Z'), [firing]);

      expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(2);
    });
  });

  describe('routing', () => {
    it('delivers to the first matching route only, unless it says continue', async () => {
      const stop = pipelineHarness(
        config({
          routes: [
            { match: { severity: 'critical' }, receiver: 'platform' },
            { match: { source: 'ecs' }, receiver: 'oncall' },
          ],
        }),
      );
      const go = pipelineHarness(
        config({
          routes: [
            { match: { severity: 'critical' }, receiver: 'platform', continue: true },
            { match: { source: 'ecs' }, receiver: 'oncall' },
          ],
        }),
      );

      await alertPipeline(stop.ctx(T0), [alert()]);
      await alertPipeline(go.ctx(T0), [alert()]);

      expect([stop.notifiers.platform?.[0]?.sent.length, stop.notifiers.oncall?.[0]?.sent.length]).toEqual([1, 0]);
      expect([go.notifiers.platform?.[0]?.sent.length, go.notifiers.oncall?.[0]?.sent.length]).toEqual([1, 1]);
    });

    it('falls back to the default receiver when no route matches', async () => {
      const h = pipelineHarness(config({ defaults: { receiver: 'platform' }, routes: [] }));

      await alertPipeline(h.ctx(T0), [alert()]);

      expect(h.notifiers.platform?.[0]?.sent).toHaveLength(1);
      expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(0);
    });

    it('groups alerts with the same name for one receiver into one message', async () => {
      const h = pipelineHarness();
      const a = alert({}, { task: 'a' });
      const b = alert({}, { task: 'b' });

      await alertPipeline(h.ctx(T0), [a, b]);

      const slack = h.notifiers.oncall?.[0];
      expect(slack?.sent).toHaveLength(1);
      expect(slack?.fingerprints()).toEqual([a.fingerprint, b.fingerprint]);
    });

    it('says so when a receiver has no integration here', async () => {
      const h = pipelineHarness();
      h.notifiers.oncall = [];
      const firing = alert();

      await alertPipeline(h.ctx(T0), [firing]);

      expect(h.decisions.at(-1)).toEqual({
        stage: 'notify',
        fingerprint: firing.fingerprint,
        outcome: 'drop',
        reason: 'receiver has no integration configured here',
        receiver: 'oncall',
      });
    });
  });

  describe('notifier failures', () => {
    it('releases the key on a retryable failure and throws, so the redelivery notifies', async () => {
      const h = pipelineHarness();
      const [slack, sns] = h.notifiers.oncall ?? [];
      slack?.failNext(new DependencyError('slack 503'));
      const firing = alert();

      const first = alertPipeline(h.ctx(T0), [firing]);
      await expect(first).rejects.toThrow('slack 503');
      await alertPipeline(h.ctx(T0_PLUS_1M), [firing]);

      expect(slack?.attempts).toBe(2);
      expect(slack?.sent).toHaveLength(1);
      expect(sns?.attempts).toBe(1);
      expect(h.decisions).toContainEqual({
        stage: 'notify',
        fingerprint: firing.fingerprint,
        outcome: 'failed',
        reason: 'retryable failure: slack 503',
        receiver: 'oncall',
        integration: 'slack',
      });
    });

    it('treats an unknown error from a notifier as retryable', async () => {
      const h = pipelineHarness();
      h.notifiers.oncall?.[0]?.failNext(new Error('socket hang up'));

      await expect(alertPipeline(h.ctx(T0), [alert()])).rejects.toBeInstanceOf(RunwatchError);
      await alertPipeline(h.ctx(T0_PLUS_1M), [alert()]);

      expect(h.notifiers.oncall?.[0]?.sent).toHaveLength(1);
    });

    it('keeps the key on a permanent failure and does not throw, so nothing is retried', async () => {
      const h = pipelineHarness();
      const slack = h.notifiers.oncall?.[0];
      slack?.failNext(new RunwatchError('webhook revoked', { retryable: false }));
      const firing = alert();

      const out = await alertPipeline(h.ctx(T0), [firing]);
      await alertPipeline(h.ctx(T0_PLUS_1M), [firing]);

      expect(out).toEqual([firing]);
      expect(slack?.attempts).toBe(1);
      expect(slack?.sent).toHaveLength(0);
      expect(h.decisions.find((d) => d.outcome === 'failed')?.reason).toBe('permanent failure: webhook revoked');
    });
  });
});
