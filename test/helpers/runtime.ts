// Handler-test runtime: the real DynamoDB store on dynalite, recording bus/notifiers/executor, a settable clock, and Lambda-shaped events.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbStore } from '../../functions/adapters/aws/dynamodb-store';
import { ensureTable } from '../../functions/adapters/aws/table-definition';
import { parseConfig } from '../../functions/core/config/load';
import { type Config, detectorSchema, type Receiver } from '../../functions/core/config/schema';
import { RunwatchError } from '../../functions/core/errors';
import { createLogger, createMetrics } from '../../functions/lib/observability';
import type { Runtime } from '../../functions/lib/runtime';
import type {
  BusEvent,
  Clock,
  EventBus,
  Notification,
  Notifier,
  RunbookExecutor,
  StartRunbookRequest,
  Store,
} from '../../functions/ports';
import { lambdaContext } from '../../scripts/local/lambda-context';
import { type DynaliteHandle, startDynalite } from './dynalite';

const ROOT = join(__dirname, '..', '..');
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
/** After every sample event in events/, so alerts from them are current. */
export const DEFAULT_NOW = '2026-11-27T15:00:00.000Z';

// EMF lines on stdout for every invocation would bury the test report; set RUNWATCH_TEST_LOGS=1 to see logs and metrics.
const verbose = Boolean(process.env.RUNWATCH_TEST_LOGS);
if (!verbose) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Read at construction: setLogLevel() alone is undone by the Logger's warm-start sampling refresh.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
}

// ---- clock -------------------------------------------------------------------

