// `npm run nab -- --data <dir> --out <dir>`: runs the product's detector (runwatch.yml, the same module and
// configuration ingest-metrics uses) over every NAB CSV and writes <out>/<category>/<file>.csv with scores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createDetector } from '../functions/core/detect';
import { selectDetector } from '../functions/core/metrics/evaluate';
import { loadConfigFile } from '../functions/lib/wiring';

const ROOT = resolve(__dirname, '..');

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...csvFiles(path));
    else if (entry.endsWith('.csv')) out.push(path);
  }
  return out.sort();
}

/** NAB timestamps are `YYYY-MM-DD HH:MM:SS` without a zone; read them as UTC. */
function parseTime(text: string): number {
  return Date.parse(`${text.trim().replace(' ', 'T')}Z`);
}

export function runFile(path: string, seriesName: string, configPath: string): { rows: string[]; scores: number[] } {
  const config = loadConfigFile(configPath);
  const detectorConfig = selectDetector(config.detectors, { metric: seriesName });
  if (!detectorConfig) throw new Error(`no detector in ${configPath} matches metric=${seriesName}`);
  const detector = createDetector(detectorConfig);
  const state = detector.init();
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const rows: string[] = [];
  const scores: number[] = [];
  for (const line of lines.slice(1)) {
    const comma = line.indexOf(',');
    const ts = line.slice(0, comma);
    const value = Number(line.slice(comma + 1));
    const d = detector.step(state, parseTime(ts), value);
    scores.push(d.score);
    rows.push(`${ts},${line.slice(comma + 1)},${d.score}`);
  }
  return { rows, scores };
}

function main(): void {
  const data = arg('data');
  const out = arg('out');
  if (!data || !out) {
    console.error('usage: npm run nab -- --data <dir> --out <dir> [--config runwatch.yml] [--score]');
    process.exit(2);
  }
  const configPath = resolve(arg('config', join(ROOT, 'runwatch.yml')) as string);
  const files = csvFiles(resolve(data));
  const started = process.hrtime.bigint();
  let points = 0;
  for (const file of files) {
    const rel = relative(resolve(data), file);
    const { rows } = runFile(file, basename(file, '.csv'), configPath);
    points += rows.length;
    const target = join(resolve(out), rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `timestamp,value,anomaly_score\n${rows.join('\n')}\n`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${files.length} files, ${points} points in ${seconds.toFixed(2)} s → ${out}`);
  if (process.argv.includes('--score')) {
    const scorer = resolve(data, '..', 'score.mjs');
    const labels = resolve(data, '..', 'labels', 'combined_windows.json');
    if (!existsSync(scorer)) throw new Error(`no scorer at ${scorer}`);
    const r = spawnSync('node', [scorer, '--data', data, '--labels', labels, '--results', out], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}

if (require.main === module) main();
