// Runbook lifecycle over the ports: create once, guard, claim, start on SSM, track status, tell on-call.

import type { ExecutionRecord, ExecutionStatus, Notifier, RunbookExecutor, Store } from '../../ports';
import type { Config, Receiver } from '../config/schema';
import { RunwatchError } from '../errors';
import { renderExecutionNotification } from '../render/notification';
import { type NewExecution, newExecutionRecord, rateLimitDecision, TERMINAL } from './execution';

export interface RunbookDecision {
  executionId: string;
  outcome: 'created' | 'duplicate' | 'awaiting-approval' | 'rejected' | 'started' | 'skipped' | 'failed' | 'updated';
  reason: string;
}

export interface RunbookContext {
  now: Date;
  config: Config;
  store: Store;
  executor: RunbookExecutor;
  notifiersFor(receiver: Receiver): Notifier[];
  decide(decision: RunbookDecision): void;
}

const HOUR = 3_600_000;

/**
 * Execution updates go to the default receiver; each status is told once per integration. A retryable
 * delivery failure gives its key back and is rethrown after the other integrations had their turn, so the
 * redelivered trigger tells it again (every caller re-notifies the current status on a duplicate).
 */
export async function notifyExecution(ctx: RunbookContext, execution: ExecutionRecord): Promise<void> {
  const name = ctx.config.defaults.receiver ?? ctx.config.receivers[0]?.name;
  const receiver = ctx.config.receivers.find((r) => r.name === name);
  if (!receiver) return;
  let retry: RunwatchError | undefined;
  for (const notifier of ctx.notifiersFor(receiver)) {
    const key = `exec/${execution.id}/${execution.status}/${receiver.name}/${notifier.kind}`;
    const first = await ctx.store.recordNotificationOnce(key, {
      fingerprint: execution.alertFingerprint ?? execution.id,
      receiver: receiver.name,
      at: ctx.now.toISOString(),
      ttlSeconds: 7 * 24 * 3600,
    });
    if (!first) continue;
    try {
      await notifier.send(renderExecutionNotification(receiver.name, execution));
    } catch (e) {
      const retryable = e instanceof RunwatchError && e.retryable;
      if (retryable) {
        await ctx.store.releaseNotification(key);
        retry ??= e;
      }
      ctx.decide({
        executionId: execution.id,
        outcome: 'failed',
        reason: `notify ${notifier.kind}: ${(e as Error).message}`,
      });
    }
  }
  if (retry) throw retry;
}

/**
 * Creates the execution if it is new, then applies the guardrails and starts it.
 * A redelivered trigger finds the record already there and never starts a second run.
 */
export async function requestExecution(ctx: RunbookContext, plan: NewExecution): Promise<ExecutionRecord | undefined> {
  const nowIso = ctx.now.toISOString();
  const record = newExecutionRecord(plan, nowIso);
  const created = await ctx.store.createExecution(record);
  if (!created) {
    const existing = await ctx.store.getExecution(plan.id);
    ctx.decide({ executionId: plan.id, outcome: 'duplicate', reason: `already ${existing?.status ?? 'recorded'}` });
    // A record left Pending by a crash between create and claim is picked up again here.
    if (existing?.status === 'Pending') return startExecution(ctx, plan.id);
    // Re-tell the current status: a no-op when it was told, the retry when telling it failed.
    if (existing && existing.status !== 'Starting') await notifyExecution(ctx, existing);
    return existing;
  }
  ctx.decide({ executionId: plan.id, outcome: 'created', reason: plan.trigger });
  if (record.status === 'PendingApproval') {
    ctx.decide({
      executionId: plan.id,
      outcome: 'awaiting-approval',
      reason: `runbook ${plan.runbook.name} needs approval`,
    });
    await notifyExecution(ctx, record);
    return record;
  }
  return startExecution(ctx, plan.id);
}

