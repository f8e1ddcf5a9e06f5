// Regressions: bugs in functions/core/pipeline, found in review and fixed.
import { describe, expect, it } from 'vitest';
import { alertPipeline } from '../../../functions/core/pipeline';
import { alert, pipelineHarness, resolveOf, totalSent } from '../pipeline/fakes';

const T1 = '2026-11-27T10:00:00.000Z';
const T1_END = '2026-11-27T10:05:00.000Z';
const T2 = '2026-11-27T12:00:00.000Z';
const LATER = '2026-11-27T18:30:00.000Z';

describe('fixed: record: a late firing of an earlier incident is not stale once a newer incident fires', () => {
  it('drops it, pages nobody and keeps the record on the newer incident', async () => {
    const h = pipelineHarness();
    const first = alert({ startsAt: T1 });
    const second = alert({ startsAt: T2 });
    await alertPipeline(h.ctx(T1), [first]);
    await alertPipeline(h.ctx(T1_END), [resolveOf(first, T1_END)]);
    await alertPipeline(h.ctx(T2), [second]);
    const before = totalSent(h.notifiers);

    await alertPipeline(h.ctx(LATER), [first]);

    expect(totalSent(h.notifiers)).toBe(before);
    expect((await h.store.getAlert(first.fingerprint))?.startsAt).toBe(T2);
  });

  it('a late resolve of an earlier incident does not overwrite the newer resolve', async () => {
    const h = pipelineHarness();
    const first = alert({ startsAt: T1 });
    const second = alert({ startsAt: T2 });
    await alertPipeline(h.ctx(T2), [second]);
    await alertPipeline(h.ctx(LATER), [resolveOf(second, LATER)]);

    await alertPipeline(h.ctx(LATER), [resolveOf(first, T1_END)]);

    expect((await h.store.getAlert(first.fingerprint))?.startsAt).toBe(T2);
  });
});

describe('fixed: notify: a resolve is sent for an alert whose firing was never notified', () => {
  it('sends no resolve for an alert never seen firing', async () => {
    const h = pipelineHarness();

    await alertPipeline(h.ctx(T1_END), [resolveOf(alert(), T1_END)]);

    expect(totalSent(h.notifiers)).toBe(0);
  });
});