export class TestClock implements Clock {
  #now: number;
  constructor(iso = DEFAULT_NOW) {
    this.#now = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#now);
  }
  set(iso: string): void {
    this.#now = Date.parse(iso);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

// ---- bus ---------------------------------------------------------------------

/** A PutEvents entry as EventBridge hands it to a target: the full event, id and time assigned at put. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface SqsDeliveryOptions {
  /** Queue name in the record's ARN (`alerts` feeds dispatch, `remediation` feeds remediate). */
  queue?: string;
  /** ApproximateReceiveCount: 2, 3, ... for redeliveries of the same message. */
  receiveCount?: number;
  /** Keep message ids stable across redeliveries (SQS does); by default derived from the event id and queue. */
  messageIds?: string[];
  sentAt?: Date;
}

/** Turns EventBridge events into the SQS event a queue target's consumer Lambda receives. */
export function toSqsEvent(envelopes: EventBridgeEnvelope[], options: SqsDeliveryOptions = {}): SQSEvent {
  const queue = options.queue ?? 'alerts';
  return {
    Records: envelopes.map((e, i) =>
      sqsRecord(JSON.stringify(e), {
        ...options,
        queue,
        messageId: options.messageIds?.[i] ?? uuidOf(`${queue}:${e.id}`),
      }),
    ),
  };
}

/** One SQS record with `body` as sent; for poison messages and hand-made bodies. */
export function sqsRecord(
  body: string,
  options: Omit<SqsDeliveryOptions, 'messageIds'> & { messageId?: string } = {},
): SQSRecord {
  const queue = options.queue ?? 'alerts';
  const sent = String((options.sentAt ?? new Date(DEFAULT_NOW)).getTime());
  const messageId = options.messageId ?? randomUUID();
  return {
    messageId,
    receiptHandle: Buffer.from(`${messageId}:${options.receiveCount ?? 1}`).toString('base64'),
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: sent,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: sent,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:runwatch-test-${queue}`,
    awsRegion: REGION,
  };
}

function uuidOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Keeps what handlers publish, wrapped as EventBridge would wrap each entry. */
export class RecordingBus implements EventBus {
  readonly published: BusEvent[] = [];
  readonly envelopes: EventBridgeEnvelope[] = [];
  #failures: Error[] = [];

  constructor(private readonly clock: Clock) {}

  async publish(events: BusEvent[]): Promise<void> {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    for (const event of events) {
      this.published.push(structuredClone(event));
      this.envelopes.push({
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: 'runwatch',
        account: ACCOUNT,
        time: this.clock
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: REGION,
        resources: [],
        detail: structuredClone(event.detail),
      });
    }
  }

  /** The next publish throws `error` (e.g. a retryable DependencyError). */
  failNextPublish(error: Error): void {
    this.#failures.push(error);
  }

  eventsOf(detailType: string): BusEvent[] {
    return this.published.filter((e) => e.detailType === detailType);
  }

  /** SQS delivery of the matching envelopes (all of them when no detail type is given). */
  sqsEvent(detailTypes?: string | string[], options: SqsDeliveryOptions = {}): SQSEvent {
    const types = detailTypes === undefined ? undefined : [detailTypes].flat();
    return toSqsEvent(
      this.envelopes.filter((e) => !types || types.includes(e['detail-type'])),
      options,
    );
  }

  clear(): void {
    this.published.length = 0;
    this.envelopes.length = 0;
  }
}

// ---- notifiers -----------------------------------------------------------------

export type TestIntegration = 'slack' | 'outbox' | 'sns';

export interface SentNotification {
  receiver: string;
  kind: TestIntegration;
  notification: Notification;
}

/** One recording notifier per receiver and integration; failures can be queued per integration. */
export class RecordingNotifiers {
  readonly sent: SentNotification[] = [];
  readonly attempts: SentNotification[] = [];
  readonly #failures = new Map<TestIntegration, RunwatchError[]>();
  readonly #cache = new Map<string, Notifier[]>();

  constructor(private readonly kinds: TestIntegration[]) {}

  /** The next `times` sends through `kind` throw; retryable or permanent as the flag says. */
  fail(kind: TestIntegration, options: { retryable: boolean; times?: number; message?: string }): void {
    const list = this.#failures.get(kind) ?? [];
    for (let i = 0; i < (options.times ?? 1); i++) {
      list.push(
        new RunwatchError(options.message ?? `${kind} ${options.retryable ? 'unavailable' : 'rejected the message'}`, {
          retryable: options.retryable,
        }),
      );
    }
    this.#failures.set(kind, list);
  }

  /** The integrations a receiver has: the configured ones among the kinds this test records. */
  notifiersFor = (receiver: Receiver): Notifier[] => {
    const hit = this.#cache.get(receiver.name);
    if (hit) return hit;
    const list = this.kinds
      .filter((kind) => receiver[kind] !== undefined)
      .map((kind): Notifier => {
        const notifiers = this;
        return {
          kind,
          async send(notification: Notification) {
            const entry = { receiver: receiver.name, kind, notification: structuredClone(notification) };
            notifiers.attempts.push(entry);
            const failure = notifiers.#failures.get(kind)?.shift();
            if (failure) throw failure;
            notifiers.sent.push(entry);
          },
        };
      });
    this.#cache.set(receiver.name, list);
    return list;
  };

  /** Sent notifications whose subject contains `text`. */
  withSubject(text: string): SentNotification[] {
    return this.sent.filter((s) => s.notification.subject.includes(text));
  }

  clear(): void {
    this.sent.length = 0;
    this.attempts.length = 0;
  }
}

// ---- executor ------------------------------------------------------------------

export class RecordingExecutor implements RunbookExecutor {
  readonly started: (StartRunbookRequest & { ssmExecutionId: string })[] = [];
  readonly #failures: Error[] = [];

  async start(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const ssmExecutionId = randomUUID();
    this.started.push({ ...structuredClone(request), ssmExecutionId });
    return { ssmExecutionId };
  }

  /** The next start throws `error`. */
  failNext(error: Error): void {
    this.#failures.push(error);
  }
}

// ---- runtime ---------------------------------------------------------------------

export interface TestRuntimeOptions {
  /** runwatch.yml text; the repository's runwatch.yml by default. */
  configYaml?: string;
  config?: Config;
  stage?: string;
  now?: string;
  /** Share a clock with something built before the runtime (e.g. a LocalRunbookExecutor). */
  clock?: TestClock;
  /** Integrations each receiver gets (only those its config names). Default slack and outbox. */
  integrations?: TestIntegration[];
  /** Swap in another executor (e.g. the LocalRunbookExecutor). */
  executor?: RunbookExecutor;
  /** Wrap the real store, e.g. to hold calls at a barrier in race tests. */
  wrapStore?: (store: Store) => Store;
}

export interface TestRuntime extends Runtime {
  /** The real store, unwrapped, for assertions. */
  db: DynamoDbStore;
  bus: RecordingBus;
  clock: TestClock;
  notifiers: RecordingNotifiers;
  executor: RunbookExecutor;
  recordingExecutor: RecordingExecutor;
  tableName: string;
  /** The same ports with the logger and metrics of another function. */
  forFunction(name: string): Runtime;
}

let shared: Promise<DynaliteHandle> | undefined;
let tables = 0;

export function repoConfig(): Config {
  return parseConfig(readFileSync(join(ROOT, 'runwatch.yml'), 'utf8'));
}

/**
 * The repository's config with its first detector swapped for the rolling median/MAD baseline: handler tests
 * that inspect the stored model (a window of values) stay independent of which engine runwatch.yml ships.
 */
export function baselineConfig(): Config {
  const config = repoConfig();
  const [first, ...rest] = config.detectors;
  const baseline = detectorSchema.parse({
    name: first?.name ?? 'genai-usage',
    match: first?.match ?? {},
    kind: 'robust-baseline',
    window: 60,
    minPoints: 20,
    threshold: 6,
    severity: first?.severity ?? 'warning',
  });
  return { ...config, detectors: [baseline, ...rest] };
}

/** A Runtime over a fresh table of a shared in-process dynalite; call stopTestDynalite() in afterAll. */
export async function makeTestRuntime(options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  shared ??= startDynalite('runwatch-handlers');
  const handle = await shared;
  tables += 1;
  const tableName = `runwatch-handlers-${tables}`;
  await ensureTable(handle.client, tableName);
  const db = new DynamoDbStore({ tableName, client: handle.client });
  const clock = options.clock ?? new TestClock(options.now);
  const bus = new RecordingBus(clock);
  const notifiers = new RecordingNotifiers(options.integrations ?? ['slack', 'outbox']);
  const recordingExecutor = new RecordingExecutor();
  const config = options.config ?? (options.configYaml ? parseConfig(options.configYaml) : repoConfig());
  const store = options.wrapStore ? options.wrapStore(db) : db;

  const forFunction = (name: string): Runtime => {
    const logger = createLogger(name);
    const metrics = createMetrics(name);
    if (!verbose) {
      // Its "no application metrics" warning goes to stdout past any setting; say nothing when there is nothing.
      const publish = metrics.publishStoredMetrics.bind(metrics);
      metrics.publishStoredMetrics = () => (metrics.hasStoredMetrics() ? publish() : metrics);
    }
    return {
      stage: options.stage ?? 'test',
      config,
      store,
      bus,
      executor: options.executor ?? recordingExecutor,
      notifiersFor: notifiers.notifiersFor,
      clock,
      newId: randomUUID,
      logger,
      metrics,
    };
  };
  return {
    ...forFunction('test'),
    db,
    bus,
    clock,
    notifiers,
    executor: options.executor ?? recordingExecutor,
    recordingExecutor,
    tableName,
    forFunction,
  };
}

export async function stopTestDynalite(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (pending) await (await pending).stop();
}

// ---- Lambda-shaped invocation ------------------------------------------------------

export function context(functionName: string): Context {
  return lambdaContext(functionName, REGION, ACCOUNT);
}

export interface HttpRequest {
  body?: string | object;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** IAM principal (requestContext.authorizer.iam.userArn), as the IAM-authorized HTTP API passes it. */
  userArn?: string;
  now?: Date;
}

/** An API Gateway HTTP API (payload 2.0) event for `method path`. */
export function httpEvent(method: string, path: string, request: HttpRequest = {}): APIGatewayProxyEventV2 {
  const now = request.now ?? new Date(DEFAULT_NOW);
  const headers: Record<string, string> = { host: 'abc123.execute-api.us-east-1.amazonaws.com' };
  for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
  if (request.body !== undefined) headers['content-type'] ??= 'application/json';
  const query = request.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  const requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { iam: Record<string, string | null> };
  } = {
    accountId: ACCOUNT,
    apiId: 'abc123',
    domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'abc123',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: headers['user-agent'] ?? 'test' },
    requestId: randomUUID(),
    routeKey: '$default',
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
  };
  if (request.userArn) {
    requestContext.authorizer = {
      iam: {
        accessKey: 'ASIAEXAMPLEACCESSKEY',
        accountId: ACCOUNT,
        callerId: 'AROAEXAMPLEID:oncall',
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: request.userArn,
        userId: 'AROAEXAMPLEID:oncall',
      },
    };
  }
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers,
    requestContext,
    isBase64Encoded: false,
  };
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (request.body !== undefined)
    event.body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  return event;
}

/** The JSON body of an HTTP result. */
export function bodyOf<T = Record<string, unknown>>(result: unknown): T {
  const r = result as { body?: string };
  return JSON.parse(r.body ?? 'null') as T;
}
