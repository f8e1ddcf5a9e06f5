// The embedded local default: the same handlers and DynamoDB adapter, dynalite for state, HTTP on localhost.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
// dynalite ships no types; its factory returns a node http.Server.
// @ts-expect-error -- untyped package
import dynalite from 'dynalite';
import { DynamoDbStore } from '../../functions/adapters/aws/dynamodb-store';
import { ensureTable } from '../../functions/adapters/aws/table-definition';
import { EnvSecretSource } from '../../functions/adapters/local/env-secrets';
import { LocalBus } from '../../functions/adapters/local/local-bus';
import { LocalRunbookExecutor } from '../../functions/adapters/local/local-executor';
import { OutboxNotifier } from '../../functions/adapters/local/outbox-notifier';
import { makeHandler as makeApi } from '../../functions/api/make-handler';
import { DetailType } from '../../functions/core/bus';
import { makeHandler as makeDispatch } from '../../functions/dispatch/make-handler';
import { makeHandler as makeIngestEvents } from '../../functions/ingest-events/make-handler';
import { makeHandler as makeIngestMetrics } from '../../functions/ingest-metrics/make-handler';
import { createLogger, createMetrics } from '../../functions/lib/observability';
import type { Runtime } from '../../functions/lib/runtime';
import { loadConfigFile, notifierFactory } from '../../functions/lib/wiring';
import type { Clock } from '../../functions/ports';
import { makeHandler as makeRemediate } from '../../functions/remediate/make-handler';
import { makeHandler as makeRunbookEvents } from '../../functions/runbook-events/make-handler';
import { makeHandler as makeWatchdog } from '../../functions/watchdog/make-handler';
import { startHttpServer } from './http-server';
import { lambdaContext } from './lambda-context';
import { runbookValidator } from './runbook-validator';

export const ROOT = resolve(__dirname, '..', '..');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. */
  port?: number;
  configPath?: string;
  /** Where the outbox and dead letters go. */
  dataDir?: string;
  /** Environment for secrets (SLACK_WEBHOOK_URL) — never process.env implicitly in tests. */
  env?: Record<string, string | undefined>;
  /** Terminal output for notifications and simulator lines. */
  out?: NodeJS.WritableStream;
  color?: boolean;
  /** Delay between simulated SSM status changes. */
  stepMs?: number;
  /** How often the watchdog (dead man's switch) runs, as its 5-minute schedule does in AWS; 0 turns it off. */
  watchdogEveryMs?: number;
  clock?: Clock;
}

