// The Store port over one DynamoDB table: alerts, notification log, silences, executions and detector state for every function.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors';
import type {
  AlertRecord,
  DueSeries,
  ExecutionRecord,
  ExecutionStatus,
  SeriesMeta,
  SeriesState,
  Silence,
  Store,
} from '../../ports';
import { packState, unpackState } from '../stored-state';
import { awsErrorName, callAws } from './errors';
import { GSI1, GSI2, TTL_ATTRIBUTE } from './table-definition';

export interface DynamoDbStoreOptions {
  tableName: string;
  /** A document client is used as is; a plain client is wrapped. Defaults to a client from the Lambda environment. */
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

type Item = Record<string, unknown>;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', TTL_ATTRIBUTE] as const;
/** Silences stay readable for a week after they end, for the audit trail, then TTL removes them. */
const SILENCE_RETENTION_SECONDS = 7 * 24 * 3600;

const key = {
  alert: (id: string) => ({ pk: `ALERT#${id}`, sk: 'ALERT' }),
  nflog: (k: string) => ({ pk: `NFLOG#${k}`, sk: 'NFLOG' }),
  silence: (id: string) => ({ pk: `SILENCE#${id}`, sk: 'SILENCE' }),
  execution: (id: string) => ({ pk: `EXEC#${id}`, sk: 'EXEC' }),
  ssmPointer: (ssmId: string) => ({ pk: `SSMEXEC#${ssmId}`, sk: 'SSMEXEC' }),
  series: (k: string) => ({ pk: `SERIES#${k}`, sk: 'STATE' }),
  source: (name: string) => ({ pk: `SOURCE#${name}`, sk: 'QUALITY' }),
};

/**
 * Listed series spread over this many gsi2 partitions: every series write also writes the index, and one
 * partition key value takes at most 1000 writes a second, far below a million series at one-minute resolution.
 */
export const SERIES_SHARDS = 16;

/** gsi2pk of a listed series: `SERIES#00` … `SERIES#15` by a hash of its key. */
export function seriesShard(seriesKey: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < seriesKey.length; i++) h = Math.imul(h ^ seriesKey.charCodeAt(i), 0x01000193) >>> 0;
  return `SERIES#${String(h % SERIES_SHARDS).padStart(2, '0')}`;
}

/** gsi2sk of a listed series: due time first, so a range query finds the overdue ones and nothing else. */
function dueSortKey(staleAtMs: number, seriesKey: string): string {
  return `${new Date(staleAtMs).toISOString()}#${seriesKey}`;
}

export class DynamoDbStore implements Store {
  readonly #tableName: string;
  readonly #client: DynamoDBDocumentClient;

  constructor(options: DynamoDbStoreOptions) {
    this.#tableName = options.tableName;
    const client = options.client ?? new DynamoDBClient({});
    this.#client =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  // ---- alerts ----------------------------------------------------------------

  async putAlert(record: AlertRecord): Promise<void> {
    await this.#put('PutItem alert', {
      ...withoutUndefined(record),
      ...key.alert(record.id),
      gsi1pk: 'ALERTS',
      gsi1sk: `${record.updatedAt}#${record.id}`,
    });
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    return (await this.#get('GetItem alert', key.alert(id))) as AlertRecord | undefined;
  }

