// The runwatch.yml schema: receivers, routes, detectors, policies, runbooks; validated once at cold start.
import { z } from 'zod';
import { SEVERITIES } from '../alert';
import { genaiConfigSchema } from '../genai/config';
import { qualityConfigSchema } from '../quality/config';
import { duration, matchers, name } from './primitives';

export { duration, matchers, parseDuration } from './primitives';

const slackReceiver = z.strictObject({
  /** SSM Parameter Store SecureString holding the incoming-webhook URL (cloud). */
  webhookUrlParameter: z.string().regex(/^\//, 'must be a parameter name starting with /').optional(),
  /** Environment variable holding the webhook URL (local). */
  webhookUrlEnv: z.string().default('SLACK_WEBHOOK_URL'),
  channel: z.string().optional(),
});

export const receiverSchema = z
  .strictObject({
    name,
    slack: slackReceiver.optional(),
    /** The stack's on-call SNS topic (email/SMS subscriptions). */
    sns: z.strictObject({ topicArnEnv: z.string().default('RUNWATCH_TOPIC_ARN') }).optional(),
    /** The local outbox file and terminal (embedded default). */
    outbox: z.strictObject({}).optional(),
  })
  .refine((r) => r.slack || r.sns || r.outbox, { message: 'a receiver needs at least one of slack, sns, outbox' });

export const routeSchema = z.strictObject({
  match: matchers.default({}),
  receiver: name,
  /** Keep evaluating later routes after this one matched. */
  continue: z.boolean().default(false),
  repeatInterval: duration.optional(),
});

export const detectorSchema = z.strictObject({
  name,
  /** Matchers on the series (metric name and dimensions). */
  match: matchers.default({}),
  kind: z.enum(['robust-baseline', 'seasonal', 'knn', 'ensemble', 'context', 'flatline']).default('robust-baseline'),
  /** Engine-specific settings (validated by the engine); one configuration serves every series it matches. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Score (0..1) at or above which a point is anomalous, for engines that score in [0, 1]. */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  /** Points kept in the rolling window. */
  window: z.number().int().min(8).max(1024).default(60),
  /** Points needed before the detector may fire. */
  minPoints: z.number().int().min(4).default(20),
  /** Robust z-score (|x - median| / (1.4826·MAD)) above which a point is anomalous. */
  threshold: z.number().positive().default(6),
  /** Which direction counts as anomalous. */
  direction: z.enum(['up', 'down', 'both']).default('both'),
  severity: z.enum(SEVERITIES).default('warning'),
  /** Consecutive normal points before a firing anomaly alert resolves. */
  resolveAfter: z.number().int().min(1).max(1000).default(3),
});

const parameterValue = z.union([z.string(), z.array(z.string())]);

export const runbookSchema = z.strictObject({
  name,
  description: z.string().default(''),
  /** A document shipped in runbooks/ (file name without extension) or an AWS-owned document (AWS-*). */
  document: z.string().min(1),
  /** `automation` → StartAutomationExecution; `command` → SendCommand. */
  kind: z.enum(['automation', 'command']),
  /** Fixed parameters; values may use {{labels.x}} / {{annotations.x}} / {{params.x}} templates. */
  parameters: z.record(z.string(), parameterValue).default({}),
  /** Run Command targets (tag or instance ids); required for command runbooks. */
  targets: z.array(z.strictObject({ key: z.string().min(1), values: z.array(z.string().min(1)).min(1) })).optional(),
  /** A human must approve before the runbook starts. */
  approval: z.boolean().default(false),
  /** Guardrail: at most this many starts of this runbook per hour. */
  maxPerHour: z.number().int().positive().default(10),
});

export const policySchema = z.strictObject({
  name,
  match: matchers.default({}),
  runbook: name,
  /** Parameters merged over the runbook's; templates allowed. */
  parameters: z.record(z.string(), parameterValue).default({}),
  /** Start only for firing alerts (default) or also on resolve. */
  on: z.enum(['firing', 'resolved']).default('firing'),
});

export const configSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    defaults: z
      .strictObject({
        receiver: name.optional(),
        repeatInterval: duration.default(4 * 3_600_000),
      })
      .prefault({}),
    receivers: z.array(receiverSchema).min(1, 'at least one receiver is required'),
    routes: z.array(routeSchema).default([]),
    detectors: z.array(detectorSchema).default([]),
    runbooks: z.array(runbookSchema).default([]),
    policies: z.array(policySchema).default([]),
    /** GenAI usage signals: model prices, token budgets. */
    genai: genaiConfigSchema,
    /** Data-quality checks on metric series. */
    quality: qualityConfigSchema,
    /** Times whose points are scored but not learned from (deploys, maintenance). */
    exclusions: z
      .array(
        z.strictObject({
          name,
          match: matchers.default({}),
          start: z.iso.datetime({ offset: true }),
          end: z.iso.datetime({ offset: true }),
        }),
      )
      .default([]),
  })
  .superRefine((c, ctx) => {
    const receivers = new Set<string>();
    c.receivers.forEach((r, i) => {
      if (receivers.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `duplicate receiver "${r.name}"` });
      receivers.add(r.name);
    });
    if (c.defaults.receiver && !receivers.has(c.defaults.receiver)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults', 'receiver'],
        message: `unknown receiver "${c.defaults.receiver}"`,
      });
    }
    c.routes.forEach((r, i) => {
      if (!receivers.has(r.receiver)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'receiver'], message: `unknown receiver "${r.receiver}"` });
      }
    });
    const runbooks = new Set<string>();
    c.runbooks.forEach((r, i) => {
      if (runbooks.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['runbooks', i, 'name'], message: `duplicate runbook "${r.name}"` });
      runbooks.add(r.name);
      if (r.kind === 'command' && !r.targets?.length) {
        ctx.addIssue({ code: 'custom', path: ['runbooks', i, 'targets'], message: 'command runbooks need targets' });
      }
    });
    c.policies.forEach((p, i) => {
      if (!runbooks.has(p.runbook)) {
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'runbook'], message: `unknown runbook "${p.runbook}"` });
      }
    });
    const policies = new Set<string>();
    c.policies.forEach((p, i) => {
      // Execution ids hash the policy name: two policies with one name would share (and lose) executions.
      if (policies.has(p.name))
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `duplicate policy "${p.name}"` });
      policies.add(p.name);
    });
    const detectors = new Set<string>();
    c.detectors.forEach((d, i) => {
      if (detectors.has(d.name))
        ctx.addIssue({ code: 'custom', path: ['detectors', i, 'name'], message: `duplicate detector "${d.name}"` });
      detectors.add(d.name);
    });
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type Receiver = Config['receivers'][number];
export type Route = Config['routes'][number];
export type DetectorConfig = Config['detectors'][number];
export type RunbookConfig = Config['runbooks'][number];
export type Policy = Config['policies'][number];
