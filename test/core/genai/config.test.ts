// The genai section of runwatch.yml: defaults, prices, budgets, poller, and errors that name their path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig, validateConfig } from '../../../functions/core/config/load';
import { ConfigError } from '../../../functions/core/errors';
import { parseGenaiConfig } from '../../../functions/core/genai/config';
import { BEDROCK_METRIC_NAMES } from '../../../functions/core/genai/metric-kinds';

const ROOT = join(__dirname, '..', '..', '..');

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseGenaiConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe('genai config', () => {
  it('defaults to no prices, no budgets and an idle poller reading every Bedrock metric each minute', () => {
    // Act
    const config = parseGenaiConfig(undefined);

    // Assess
    expect(config).toEqual({
      modelLabel: 'ModelId',
      defaultPeriodSeconds: 60,
      prices: {},
      budgets: [],
      poller: { models: [], metrics: [...BEDROCK_METRIC_NAMES], periodSeconds: 60, lookback: 600_000 },
      customMetrics: [],
    });
  });

  it('reads prices, budgets with their defaults, and poller durations', () => {
    // Act
    const config = parseGenaiConfig({
      prices: { 'anthropic.claude-3-haiku-20240307-v1:0': { inputPer1k: 0.00025, outputPer1k: 0.00125 } },
      budgets: [
        { name: 'chat-daily', match: { ModelId: '~anthropic\\..*' }, counts: 'cost', limit: 50, period: 'day' },
      ],
      poller: { models: ['amazon.titan-text-express-v1'], periodSeconds: 300, lookback: '15m' },
    });

    // Assess
    expect(config.budgets[0]).toEqual({
      name: 'chat-daily',
      match: { ModelId: '~anthropic\\..*' },
      counts: 'cost',
      limit: 50,
      period: 'day',
      severity: 'warning',
      burnWindow: 3_600_000,
    });
    expect(config.poller).toMatchObject({ periodSeconds: 300, lookback: 900_000 });
  });

  it.each([
    [{ prices: { m: { inputPer1k: -1, outputPer1k: 0 } } }, 'genai.prices.m.inputPer1k'],
    [{ prices: { m: { inputPer1k: 1 } } }, 'genai.prices.m.outputPer1k'],
    [{ prices: { m: { inputPer1k: 1, outputPer1k: 1, cached: 1 } } }, 'genai.prices.m'],
    [{ budgets: [{ name: 'b', counts: 'cost', limit: 0, period: 'day' }] }, 'genai.budgets[0].limit'],
    [{ budgets: [{ name: 'b', counts: 'dollars', limit: 1, period: 'day' }] }, 'genai.budgets[0].counts'],
    [{ budgets: [{ name: 'b', counts: 'cost', limit: 1, period: 'week' }] }, 'genai.budgets[0].period'],
    [
      { budgets: [{ name: 'b', counts: 'cost', limit: 1, period: 'day', match: { a: '~(' } }] },
      'genai.budgets[0].match.a',
    ],
    [
      {
        budgets: [
          { name: 'b', counts: 'cost', limit: 1, period: 'day' },
          { name: 'b', counts: 'tokens', limit: 1, period: 'day' },
        ],
      },
      'genai.budgets[1].name',
    ],
    [{ poller: { periodSeconds: 90 } }, 'genai.poller.periodSeconds'],
    [{ poller: { periodSeconds: 300, lookback: '1m' } }, 'genai.poller.lookback'],
    [{ poller: { lookback: '2d' } }, 'genai.poller.lookback'],
    [{ poller: { metrics: ['Tokens'] } }, 'genai.poller.metrics[0]'],
    [{ poller: { model: ['x'] } }, 'genai.poller'],
  ])('rejects %j naming %s', (input, path) => {
    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('names the path from the root of runwatch.yml', () => {
    // Prepare
    const shipped = parse(readFileSync(join(ROOT, 'runwatch.yml'), 'utf8')) as Record<string, unknown>;
    const broken = { ...shipped, genai: { budgets: [{ name: 'b', counts: 'cost', limit: -5, period: 'month' }] } };

    // Act
    const error = (() => {
      try {
        validateConfig(broken);
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues.map((i) => i.path)).toEqual(['genai.budgets[0].limit']);
  });

  it('accepts the genai section shipped in runwatch.yml', () => {
    // Act
    const config = parseConfig(readFileSync(join(ROOT, 'runwatch.yml'), 'utf8'));

    // Assess
    expect(Object.keys(config.genai.prices).length).toBeGreaterThan(0);
    expect(config.genai.budgets.map((b) => b.counts).sort()).toEqual(['cost', 'tokens']);
  });
});