  async listAlerts(): Promise<AlertRecord[]> {
    return (await this.#queryIndex('ALERTS', false)) as unknown as AlertRecord[];
  }

  async ackAlert(id: string, by: string, at: string): Promise<AlertRecord | undefined> {
    return (await this.#conditionalUpdate('UpdateItem alert ack', {
      TableName: this.#tableName,
      Key: key.alert(id),
      UpdateExpression: 'SET #ackedBy = :by, #ackedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#ackedBy': 'ackedBy', '#ackedAt': 'ackedAt' },
      ExpressionAttributeValues: { ':by': by, ':at': at },
      ReturnValues: 'ALL_NEW',
    })) as AlertRecord | undefined;
  }

  // ---- notification log --------------------------------------------------------

  async recordNotificationOnce(
    nflogKey: string,
    entry: { fingerprint: string; receiver: string; at: string; ttlSeconds: number },
  ): Promise<boolean> {
    // Expiry counts from the notification time, not the wall clock, so a replayed event expires like the original.
    const expiresAt = epochSeconds(entry.at) + Math.max(0, Math.ceil(entry.ttlSeconds));
    return this.#putIfAbsent('PutItem notification log', {
      ...key.nflog(nflogKey),
      fingerprint: entry.fingerprint,
      receiver: entry.receiver,
      at: entry.at,
      [TTL_ATTRIBUTE]: expiresAt,
    });
  }

  async releaseNotification(nflogKey: string): Promise<void> {
    await callAws('DeleteItem notification log', () =>
      this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: key.nflog(nflogKey) })),
    );
  }

  // ---- silences -------------------------------------------------------------------

  async putSilence(silence: Silence): Promise<void> {
    await this.#put('PutItem silence', {
      ...withoutUndefined(silence),
      ...key.silence(silence.id),
      gsi1pk: 'SILENCES',
      gsi1sk: `${silence.endsAt}#${silence.id}`,
      [TTL_ATTRIBUTE]: epochSeconds(silence.endsAt) + SILENCE_RETENTION_SECONDS,
    });
  }

  async listSilences(): Promise<Silence[]> {
    return (await this.#queryIndex('SILENCES', true)) as unknown as Silence[];
  }

  // ---- executions -------------------------------------------------------------------

  async createExecution(record: ExecutionRecord): Promise<boolean> {
    return this.#putIfAbsent('PutItem execution', {
      ...withoutUndefined(record),
      ...key.execution(record.id),
      gsi1pk: 'EXECS',
      gsi1sk: `${record.createdAt}#${record.id}`,
    });
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return (await this.#get('GetItem execution', key.execution(id))) as ExecutionRecord | undefined;
  }

  async getExecutionBySsmId(ssmExecutionId: string): Promise<ExecutionRecord | undefined> {
    const pointer = await this.#get('GetItem execution pointer', key.ssmPointer(ssmExecutionId));
    const executionId = pointer?.['executionId'];
    return typeof executionId === 'string' ? this.getExecution(executionId) : undefined;
  }

  async listExecutions(): Promise<ExecutionRecord[]> {
    return (await this.#queryIndex('EXECS', false)) as unknown as ExecutionRecord[];
  }

  async updateExecution(
    id: string,
    patch: Partial<Omit<ExecutionRecord, 'id'>>,
    expected?: ExecutionStatus[],
  ): Promise<ExecutionRecord | undefined> {
    // An empty IN () is not valid DynamoDB syntax, and no status can match it anyway.
    if (expected !== undefined && expected.length === 0) return undefined;
    // Undefined patch fields mean "leave as is", as in a JSON body; nothing is removed.
    const fields = Object.entries(patch).filter(([name, value]) => value !== undefined && name !== 'id');
    if (fields.length === 0) {
      const current = await this.getExecution(id);
      if (current === undefined) return undefined;
      return expected === undefined || expected.includes(current.status) ? current : undefined;
    }

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    fields.forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    if (patch.createdAt !== undefined) {
      names['#gsi1sk'] = 'gsi1sk';
      values[':gsi1sk'] = `${patch.createdAt}#${id}`;
      sets.push('#gsi1sk = :gsi1sk');
    }
    let condition = 'attribute_exists(pk)';
    if (expected !== undefined) {
      names['#status'] = 'status';
      const placeholders = expected.map((status, i) => {
        values[`:s${i}`] = status;
        return `:s${i}`;
      });
      condition += ` AND #status IN (${placeholders.join(', ')})`;
    }

    // The pointer goes first: an SSM status event can arrive right after the start, and once the
    // execution shows its SSM id the lookup by that id must work. A retry rewrites the same pointer.
    if (patch.ssmExecutionId !== undefined) {
      await this.#put('PutItem execution pointer', { ...key.ssmPointer(patch.ssmExecutionId), executionId: id });
    }
    return (await this.#conditionalUpdate('UpdateItem execution', {
      TableName: this.#tableName,
      Key: key.execution(id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: withoutUndefined(values),
      ReturnValues: 'ALL_NEW',
    })) as ExecutionRecord | undefined;
  }

  async countExecutionsSince(runbook: string, sinceIso: string): Promise<number> {
    let count = 0;
    let startKey: Item | undefined;
    do {
      const page = await callAws('Query executions count', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: GSI1,
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk >= :since',
            // Only executions that reached SSM (or are being sent) use up the rate limit.
            FilterExpression: '#runbook = :runbook AND (attribute_exists(ssmExecutionId) OR #status = :starting)',
            ExpressionAttributeNames: { '#runbook': 'runbook', '#status': 'status' },
            ExpressionAttributeValues: {
              ':pk': 'EXECS',
              ':since': sinceIso,
              ':runbook': runbook,
              ':starting': 'Starting',
            },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return count;
  }

  // ---- detector state --------------------------------------------------------------

  async getSeriesState(seriesKey: string, knownWriteId?: string): Promise<SeriesState | undefined> {
    const item = await this.#get('GetItem series state', key.series(seriesKey));
    return item === undefined ? undefined : readVersioned(item, knownWriteId);
  }

  async putSeriesState(
    seriesKey: string,
    state: unknown,
    expectedVersion: number,
    meta?: SeriesMeta,
    writeId?: string,
  ): Promise<boolean> {
    // A PutItem replaces the whole item: the stale mark goes, and the listing is whatever `meta` says now.
    const item: Item = { ...key.series(seriesKey), ...versionedState(state, expectedVersion) };
    if (writeId !== undefined) item.writeId = writeId;
    if (meta) {
      item.labels = { ...meta.labels };
      item.lastSeenMs = meta.lastSeenMs;
      if (meta.intervalMs !== undefined) item.intervalMs = meta.intervalMs;
      if (meta.staleAtMs !== undefined) {
        item.gsi2pk = seriesShard(seriesKey);
        item.gsi2sk = dueSortKey(meta.staleAtMs, seriesKey);
      }
    }
    return this.#putVersioned('PutItem series state', item, expectedVersion);
  }

  async listSeriesDueBefore(beforeIso: string, limit: number): Promise<DueSeries[]> {
    if (limit <= 0) return [];
    // `$` sorts right after `#`: every `<due>#<key>` with due ≤ before, whatever the key.
    const bound = `${isoOf(beforeIso)}$`;
    const shards = Array.from({ length: SERIES_SHARDS }, (_, i) => `SERIES#${String(i).padStart(2, '0')}`);
    const pages = await Promise.all(shards.map((shard) => this.#queryDue(shard, bound, limit)));
    return pages
      .flat()
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .slice(0, limit)
      .map((e) => e.series);
  }

  async markSeriesStale(seriesKey: string, expectedVersion: number, sinceIso: string): Promise<boolean> {
    return this.#updateIf('UpdateItem series stale mark', {
      TableName: this.#tableName,
      Key: key.series(seriesKey),
      UpdateExpression: 'SET #staleSince = :since, #version = :next',
      ConditionExpression: '#version = :expected AND attribute_not_exists(#staleSince)',
      ExpressionAttributeNames: { '#staleSince': 'staleSince', '#version': 'version' },
      ExpressionAttributeValues: { ':since': sinceIso, ':next': expectedVersion + 1, ':expected': expectedVersion },
    });
  }

  async relistSeries(seriesKey: string, expectedVersion: number, staleAtMs: number | null): Promise<boolean> {
    const listed = staleAtMs !== null;
    return this.#updateIf('UpdateItem series listing', {
      TableName: this.#tableName,
      Key: key.series(seriesKey),
      UpdateExpression: listed ? 'SET #gpk = :gpk, #gsk = :gsk' : 'REMOVE #gpk, #gsk',
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#gpk': 'gsi2pk', '#gsk': 'gsi2sk', '#version': 'version' },
      ExpressionAttributeValues: listed
        ? { ':gpk': seriesShard(seriesKey), ':gsk': dueSortKey(staleAtMs, seriesKey), ':expected': expectedVersion }
        : { ':expected': expectedVersion },
    });
  }

  // ---- input-source state ------------------------------------------------------------

  async getSourceState(source: string): Promise<SeriesState | undefined> {
    const item = await this.#get('GetItem source state', key.source(source));
    return item === undefined ? undefined : readVersioned(item);
  }

  async putSourceState(source: string, state: unknown, expectedVersion: number): Promise<boolean> {
    const item = { ...key.source(source), ...versionedState(state, expectedVersion) };
    return this.#putVersioned('PutItem source state', item, expectedVersion);
  }

  // ---- plumbing ----------------------------------------------------------------------

  /** Conditional write of a versioned item: created when `expectedVersion` is 0, else only over that version. */
  async #putVersioned(what: string, item: Item, expectedVersion: number): Promise<boolean> {
    const isNew = expectedVersion === 0;
    return this.#putIfAbsent(
      what,
      item,
      isNew ? 'attribute_not_exists(pk)' : '#version = :expected',
      isNew ? undefined : { names: { '#version': 'version' }, values: { ':expected': expectedVersion } },
    );
  }

  /** Conditional update; false when the condition failed. */
  async #updateIf(what: string, input: UpdateCommandInput): Promise<boolean> {
    return callAws(what, async () => {
      try {
        await this.#client.send(new UpdateCommand(input));
        return true;
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  /** One shard's due series, every page until `limit` of them. */
  async #queryDue(shard: string, bound: string, limit: number): Promise<{ sk: string; series: DueSeries }[]> {
    const out: { sk: string; series: DueSeries }[] = [];
    let startKey: Item | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.#tableName,
        IndexName: GSI2,
        KeyConditionExpression: '#gpk = :pk AND #gsk < :bound',
        // The state is the bulk of the item and the watchdog does not need it.
        ProjectionExpression: '#pk, #gsk, #version, #labels, #lastSeenMs, #intervalMs, #staleSince',
        ExpressionAttributeNames: {
          '#pk': 'pk',
          '#gpk': 'gsi2pk',
          '#gsk': 'gsi2sk',
          '#version': 'version',
          '#labels': 'labels',
          '#lastSeenMs': 'lastSeenMs',
          '#intervalMs': 'intervalMs',
          '#staleSince': 'staleSince',
        },
        ExpressionAttributeValues: { ':pk': shard, ':bound': bound },
        ScanIndexForward: true,
        Limit: limit - out.length,
        ExclusiveStartKey: startKey,
      };
      const page = await callAws(`Query ${shard}`, () => this.#client.send(new QueryCommand(input)));
      for (const item of page.Items ?? []) {
        const sk = String(item.gsi2sk);
        out.push({ sk, series: dueSeriesOf(item, sk) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && out.length < limit);
    return out;
  }

  async #put(what: string, item: Item): Promise<void> {
    await callAws(what, () => this.#client.send(new PutCommand({ TableName: this.#tableName, Item: item })));
  }

  /** Conditional put; false when the condition failed (the item exists, or the version moved on). */
  async #putIfAbsent(
    what: string,
    item: Item,
    condition = 'attribute_not_exists(pk)',
    attributes?: { names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<boolean> {
    return callAws(what, async () => {
      try {
        await this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: attributes?.names,
            ExpressionAttributeValues: attributes?.values,
          }),
        );
        return true;
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  async #conditionalUpdate(what: string, input: UpdateCommandInput): Promise<Item | undefined> {
    return callAws(what, async () => {
      try {
        const out = await this.#client.send(new UpdateCommand(input));
        return out.Attributes === undefined ? undefined : stripKeys(out.Attributes);
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    });
  }

  async #get(what: string, itemKey: Item): Promise<Item | undefined> {
    const out = await callAws(what, () =>
      this.#client.send(new GetCommand({ TableName: this.#tableName, Key: itemKey, ConsistentRead: true })),
    );
    if (out.Item === undefined) return undefined;
    return stripKeys(out.Item);
  }

  /** All items of one collection through gsi1, every page; `ascending` orders by gsi1sk. */
  async #queryIndex(partition: string, ascending: boolean): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.#tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: ascending,
        ExclusiveStartKey: startKey,
      };
      const page = await callAws(`Query ${partition}`, () => this.#client.send(new QueryCommand(input)));
      for (const item of page.Items ?? []) items.push(stripKeys(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }
}

/**
 * State is stored as deflated JSON in a binary attribute (stored-state.ts): JSON round-trips exactly what the
 * detector wrote, DynamoDB's number rules would not, and deflated it costs 3 write units instead of 4–5.
 */
function versionedState(state: unknown, expectedVersion: number): Item {
  return { version: expectedVersion + 1, state: packState(state) };
}

/** The item's version and state; the state stays packed when the caller wrote it itself (`knownWriteId`). */
function readVersioned(item: Item, knownWriteId?: string): SeriesState {
  const { version, state, staleSince, writeId } = item;
  const same = knownWriteId !== undefined && writeId === knownWriteId;
  const out: SeriesState = { version: Number(version), state: same ? undefined : unpackState(state) };
  if (typeof staleSince === 'string') out.staleSince = staleSince;
  if (typeof writeId === 'string') out.writeId = writeId;
  if (item.labels && typeof item.labels === 'object') out.labels = stringMap(item.labels);
  if (same) out.unchanged = true;
  return out;
}

function stringMap(value: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function dueSeriesOf(item: Item, sk: string): DueSeries {
  const labels = item.labels && typeof item.labels === 'object' ? stringMap(item.labels) : {};
  const series: DueSeries = {
    key: String(item.pk).slice('SERIES#'.length),
    version: Number(item.version),
    labels,
    lastSeenMs: Number(item.lastSeenMs),
    staleAtMs: Date.parse(sk.slice(0, sk.indexOf('#'))),
  };
  if (item.intervalMs !== undefined) series.intervalMs = Number(item.intervalMs);
  if (typeof item.staleSince === 'string') series.staleSince = item.staleSince;
  return series;
}

function isoOf(time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms))
    throw new ValidationError(`not an ISO-8601 time: ${time}`, [{ path: 'time', message: 'not ISO-8601' }]);
  return new Date(ms).toISOString();
}

function stripKeys(item: Item): Item {
  const out: Item = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out;
}

/** Deep copy without undefined values, so an injected document client needs no special marshall options. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => withoutUndefined(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out as T;
  }
  return value;
}

function epochSeconds(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    throw new ValidationError(`not an ISO-8601 time: ${iso}`, [{ path: 'time', message: 'not ISO-8601' }]);
  return Math.floor(ms / 1000);
}
