// `npm run nab` writes one scored CSV per input CSV, with the product's configured detector.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFile } from '../../scripts/nab';

const ROOT = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'runwatch-nab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSeries(path: string, n: number, spikeAt: number): void {
  const rows = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2014, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`${t},${i === spikeAt ? 500 : 50 + 5 * Math.sin(i / 6) + (i % 3)}`);
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${rows.join('\n')}\n`);
}

describe('npm run nab', () => {
  it('scores every row of every CSV and keeps the category layout', () => {
    // Prepare
    const data = join(dir, 'data');
    writeSeries(join(data, 'synthetic', 'one.csv'), 400, 350);
    writeSeries(join(data, 'other', 'two.csv'), 300, 250);
    const out = join(dir, 'out');
    // Act
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/nab.ts', '--data', data, '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    // Assess
    expect(run.status, run.stderr).toBe(0);
    const lines = readFileSync(join(out, 'synthetic', 'one.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines).toHaveLength(401);
    const scores = lines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(
      readFileSync(join(out, 'other', 'two.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(301);
  });

  it('uses only the past: a row scores the same whatever follows it', () => {
    const full = join(dir, 'full.csv');
    writeSeries(full, 400, 350);
    const cut = join(dir, 'cut.csv');
    writeFileSync(cut, readFileSync(full, 'utf8').split('\n').slice(0, 301).join('\n'));
    const a = runFile(full, 'series', join(ROOT, 'runwatch.yml')).scores.slice(0, 300);
    const b = runFile(cut, 'series', join(ROOT, 'runwatch.yml')).scores;
    expect(b).toEqual(a);
  });
});
