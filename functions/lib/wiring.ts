// Cold-start wiring for AWS: environment and runwatch.yml parsed once, AWS adapters behind the ports.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DynamoDbStore } from '../adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../adapters/aws/eventbridge-bus';
import { SlackNotifier } from '../adapters/aws/slack-notifier';
import { SnsNotifier } from '../adapters/aws/sns-notifier';
import { SsmRunbookExecutor } from '../adapters/aws/ssm-executor';
import { SsmSecretSource } from '../adapters/aws/ssm-secrets';
import { parseConfig } from '../core/config/load';
import type { Config, Receiver } from '../core/config/schema';
import { ConfigError, issuesFromZod } from '../core/errors';
import type { Notifier, SecretSource } from '../ports';
import { createLogger, createMetrics } from './observability';
import type { Runtime } from './runtime';

const envSchema = z.object({
  RUNWATCH_STAGE: z.string().min(1).default('dev'),
  RUNWATCH_TABLE: z.string().min(1, 'required: the DynamoDB table name'),
  RUNWATCH_BUS_NAME: z.string().min(1, 'required: the EventBridge bus name'),
  RUNWATCH_TOPIC_ARN: z.string().optional(),
  RUNWATCH_CONFIG_PATH: z.string().min(1).default('runwatch.yml'),
  RUNWATCH_DOCUMENT_PREFIX: z.string().default(''),
  RUNWATCH_AUTOMATION_ROLE_ARN: z.string().optional(),
});

export interface RuntimeEnv {
  stage: string;
  table: string;
  busName: string;
  topicArn?: string;
  configPath: string;
  documentPrefix: string;
  automationRoleArn?: string;
}

/** Parses the function's environment; a missing key fails the cold start with its name. */
export function runtimeEnv(env: Record<string, string | undefined> = process.env): RuntimeEnv {
  const r = envSchema.safeParse(env);
  if (!r.success) throw new ConfigError(issuesFromZod(r.error.issues, ['env']));
  const e = r.data;
  const out: RuntimeEnv = {
    stage: e.RUNWATCH_STAGE,
    table: e.RUNWATCH_TABLE,
    busName: e.RUNWATCH_BUS_NAME,
    configPath: e.RUNWATCH_CONFIG_PATH,
    documentPrefix: e.RUNWATCH_DOCUMENT_PREFIX,
  };
  if (e.RUNWATCH_TOPIC_ARN) out.topicArn = e.RUNWATCH_TOPIC_ARN;
  if (e.RUNWATCH_AUTOMATION_ROLE_ARN) out.automationRoleArn = e.RUNWATCH_AUTOMATION_ROLE_ARN;
  return out;
}

const configCache = new Map<string, Config>();

/** Reads and validates runwatch.yml once per process; errors name the path inside the file. */
export function loadConfigFile(path: string): Config {
  const cached = configCache.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${(e as Error).message}` }]);
  }
  const config = parseConfig(text);
  configCache.set(path, config);
  return config;
}

export interface NotifierFactoryOptions {
  secrets: SecretSource;
  topicArn?: string;
  /** Local only: the webhook URL comes from this env map when the receiver names `webhookUrlEnv`. */
  env?: Record<string, string | undefined>;
  /** Extra integrations (the local outbox). */
  extra?: (receiver: Receiver) => Notifier[];
}

/** The integrations a receiver has in this environment; one instance per receiver, built lazily. */
export function notifierFactory(options: NotifierFactoryOptions): (receiver: Receiver) => Notifier[] {
  const cache = new Map<string, Notifier[]>();
  let sns: SnsNotifier | undefined;
  return (receiver) => {
    const hit = cache.get(receiver.name);
    if (hit) return hit;
    const list: Notifier[] = [];
    const slack = receiver.slack;
    if (slack) {
      if (options.env) {
        const url = options.env[slack.webhookUrlEnv];
        if (url)
          list.push(
            new SlackNotifier({ webhookUrl: async () => url, ...(slack.channel ? { channel: slack.channel } : {}) }),
          );
      } else if (slack.webhookUrlParameter) {
        const parameter = slack.webhookUrlParameter;
        list.push(
          new SlackNotifier({
            webhookUrl: () => options.secrets.get(parameter),
            ...(slack.channel ? { channel: slack.channel } : {}),
          }),
        );
      }
    }
    if (receiver.sns && options.topicArn) {
      sns ??= new SnsNotifier({ topicArn: options.topicArn });
      list.push(sns);
    }
    if (options.extra) list.push(...options.extra(receiver));
    cache.set(receiver.name, list);
    return list;
  };
}

/** The runtime a Lambda function gets: AWS adapters, config from the bundled runwatch.yml. */
export function defaultRuntime(functionName: string): Runtime {
  const env = runtimeEnv();
  const logger = createLogger(functionName);
  let config: Config;
  try {
    config = loadConfigFile(env.configPath);
  } catch (e) {
    logger.critical('configuration rejected at cold start', { error: (e as Error).message });
    throw e;
  }
  const secrets = new SsmSecretSource();
  return {
    stage: env.stage,
    config,
    store: new DynamoDbStore({ tableName: env.table }),
    bus: new EventBridgeBus({ busName: env.busName }),
    executor: new SsmRunbookExecutor({
      documentPrefix: env.documentPrefix,
      ...(env.automationRoleArn ? { automationRoleArn: env.automationRoleArn } : {}),
    }),
    notifiersFor: notifierFactory({ secrets, ...(env.topicArn ? { topicArn: env.topicArn } : {}) }),
    clock: { now: () => new Date() },
    newId: randomUUID,
    logger,
    metrics: createMetrics(functionName),
  };
}
