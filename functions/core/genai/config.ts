// The `genai` section of runwatch.yml: model prices, token and cost budgets, the Bedrock poller, custom series.
import { z } from 'zod';
import { SEVERITIES } from '../alert';
import { duration, matchers, name } from '../config/primitives';
import { ConfigError, issuesFromZod } from '../errors';
import { BEDROCK_METRIC_NAMES, BEDROCK_MODEL_DIMENSION } from './metric-kinds';

const usd = z.number({ message: 'must be a number (USD)' }).min(0, 'must not be negative');

/** On-demand price of one model, in USD per 1,000 tokens. */
export const priceSchema = z.strictObject({
  inputPer1k: usd,
  outputPer1k: usd,
});

export const budgetSchema = z.strictObject({
  name,
  /** Matchers on the points' labels (dimensions plus `metric`), e.g. `{ ModelId: "~anthropic\\..*" }`. */
  match: matchers.default({}),
  /** `cost`: the derived Cost points (USD); `tokens`: InputTokenCount + OutputTokenCount. */
  counts: z.enum(['cost', 'tokens']),
  /** USD for cost budgets, tokens for token budgets; per period. */
  limit: z.number().positive('must be greater than zero'),
  /** Calendar day or month, UTC. */
  period: z.enum(['day', 'month']),
  severity: z.enum(SEVERITIES).default('warning'),
  /** Time constant of the burn rate: how quickly it follows a change in spending. */
  burnWindow: duration.default(3_600_000),
});

export const pollerSchema = z
  .strictObject({
    /** Bedrock model ids (the ModelId dimension) to read each run; none disables the poller. */
    models: z.array(z.string().min(1).max(255)).default([]),
    /** Which AWS/Bedrock runtime metrics to read. */
    metrics: z
      .array(z.enum(BEDROCK_METRIC_NAMES))
      .min(1, 'name at least one metric')
      .default([...BEDROCK_METRIC_NAMES]),
    /** CloudWatch period of each point: 60 or a multiple of 60. */
    periodSeconds: z
      .number()
      .int()
      .min(60, 'must be at least 60')
      .refine((n) => n % 60 === 0, 'must be a multiple of 60')
      .default(60),
    /** How far before the scheduled time each run reads; longer than the schedule rate, so runs overlap. */
    lookback: duration.default(600_000),
  })
  .superRefine((p, ctx) => {
    if (p.lookback < p.periodSeconds * 1000) {
      ctx.addIssue({ code: 'custom', path: ['lookback'], message: 'must cover at least one period' });
    }
    if (p.lookback > 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['lookback'], message: 'must be at most 1d' });
    }
  });

export const customMetricSchema = z.strictObject({
  name: z.string().min(1).max(256),
  unit: z.string().max(64).optional(),
  statistic: z.enum(['Sum', 'Average']).optional(),
  /** Which direction hurts (for detector direction). */
  bad: z.enum(['up', 'down', 'both']).optional(),
  description: z.string().max(1000).optional(),
});

export const genaiConfigSchema = z
  .strictObject({
    /** Dimension that names the model on incoming points (Bedrock's own is ModelId). */
    modelLabel: z.string().min(1).default(BEDROCK_MODEL_DIMENSION),
    /** Period assumed for a series that has a single timestamp in a batch (CostPerHour scaling). */
    defaultPeriodSeconds: z.number().int().positive().default(60),
    /** USD per 1,000 tokens by model id; models without a price get no cost signals. */
    prices: z.record(z.string().min(1), priceSchema).default({}),
    budgets: z.array(budgetSchema).default([]),
    poller: pollerSchema.prefault({}),
    customMetrics: z.array(customMetricSchema).default([]),
  })
  .superRefine((g, ctx) => {
    const seen = new Set<string>();
    g.budgets.forEach((b, i) => {
      if (seen.has(b.name)) {
        ctx.addIssue({ code: 'custom', path: ['budgets', i, 'name'], message: `duplicate budget "${b.name}"` });
      }
      seen.add(b.name);
    });
  })
  .prefault({});

export type GenaiConfig = z.output<typeof genaiConfigSchema>;
export type GenaiConfigInput = z.input<typeof genaiConfigSchema>;
export type ModelPrice = z.output<typeof priceSchema>;
export type Budget = z.output<typeof budgetSchema>;
export type PollerConfig = z.output<typeof pollerSchema>;

/** Parses the section on its own (tests, tools); issues are named from the root, e.g. `genai.budgets[0].limit`. */
export function parseGenaiConfig(input: unknown): GenaiConfig {
  const r = genaiConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(issuesFromZod(r.error.issues, ['genai']));
  return r.data;
}
