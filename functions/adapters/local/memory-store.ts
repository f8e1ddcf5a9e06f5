// The Store port in memory, with the DynamoDB adapter's conditional semantics and orderings: benchmarks and tests.
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

/** A stored series or source item: versioned JSON state, plus what the watchdog reads (like the table's attributes). */
export interface StoredSeries {
  version: number;
  /** The state as the DynamoDB adapter stores it (deflated JSON, stored-state.ts). */
  packed: Uint8Array;
  meta?: SeriesMeta;
  staleSince?: string;
  writeId?: string;
}

export interface NotificationLogEntry {
  fingerprint: string;
  receiver: string;
  at: string;
  ttlSeconds: number;
}

/** Copies on the way in and out, so a caller mutating what it got never changes what is stored (as with a table). */
function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Drops undefined fields the way the DynamoDB adapter does before writing. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class MemoryStore implements Store {
  readonly alerts = new Map<string, AlertRecord>();
  readonly notificationLog = new Map<string, NotificationLogEntry>();
  readonly silences = new Map<string, Silence>();
  readonly executions = new Map<string, ExecutionRecord>();
  readonly ssmPointers = new Map<string, string>();
  readonly series = new Map<string, StoredSeries>();
  readonly sources = new Map<string, StoredSeries>();

  async putAlert(record: AlertRecord): Promise<void> {
    this.alerts.set(record.id, copy(defined(record)));
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    const record = this.alerts.get(id);
    return record && copy(record);
  }

  /** Newest update first, like the adapter's descending query on `updatedAt#id`. */
  async listAlerts(): Promise<AlertRecord[]> {
    return [...this.alerts.values()]
      .sort((a, b) => sortKey(b.updatedAt, b.id).localeCompare(sortKey(a.updatedAt, a.id)))
      .map(copy);
  }

  async ackAlert(id: string, by: string, at: string): Promise<AlertRecord | undefined> {
    const record = this.alerts.get(id);
    if (!record) return undefined;
    const updated = { ...record, ackedBy: by, ackedAt: at };
    this.alerts.set(id, updated);
    return copy(updated);
  }

  async recordNotificationOnce(key: string, entry: NotificationLogEntry): Promise<boolean> {
    if (this.notificationLog.has(key)) return false;
    this.notificationLog.set(key, copy(entry));
    return true;
  }

  async releaseNotification(key: string): Promise<void> {
    this.notificationLog.delete(key);
  }

  async putSilence(silence: Silence): Promise<void> {
    this.silences.set(silence.id, copy(silence));
  }

  /** Ending soonest first, like the adapter's ascending query on `endsAt#id`. */
  async listSilences(): Promise<Silence[]> {
    return [...this.silences.values()]
      .sort((a, b) => sortKey(a.endsAt, a.id).localeCompare(sortKey(b.endsAt, b.id)))
      .map(copy);
  }

  async createExecution(record: ExecutionRecord): Promise<boolean> {
    if (this.executions.has(record.id)) return false;
    this.executions.set(record.id, copy(defined(record)));
    return true;
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const record = this.executions.get(id);
    return record && copy(record);
  }

  async getExecutionBySsmId(ssmExecutionId: string): Promise<ExecutionRecord | undefined> {
    const id = this.ssmPointers.get(ssmExecutionId);
    return id === undefined ? undefined : this.getExecution(id);
  }

  /** Newest first, like the adapter's descending query on `createdAt#id`. */
  async listExecutions(): Promise<ExecutionRecord[]> {
    return [...this.executions.values()]
      .sort((a, b) => sortKey(b.createdAt, b.id).localeCompare(sortKey(a.createdAt, a.id)))
      .map(copy);
  }

  async updateExecution(
    id: string,
    patch: Partial<Omit<ExecutionRecord, 'id'>>,
    expected?: ExecutionStatus[],
  ): Promise<ExecutionRecord | undefined> {
    if (expected !== undefined && expected.length === 0) return undefined;
    // The adapter writes the SSM pointer before the conditional update, so it exists even when the condition fails.
    if (patch.ssmExecutionId !== undefined) this.ssmPointers.set(patch.ssmExecutionId, id);
    const current = this.executions.get(id);
    if (!current) return undefined;
    if (expected !== undefined && !expected.includes(current.status)) return undefined;
    const fields = defined(copy(patch)) as Partial<ExecutionRecord>;
    delete fields.id;
    const updated: ExecutionRecord = { ...current, ...fields };
    this.executions.set(id, updated);
    return copy(updated);
  }

  /** String comparison on `createdAt#id >= since`, as the adapter's key condition does. */
  async countExecutionsSince(runbook: string, sinceIso: string): Promise<number> {
    let n = 0;
    for (const e of this.executions.values()) {
      const started = e.ssmExecutionId !== undefined || e.status === 'Starting';
      if (e.runbook === runbook && started && sortKey(e.createdAt, e.id) >= sinceIso) n += 1;
    }
    return n;
  }

  async getSeriesState(key: string, knownWriteId?: string): Promise<SeriesState | undefined> {
    return readVersioned(this.series.get(key), knownWriteId);
  }

  /** Stored packed like the adapter, so tests see exactly what survives a round trip; a write clears the stale mark. */
  async putSeriesState(
    key: string,
    state: unknown,
    expectedVersion: number,
    meta?: SeriesMeta,
    writeId?: string,
  ): Promise<boolean> {
    const current = this.series.get(key)?.version ?? 0;
    if (current !== expectedVersion) return false;
    const item: StoredSeries = { version: expectedVersion + 1, packed: packState(state) };
    if (meta) item.meta = copy(defined(meta));
    if (writeId !== undefined) item.writeId = writeId;
    this.series.set(key, item);
    return true;
  }

  /** Due at or before `beforeIso`, most overdue first (ties by key), like the adapter's merged shard queries. */
  async listSeriesDueBefore(beforeIso: string, limit: number): Promise<DueSeries[]> {
    const before = Date.parse(beforeIso);
    const due: DueSeries[] = [];
    for (const [key, item] of this.series) {
      const meta = item.meta;
      if (meta?.staleAtMs === undefined || meta.staleAtMs > before) continue;
      const entry: DueSeries = { ...copy(meta), key, version: item.version };
      if (item.staleSince !== undefined) entry.staleSince = item.staleSince;
      due.push(entry);
    }
    return due
      .sort((a, b) => (a.staleAtMs as number) - (b.staleAtMs as number) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, Math.max(0, limit));
  }

  async markSeriesStale(key: string, expectedVersion: number, sinceIso: string): Promise<boolean> {
    const item = this.series.get(key);
    if (!item || item.version !== expectedVersion || item.staleSince !== undefined) return false;
    this.series.set(key, { ...item, version: expectedVersion + 1, staleSince: sinceIso });
    return true;
  }

  async relistSeries(key: string, expectedVersion: number, staleAtMs: number | null): Promise<boolean> {
    const item = this.series.get(key);
    if (!item || item.version !== expectedVersion) return false;
    if (item.meta) {
      const meta = { ...item.meta };
      if (staleAtMs === null) delete meta.staleAtMs;
      else meta.staleAtMs = staleAtMs;
      this.series.set(key, { ...item, meta });
    }
    return true;
  }

  async getSourceState(source: string): Promise<SeriesState | undefined> {
    return readVersioned(this.sources.get(source));
  }

  async putSourceState(source: string, state: unknown, expectedVersion: number): Promise<boolean> {
    const current = this.sources.get(source)?.version ?? 0;
    if (current !== expectedVersion) return false;
    this.sources.set(source, { version: expectedVersion + 1, packed: packState(state) });
    return true;
  }
}

/** Like the adapter: the state stays packed when the caller wrote it itself (`knownWriteId`). */
function readVersioned(item: StoredSeries | undefined, knownWriteId?: string): SeriesState | undefined {
  if (!item) return undefined;
  const same = knownWriteId !== undefined && item.writeId === knownWriteId;
  const out: SeriesState = { version: item.version, state: same ? undefined : unpackState(item.packed) };
  if (item.staleSince !== undefined) out.staleSince = item.staleSince;
  if (item.writeId !== undefined) out.writeId = item.writeId;
  if (item.meta) out.labels = { ...item.meta.labels };
  if (same) out.unchanged = true;
  return out;
}

function sortKey(time: string, id: string): string {
  return `${time}#${id}`;
}
