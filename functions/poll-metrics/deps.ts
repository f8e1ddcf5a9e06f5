// poll-metrics cold-start wiring: CloudWatch reader and metrics-queue sink, config from the bundled runwatch.yml.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CloudWatchMetricsReader } from '../adapters/aws/cloudwatch-metrics';
import { SqsPointsSink } from '../adapters/aws/sqs-points';
import { parseConfig } from '../core/config/load';
import { ConfigError, issuesFromZod } from '../core/errors';
import { createLogger, createMetrics } from '../lib/observability';
import type { PollDeps } from './make-handler';

const envSchema = z.object({
  RUNWATCH_METRICS_QUEUE_URL: z.string().min(1, 'required: the URL of the metrics SQS queue'),
  RUNWATCH_CONFIG_PATH: z.string().min(1).default('runwatch.yml'),
});

/** Parsed once at cold start; a missing key or a bad runwatch.yml fails it with the name of what is wrong. */
export function defaultPollDeps(env: Record<string, string | undefined> = process.env): PollDeps {
  const r = envSchema.safeParse(env);
  if (!r.success) throw new ConfigError(issuesFromZod(r.error.issues, ['env']));
  const logger = createLogger('poll-metrics');
  let text: string;
  try {
    text = readFileSync(r.data.RUNWATCH_CONFIG_PATH, 'utf8');
  } catch (e) {
    throw new ConfigError([
      { path: '(file)', message: `cannot read ${r.data.RUNWATCH_CONFIG_PATH}: ${(e as Error).message}` },
    ]);
  }
  try {
    const config = parseConfig(text);
    return {
      genai: config.genai,
      reader: new CloudWatchMetricsReader(),
      sink: new SqsPointsSink({ queueUrl: r.data.RUNWATCH_METRICS_QUEUE_URL }),
      logger,
      metrics: createMetrics('poll-metrics'),
    };
  } catch (e) {
    logger.critical('configuration rejected at cold start', { error: (e as Error).message });
    throw e;
  }
}