/** Starts a Pending execution exactly once: the Pending → Starting claim is a conditional write. */
export async function startExecution(ctx: RunbookContext, id: string): Promise<ExecutionRecord | undefined> {
  const current = await ctx.store.getExecution(id);
  if (!current) {
    ctx.decide({ executionId: id, outcome: 'skipped', reason: 'no such execution' });
    return undefined;
  }
  if (current.status !== 'Pending') {
    ctx.decide({ executionId: id, outcome: 'skipped', reason: `status is ${current.status}` });
    if (current.status !== 'Starting') await notifyExecution(ctx, current);
    return current;
  }
  const runbook = ctx.config.runbooks.find((r) => r.name === current.runbook);
  const max = runbook?.maxPerHour ?? 10;
  const recent = await ctx.store.countExecutionsSince(
    current.runbook,
    new Date(ctx.now.getTime() - HOUR).toISOString(),
  );
  // The count holds started executions only; this one is still Pending.
  const rate = rateLimitDecision(recent, max);
  const nowIso = ctx.now.toISOString();
  if (!rate.allowed) return conclude(ctx, id, 'Pending', 'Rejected', rate.reason, nowIso);
  const claimed = await ctx.store.updateExecution(id, { status: 'Starting', updatedAt: nowIso }, ['Pending']);
  if (!claimed) {
    ctx.decide({ executionId: id, outcome: 'skipped', reason: 'claimed by another delivery' });
    return ctx.store.getExecution(id);
  }
  try {
    const request = {
      executionId: id,
      document: claimed.document,
      kind: claimed.kind,
      parameters: claimed.parameters,
      ...(claimed.targets ? { targets: claimed.targets } : {}),
    };
    const { ssmExecutionId } = await ctx.executor.start(request);
    const started = await ctx.store.updateExecution(
      id,
      {
        status: 'InProgress',
        ssmExecutionId,
        statusDetail: `started ${claimed.kind} ${claimed.document}`,
        updatedAt: ctx.now.toISOString(),
      },
      ['Starting'],
    );
    ctx.decide({ executionId: id, outcome: 'started', reason: ssmExecutionId });
    if (started) await notifyExecution(ctx, started);
    return started;
  } catch (e) {
    const err =
      e instanceof RunwatchError
        ? e
        : new RunwatchError(String((e as Error)?.message ?? e), { retryable: true, cause: e });
    if (err.retryable) {
      // Give the claim back so the redelivery can try again (SSM's ClientToken keeps automation starts idempotent).
      await ctx.store.updateExecution(
        id,
        { status: 'Pending', statusDetail: `retrying: ${err.message}`, updatedAt: nowIso },
        ['Starting'],
      );
      ctx.decide({ executionId: id, outcome: 'failed', reason: `retryable: ${err.message}` });
      throw err;
    }
    return conclude(ctx, id, 'Starting', 'Failed', err.message, nowIso);
  }
}

/** Ends an execution that never reached SSM (from `from`), records why, and tells on-call. */
async function conclude(
  ctx: RunbookContext,
  id: string,
  from: ExecutionStatus,
  status: 'Rejected' | 'Failed',
  detail: string,
  nowIso: string,
): Promise<ExecutionRecord | undefined> {
  const ended = await ctx.store.updateExecution(id, { status, statusDetail: detail, updatedAt: nowIso }, [from]);
  ctx.decide({ executionId: id, outcome: status === 'Rejected' ? 'rejected' : 'failed', reason: detail });
  if (ended) await notifyExecution(ctx, ended);
  return ended;
}

const ORDER: Record<ExecutionStatus, number> = {
  PendingApproval: 0,
  Pending: 1,
  Starting: 2,
  InProgress: 3,
  Success: 4,
  Failed: 4,
  Cancelled: 4,
  TimedOut: 4,
  Rejected: 4,
};

/** Applies an SSM status change; late or repeated events never move an execution backwards. */
export async function applySsmStatus(
  ctx: RunbookContext,
  execution: ExecutionRecord,
  status: ExecutionStatus,
  detail: string,
): Promise<ExecutionRecord | undefined> {
  if (TERMINAL.has(execution.status) || ORDER[status] < ORDER[execution.status] || status === execution.status) {
    ctx.decide({ executionId: execution.id, outcome: 'skipped', reason: `${status} after ${execution.status}` });
    // A repeated final event is how a failed "succeeded/failed" message gets its retry.
    if (TERMINAL.has(execution.status)) await notifyExecution(ctx, execution);
    return execution;
  }
  const allowed = (Object.keys(ORDER) as ExecutionStatus[]).filter((s) => !TERMINAL.has(s));
  const updated = await ctx.store.updateExecution(
    execution.id,
    { status, statusDetail: detail, updatedAt: ctx.now.toISOString() },
    allowed,
  );
  if (!updated) {
    ctx.decide({
      executionId: execution.id,
      outcome: 'skipped',
      reason: `${status}: the stored execution already ended`,
    });
    return ctx.store.getExecution(execution.id);
  }
  ctx.decide({ executionId: execution.id, outcome: 'updated', reason: `${execution.status} → ${status}` });
  if (TERMINAL.has(updated.status)) await notifyExecution(ctx, updated);
  return updated;
}
