// `npm run bench`: the detector's points/s on one core, and the whole ingest path per point as a ratio to JSON.parse.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MemoryStore } from '../functions/adapters/local/memory-store';
import { packState, unpackState } from '../functions/adapters/stored-state';
import { createDetector } from '../functions/core/detect';
import { normalizeEvent } from '../functions/core/events';
import { selectDetector } from '../functions/core/metrics/evaluate';
import { parsePointBatch } from '../functions/core/metrics/points';
import { makeHandler } from '../functions/ingest-metrics/make-handler';
import { createLogger, createMetrics } from '../functions/lib/observability';
import type { Runtime } from '../functions/lib/runtime';
import { loadConfigFile } from '../functions/lib/wiring';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const ROOT = resolve(__dirname, '..');
const config = loadConfigFile(join(ROOT, 'runwatch.yml'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function timeIt(fn: () => void, rounds = 7): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

async function timeAsync(fn: () => Promise<void>, rounds = 7): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (label: string, value: string) => console.log(`${label.padEnd(62)} ${value}`);

// ---- 1. The configured detector, one core, over the NAB series (or a synthetic set when NAB is absent) -------------
function nabSeries(): { t: number[]; x: number[] }[] {
  const dir = resolve(ROOT, '..', 'shared', 'nab', 'data');
  const out: { t: number[]; x: number[] }[] = [];
  if (!existsSync(dir)) {
    for (let s = 0; s < 20; s++) {
      const t: number[] = [];
      const x: number[] = [];
      for (let i = 0; i < 12_000; i++) {
        t.push(1_700_000_000_000 + i * 300_000);
        x.push(100 + 20 * Math.sin(i / 40 + s) + ((i * 7919 + s) % 13) + (i % 4001 === 0 ? 300 : 0));
      }
      out.push({ t, x });
    }
    return out;
  }
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((e) =>
      statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : e.endsWith('.csv') ? [join(d, e)] : [],
    );
  for (const file of walk(dir)) {
    const t: number[] = [];
    const x: number[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const c = line.indexOf(',');
      if (c < 0) continue;
      t.push(Date.parse(`${line.slice(0, c).replace(' ', 'T')}Z`));
      x.push(Number(line.slice(c + 1)));
    }
    out.push({ t, x });
  }
  return out;
}

async function main(): Promise<void> {
  const detectorConfig = selectDetector(config.detectors, { metric: 'bench' });
  if (!detectorConfig) throw new Error('runwatch.yml has no detector for metric=bench');
  const detector = createDetector(detectorConfig);
  const series = nabSeries();
  const total = series.reduce((n, s) => n + s.x.length, 0);
  const detectSeconds = timeIt(() => {
    for (const s of series) {
      const state = detector.init();
      for (let i = 0; i < s.x.length; i++) detector.step(state, s.t[i] as number, s.x[i] as number);
    }
  }, 5);
  let stateBytes = 0;
  for (const s of series) {
    const state = detector.init();
    for (let i = 0; i < s.x.length; i++) detector.step(state, s.t[i] as number, s.x[i] as number);
    stateBytes = Math.max(stateBytes, Buffer.byteLength(JSON.stringify(detector.encode(state))));
  }
  console.log(
    `detector: ${detectorConfig.kind} (${detectorConfig.name} in runwatch.yml), ${series.length} series, ${fmt(total)} points`,
  );
  row('detector points/s, one core (median of 5)', `${fmt(total / detectSeconds)}`);
  row('largest encoded state after a whole series (JSON bytes)', `${fmt(stateBytes)}`);

  // ---- 2. The whole ingest path vs JSON.parse of the same batches ------------------------------------------------
  // 50 points per series per batch, and 5 (docs/scaling.md's operating point: a 5-minute batching window at one
  // point a minute), where the per-series work (one state read and one write per batch) weighs ten times more.
  const shapes = [
    { variant: 'custom', perSeries: 50 },
    { variant: 'bedrock', perSeries: 50 },
    { variant: 'custom', perSeries: 5 },
  ] as const;
  for (const { variant, perSeries } of shapes) {
    const SERIES = 20;
    const PER_SERIES = perSeries;
    const BATCHES = 2000 / perSeries;
    const breakdown = variant === 'custom' && perSeries === 50;
    const bodies: string[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const points = [];
      for (let s = 0; s < SERIES; s++) {
        const metric =
          variant === 'custom'
            ? `QueueDepth${s}`
            : (['Invocations', 'InputTokenCount', 'OutputTokenCount', 'InvocationLatency', 'InvocationServerErrors'][
                s % 5
              ] as string);
        const dims =
          variant === 'custom'
            ? { service: 'chat-api', region: 'us-east-1' }
            : { ModelId: `anthropic.claude-3-haiku-20240307-v1:0`, service: `svc-${Math.floor(s / 5)}` };
        for (let i = 0; i < PER_SERIES; i++) {
          const minute = b * PER_SERIES + i;
          points.push({
            metric,
            dimensions: dims,
            timestamp: new Date(Date.UTC(2026, 10, 27) + minute * 60_000).toISOString(),
            value: 100 + 10 * Math.sin(minute / 30 + s) + (minute % 7),
          });
        }
      }
      bodies.push(JSON.stringify({ points }));
    }
    const points = SERIES * PER_SERIES * BATCHES;
    const parseSeconds = timeIt(() => {
      for (const body of bodies) JSON.parse(body);
    });
    const validateSeconds = timeIt(() => {
      for (const body of bodies) parsePointBatch(JSON.parse(body));
    });
    let lastStore = new MemoryStore();
    // One container per round replaying the same 40 batches from empty state. A warm container keeps the decoded
    // states it wrote (warm-states.ts); `warmSeries: 0` decodes every state it reads, as a cold container would.
    const ingestRound = (warmSeries?: number) => async () => {
      const store = new MemoryStore();
      lastStore = store;
      let now = Date.UTC(2026, 10, 27, 12);
      const rt: Runtime = {
        stage: 'bench',
        config,
        store,
        bus: {
          async publish() {},
        },
        executor: { start: async () => ({ ssmExecutionId: 'x' }) },
        notifiersFor: () => [],
        clock: { now: () => new Date(now) },
        newId: () => 'id',
        logger: createLogger('bench'),
        metrics: createMetrics('bench'),
      };
      const handler = makeHandler(rt, warmSeries === undefined ? {} : { warmSeries });
      for (const body of bodies) {
        now += PER_SERIES * 60_000;
        const event = {
          version: '2.0',
          requestContext: { http: { method: 'POST' }, requestId: 'r' },
          rawPath: '/v1/metrics',
          headers: {},
          body,
        } as unknown as APIGatewayProxyEventV2;
        const res = (await handler(event, { awsRequestId: 'bench' } as Context)) as { statusCode: number };
        if (res.statusCode !== 202) throw new Error(`ingest answered ${res.statusCode}`);
      }
    };
    const coldSeconds = await timeAsync(ingestRound(0), 5);
    const ingestSeconds = await timeAsync(ingestRound(), 5);
    console.log(
      `\ningest path (${variant} series): ${BATCHES} batches × ${SERIES} series × ${PER_SERIES} points, in-memory store`,
    );
    row('JSON.parse alone, ns/point', `${((1e9 * parseSeconds) / points).toFixed(0)}`);
    row('JSON.parse + validation, ns/point', `${((1e9 * validateSeconds) / points).toFixed(0)}`);
    row(
      'whole ingest path (parse, quality, state load, detect, save, alerts), ns/point',
      `${((1e9 * ingestSeconds) / points).toFixed(0)}`,
    );
    row('ratio of the ingest path to JSON.parse', `${(ingestSeconds / parseSeconds).toFixed(2)}×`);
    row(
      '  the same when every state is decoded (cold container), ns/point',
      `${((1e9 * coldSeconds) / points).toFixed(0)} (${(coldSeconds / parseSeconds).toFixed(2)}×)`,
    );
    const items = [...lastStore.series.values()];
    if (breakdown) {
      // Where the time goes, measured on the same batches: the detector alone, the detector state's encode/decode
      // (with its JSON), and the stores' deflate/inflate of a whole state, each per series per batch.
      const seriesPoints = new Map<string, { t: number; x: number }[][]>();
      for (const body of bodies) {
        const perSeries = new Map<string, { t: number; x: number }[]>();
        for (const p of (JSON.parse(body) as { points: { metric: string; timestamp: string; value: number }[] })
          .points) {
          const list = perSeries.get(p.metric) ?? [];
          perSeries.set(p.metric, list);
          list.push({ t: Date.parse(p.timestamp), x: p.value });
        }
        for (const [k, list] of perSeries) {
          const batches = seriesPoints.get(k) ?? [];
          seriesPoints.set(k, batches);
          batches.push(list);
        }
      }
      const detectOnly = timeIt(() => {
        for (const batches of seriesPoints.values()) {
          const state = detector.init();
          for (const list of batches) for (const p of list) detector.step(state, p.t, p.x);
        }
      }, 5);
      const states: unknown[] = [];
      for (const batches of seriesPoints.values()) {
        const state = detector.init();
        for (const list of batches) {
          for (const p of list) detector.step(state, p.t, p.x);
          states.push(detector.encode(state));
        }
      }
      const codecSeconds = timeIt(() => {
        for (const encoded of states) detector.encode(detector.decode(JSON.parse(JSON.stringify(encoded))));
      }, 5);
      const wholeStates = items.map((v) => unpackState(v.packed));
      const packSeconds = timeIt(() => {
        for (let r = 0; r < BATCHES; r++) for (const s of wholeStates) unpackState(packState(s));
      }, 5);
      row('  of which the detector alone, ns/point', `${((1e9 * detectOnly) / points).toFixed(0)}`);
      row(
        '  detector state decode + encode with its JSON, µs per series per batch',
        `${((1e6 * codecSeconds) / states.length).toFixed(1)}`,
      );
      row(
        '  deflate + inflate of the whole stored state, µs per series per batch',
        `${((1e6 * packSeconds) / (BATCHES * wholeStates.length)).toFixed(1)}`,
      );
    }
    const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const top = (xs: number[]) => Math.max(0, ...xs);
    const json = items.map((v) => Buffer.byteLength(JSON.stringify(unpackState(v.packed))));
    const stored = items.map((v) => v.packed.byteLength);
    row(
      'stored series state, JSON bytes (median / max)',
      `${fmt(mid(json))} / ${fmt(top(json))} over ${items.length} series`,
    );
    row(
      'stored series state as written (deflated JSON), bytes (median / max)',
      `${fmt(mid(stored))} / ${fmt(top(stored))}`,
    );
  }

  // ---- 3. Failure-event normalization --------------------------------------------------------------------------------
  const samples = readdirSync(join(ROOT, 'events'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(ROOT, 'events', f), 'utf8')));
  const normSeconds = timeIt(() => {
    for (let i = 0; i < 1000; i++)
      for (const s of samples) normalizeEvent(s, { receivedAt: '2026-11-27T00:00:00.000Z' });
  }, 5);
  console.log('');
  row(
    `normalizeEvent over the ${samples.length} samples in events/, events/s`,
    fmt((1000 * samples.length) / normSeconds),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
