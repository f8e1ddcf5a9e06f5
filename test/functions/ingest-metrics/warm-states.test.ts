// A warm container reuses the decoded state of its own last write: same stored states and alerts as decoding every
// time, and never a stale or half-updated copy (another writer, a lost race, a failed save).
import { afterAll, describe, expect, it } from 'vitest';
import type { DetectorConfig } from '../../../functions/core/config/schema';
import { createDetector } from '../../../functions/core/detect';
import { DependencyError } from '../../../functions/core/errors';
import type { SeriesState } from '../../../functions/core/metrics/evaluate';
import { makeHandler } from '../../../functions/ingest-metrics/make-handler';
import { WarmStates } from '../../../functions/ingest-metrics/warm-states';
import type { Store } from '../../../functions/ports';
import { bodyOf, context, httpEvent, makeTestRuntime, stopTestDynalite } from '../../helpers/runtime';

afterAll(stopTestDynalite);

const T0 = Date.parse('2026-11-27T00:00:00.000Z');
const KEYS = ['QueueDepth{service=chat-api}', 'QueueDepth{service=search}'];

interface Point {
  metric: string;
  dimensions: Record<string, string>;
  timestamp: string;
  value: unknown;
}

/**
 * Batch b of a day at one-minute resolution for two series: a daily wave with noise, a 1e100 sentinel in batch 3, a
 * spike in batch 9, a resent overlap and an out-of-order point every few batches, a model-version change in batch 14,
 * a bad point in batch 5.
 */
function batch(b: number): Point[] {
  const points: Point[] = [];
  for (const [s, service] of ['chat-api', 'search'].entries()) {
    const start = b === 0 ? 0 : b * 30 - (b % 3 === 0 ? 5 : 0);
    for (let m = start; m < (b + 1) * 30; m++) {
      const noise = ((m * 7919 + s * 104_729) % 17) - 8;
      const wave = 100 + 40 * Math.sin((2 * Math.PI * m) / 1440) + noise + (b === 9 && m === 280 ? 900 : 0);
      // An emitter's sentinel in batch 3: scored, never learned (it would overflow the models).
      const value = b === 3 && m === 100 ? 1e100 : wave;
      const dimensions: Record<string, string> = { service };
      if (b >= 14 && s === 1) dimensions.model_version = 'v2';
      points.push({ metric: 'QueueDepth', dimensions, timestamp: new Date(T0 + m * 60_000).toISOString(), value });
    }
    if (b % 4 === 2) {
      const late = points.splice(points.length - 3, 1)[0] as Point;
      points.push(late);
    }
  }
  if (b === 5) points.push({ metric: 'QueueDepth', dimensions: { service: 'chat-api' }, timestamp: 'soon', value: 1 });
  return points;
}

async function post(handler: ReturnType<typeof makeHandler>, points: Point[]) {
  const res = await handler(httpEvent('POST', '/v1/metrics', { body: { points } }), context('ingest-metrics'));
  return { status: (res as { statusCode: number }).statusCode, body: bodyOf<Record<string, unknown>>(res) };
}

async function storedStates(db: Store): Promise<unknown[]> {
  return Promise.all(KEYS.map(async (k) => (await db.getSeriesState(k))?.state));
}

describe('WarmStates', () => {
  const state = (n: number) => ({ v: 2, detector: 'd', d: n, alert: {}, version: '', last: n }) as SeriesState;

  it('hands an entry out once: a batch owns the state until its write succeeded and it is kept again', () => {
    const warm = new WarmStates(10);
    const id = warm.nextWriteId();
    warm.keep('a', id, state(1));
    expect(warm.take('a')).toEqual({ writeId: id, state: state(1) });
    expect(warm.take('a')).toBeUndefined();
  });

  it('forgets the least recently written series beyond its limit, and keeps nothing at limit 0', () => {
    const warm = new WarmStates(2);
    for (const k of ['a', 'b', 'a', 'c']) warm.keep(k, warm.nextWriteId(), state(1));
    expect(warm.size).toBe(2);
    expect(warm.take('b')).toBeUndefined();
    expect(warm.take('a')).toBeDefined();
    expect(warm.take('c')).toBeDefined();
    const none = new WarmStates(0);
    none.keep('a', none.nextWriteId(), state(1));
    expect(none.take('a')).toBeUndefined();
  });

  it('never repeats a write id, within a container or across containers', () => {
    const one = new WarmStates(1);
    const two = new WarmStates(1);
    const ids = new Set([one.nextWriteId(), one.nextWriteId(), two.nextWriteId(), two.nextWriteId()]);
    expect(ids.size).toBe(4);
  });
});

