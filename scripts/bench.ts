// `npm run bench`: throughput of the hot pure paths — the detector per point and event normalization per event.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initialState, step } from '../functions/core/detect/robust-baseline';
import { normalizeEvent } from '../functions/core/events';
import { parsePointBatch } from '../functions/core/metrics/points';

const ROOT = resolve(__dirname, '..');

function measure(label: string, unit: string, n: number, fn: () => void, rounds = 5): void {
  fn(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(n / s);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(44)} ${Math.round(median).toLocaleString('en-US').padStart(12)} ${unit}/s (median of ${rounds})`,
  );
}

// 1. The detector over a noisy series with spikes (window 60, as runwatch.yml configures it).
const N = 200_000;
const series = Array.from(
  { length: N },
  (_, i) => 100 + 10 * Math.sin(i / 50) + (i % 997 === 0 ? 80 : (i * 7919) % 13),
);
measure('robust-baseline detector (window 60)', 'points', N, () => {
  const state = initialState();
  for (let i = 0; i < N; i++)
    step(state, i * 60_000, series[i] as number, { window: 60, minPoints: 20, threshold: 6, direction: 'both' });
});

// 2. Parsing a metrics batch of 1,000 points (zod at the edge).
const batch = {
  points: Array.from({ length: 1000 }, (_, i) => ({
    metric: 'InvocationLatency',
    dimensions: { ModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    timestamp: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
    value: 2000 + (i % 17),
  })),
};
const text = JSON.stringify(batch);
measure('JSON.parse of a 1,000-point batch', 'points', 1000 * 50, () => {
  for (let i = 0; i < 50; i++) JSON.parse(text);
});
measure('JSON.parse + validate a 1,000-point batch', 'points', 1000 * 50, () => {
  for (let i = 0; i < 50; i++) parsePointBatch(JSON.parse(text));
});

// 3. Normalizing every sample failure event in events/.
const samples = readdirSync(join(ROOT, 'events'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(ROOT, 'events', f), 'utf8')));
const receivedAt = '2026-11-27T00:00:00.000Z';
measure(`normalizeEvent over ${samples.length} sample events`, 'events', samples.length * 2000, () => {
  for (let i = 0; i < 2000; i++) for (const s of samples) normalizeEvent(s, { receivedAt });
});