export interface LocalStack {
  url: string;
  port: number;
  outboxPath: string;
  deadLetterPath: string;
  store: DynamoDbStore;
  bus: LocalBus;
  executor: LocalRunbookExecutor;
  /** Waits until every queued delivery and simulated SSM status change has been handled. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((res) => server.close(() => res()));
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const out = options.out ?? process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  const clock: Clock = options.clock ?? { now: () => new Date() };
  const dataDir = resolve(options.dataDir ?? join(ROOT, '.runwatch'));
  const outboxPath = join(dataDir, 'outbox.jsonl');
  const deadLetterPath = join(dataDir, 'dead-letters.jsonl');
  const env = options.env ?? {};
  const config = loadConfigFile(resolve(options.configPath ?? join(ROOT, 'runwatch.yml')));

  // Embedded DynamoDB-compatible server (in memory) reached through the very adapter the cloud uses.
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((res, rej) => {
    db.once('error', rej);
    db.listen(0, '127.0.0.1', () => res());
  });
  const dbPort = (db.address() as AddressInfo).port;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dbPort}`,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = 'runwatch-local';
  await ensureTable(client, tableName);
  const store = new DynamoDbStore({ tableName, client });

  const { appendFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true });
  const bus = new LocalBus({
    busName: 'runwatch-local',
    region: REGION,
    account: ACCOUNT,
    clock,
    newId: randomUUID,
    retryDelayMs: 100,
    onDeadLetter: (queue, record, reason) => {
      appendFileSync(deadLetterPath, `${JSON.stringify({ queue, reason, body: record.body })}\n`);
      say(`[local SQS] message moved to the ${queue} dead-letter queue: ${reason}`);
    },
  });

  const outbox = new OutboxNotifier({ path: outboxPath, out, color: options.color ?? false, now: () => clock.now() });
  const notifiersFor = notifierFactory({
    secrets: new EnvSecretSource(env),
    env,
    extra: (receiver) => (receiver.outbox ? [outbox] : []),
  });

  let runbookEvents: ((event: unknown) => Promise<unknown>) | undefined;
  const executor = new LocalRunbookExecutor({
    clock,
    newId: randomUUID,
    validate: runbookValidator(join(ROOT, 'runbooks')),
    emit: async (event) => {
      await runbookEvents?.(event);
    },
    templates: {
      automation: JSON.parse(readFileSync(join(ROOT, 'events', 'ssm-automation-status.eventbridge.json'), 'utf8')),
      command: JSON.parse(readFileSync(join(ROOT, 'events', 'ssm-command-status.eventbridge.json'), 'utf8')),
    },
    documentPrefix: 'runwatch-local-',
    account: ACCOUNT,
    region: REGION,
    stepMs: options.stepMs ?? 500,
    say,
  });

  const runtime = (name: string): Runtime => ({
    stage: 'local',
    config,
    store,
    bus,
    executor,
    notifiersFor,
    clock,
    newId: randomUUID,
    logger: createLogger(name),
    metrics: createMetrics(name),
  });

  const invoke =
    <E, R>(name: string, fn: (event: E, context: ReturnType<typeof lambdaContext>) => Promise<R>) =>
    (event: E) =>
      fn(event, lambdaContext(name, REGION, ACCOUNT));

  const ingestEvents = invoke('ingest-events', makeIngestEvents(runtime('ingest-events')));
  const ingestMetrics = invoke('ingest-metrics', makeIngestMetrics(runtime('ingest-metrics')));
  const dispatch = invoke('dispatch', makeDispatch(runtime('dispatch')));
  const remediate = invoke('remediate', makeRemediate(runtime('remediate')));
  const api = invoke('api', makeApi(runtime('api')));
  const runbookEventsHandler = invoke(
    'runbook-events',
    makeRunbookEvents(runtime('runbook-events'), { documentPrefix: 'runwatch-local-' }),
  );
  runbookEvents = async (event) => runbookEventsHandler(event);
  const watchdog = invoke('watchdog', makeWatchdog(runtime('watchdog')));
  const scheduled = () => ({
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/runwatch-local-watchdog`],
    detail: {},
  });
  const every = options.watchdogEveryMs ?? 60_000;
  const watchdogTimer =
    every > 0
      ? setInterval(() => {
          watchdog(scheduled()).catch((e: unknown) => say(`[local] watchdog failed: ${(e as Error).message}`));
        }, every)
      : undefined;
  watchdogTimer?.unref();

  // The rules of serverless.yml's custom bus, as queues in front of their consumers.
  bus.subscribe({ name: 'alerts', detailTypes: [DetailType.alert], deliver: (e: SQSEvent) => dispatch(e) });
  bus.subscribe({
    name: 'remediation',
    detailTypes: [DetailType.alert, DetailType.runbookRequested, DetailType.runbookApproved],
    deliver: (e: SQSEvent) => remediate(e),
  });

  type Http = (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  const server = await startHttpServer(
    options.port ?? 3000,
    [
      { method: 'POST', path: '/v1/events', handler: ingestEvents as Http },
      { method: 'POST', path: '/v1/metrics', handler: ingestMetrics as Http },
    ],
    api as Http,
  );
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    outboxPath,
    deadLetterPath,
    store,
    bus,
    executor,
    async settle(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        await bus.idle();
        if (executor.pending() === 0) {
          await bus.idle();
          if (executor.pending() === 0) return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`local stack did not settle within ${timeoutMs} ms`);
    },
    async stop() {
      if (watchdogTimer) clearInterval(watchdogTimer);
      executor.close();
      bus.close();
      await closeServer(server);
      client.destroy();
      await closeServer(db);
    },
  };
}