describe('ingest-metrics with warm states (the shipped ensemble on the embedded DynamoDB)', () => {
  it('stores the same states and raises the same alerts as a container that decodes every batch', async () => {
    // Prepare: two tables, one container each; the warm one reuses its decoded states, the cold one never does.
    const warmRt = await makeTestRuntime();
    const coldRt = await makeTestRuntime();
    const warm = makeHandler(warmRt.forFunction('ingest-metrics'));
    const cold = makeHandler(coldRt.forFunction('ingest-metrics'), { warmSeries: 0 });

    // Act: the same 20 batches, the same clock.
    const answers: { warm: unknown; cold: unknown }[] = [];
    for (let b = 0; b < 20; b++) {
      for (const rt of [warmRt, coldRt]) rt.clock.set(new Date(T0 + (b + 1) * 30 * 60_000).toISOString());
      const points = batch(b);
      answers.push({ warm: await post(warm, points), cold: await post(cold, points) });
    }

    // Assess: every answer (accepted, rejected, alerts) and both final states are equal; the day did page, after
    // the sentinel too (the spike in batch 9), and nothing was rebuilt.
    for (const a of answers) expect(a.warm).toEqual(a.cold);
    const alertsOf = (a: { warm: unknown }) => (a.warm as { body: { alerts?: { status: string }[] } }).body.alerts;
    expect(answers.flatMap(alertsOf).length).toBeGreaterThan(0);
    expect(alertsOf(answers[9] as { warm: unknown })).toContainEqual(expect.objectContaining({ status: 'firing' }));
    expect(await storedStates(warmRt.db)).toEqual(await storedStates(coldRt.db));
    const detector = createDetector(warmRt.config.detectors[0] as DetectorConfig);
    for (const state of await storedStates(warmRt.db))
      expect(detector.decode((state as { d: unknown }).d)).toBeDefined();
  });

  it('decodes again when another container wrote the series in between', async () => {
    // Prepare: containers A and B share a table; a reference container replays the same batches alone.
    const rt = await makeTestRuntime();
    const refRt = await makeTestRuntime();
    const a = makeHandler(rt.forFunction('ingest-metrics'));
    const b = makeHandler(rt.forFunction('ingest-metrics'));
    const ref = makeHandler(refRt.forFunction('ingest-metrics'), { warmSeries: 0 });

    // Act: A, A, B, A, B, B, A — A's warm copy is stale after each of B's writes.
    const order = [a, a, b, a, b, b, a];
    for (const [i, handler] of order.entries()) {
      for (const r of [rt, refRt]) r.clock.set(new Date(T0 + (i + 1) * 30 * 60_000).toISOString());
      expect((await post(handler, batch(i))).status).toBe(202);
      expect((await post(ref, batch(i))).status).toBe(202);
    }

    // Assess: nothing B wrote was lost under A's stale copy.
    expect(await storedStates(rt.db)).toEqual(await storedStates(refRt.db));
  });

  it('rereads after a failed save: later batches land on the stored state, not on a half-updated copy', async () => {
    // Prepare: two tables whose stores refuse one write of the first series when told to; warm and cold containers.
    async function failingRuntime() {
      const flag = { failNext: false };
      const rt = await makeTestRuntime({
        wrapStore: (store) =>
          new Proxy(store, {
            get(target, name) {
              if (name === 'putSeriesState')
                return async (...args: Parameters<Store['putSeriesState']>) => {
                  if (flag.failNext && args[0] === KEYS[0]) {
                    flag.failNext = false;
                    throw new DependencyError('PutItem series state: throttled');
                  }
                  return target.putSeriesState(...args);
                };
              const value = Reflect.get(target, name) as unknown;
              return typeof value === 'function' ? value.bind(target) : value;
            },
          }),
      });
      return { rt, flag };
    }
    const warmSide = await failingRuntime();
    const coldSide = await failingRuntime();
    const warm = makeHandler(warmSide.rt.forFunction('ingest-metrics'));
    const cold = makeHandler(coldSide.rt.forFunction('ingest-metrics'), { warmSeries: 0 });

    // Act: batch 2's save fails; batch 3 arrives before the client resends batch 2 (its points then come too late).
    for (const [i, b] of [0, 1, 2, 3, 2, 4, 5].entries()) {
      for (const side of [warmSide, coldSide]) {
        side.rt.clock.set(new Date(T0 + (i + 1) * 30 * 60_000).toISOString());
        side.flag.failNext = i === 2;
      }
      const [w, c] = [await post(warm, batch(b)), await post(cold, batch(b))];
      // A retryable failure answers 503 (its body names the request); an accepted batch answers the same.
      expect([w.status, c.status]).toEqual(i === 2 ? [503, 503] : [202, 202]);
      if (i !== 2) expect(w).toEqual(c);
    }

    // Assess: the warm container never learned the batch whose save failed.
    expect(await storedStates(warmSide.rt.db)).toEqual(await storedStates(coldSide.rt.db));
  });
});
