// Runbook executions: creation from a policy or a person, guardrails, and SSM status mapping.

import type { ExecutionRecord, ExecutionStatus } from '../../ports';
import type { Alert } from '../alert';
import type { Config, RunbookConfig } from '../config/schema';
import { type Issue, ValidationError } from '../errors';
import { uuidFromKey } from '../ids';
import { matchesLabels } from '../matchers';
import { renderParameters } from './template';

export const TERMINAL: ReadonlySet<ExecutionStatus> = new Set([
  'Success',
  'Failed',
  'Cancelled',
  'TimedOut',
  'Rejected',
]);

export interface NewExecution {
  id: string;
  runbook: RunbookConfig;
  parameters: Record<string, string[]>;
  targets?: { key: string; values: string[] }[];
  trigger: string;
  alertFingerprint?: string;
}

export function newExecutionRecord(e: NewExecution, nowIso: string): ExecutionRecord {
  const record: ExecutionRecord = {
    id: e.id,
    runbook: e.runbook.name,
    document: e.runbook.document,
    kind: e.runbook.kind,
    parameters: e.parameters,
    status: e.runbook.approval ? 'PendingApproval' : 'Pending',
    trigger: e.trigger,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  const targets = e.targets ?? e.runbook.targets;
  if (targets) record.targets = targets;
  if (e.alertFingerprint) record.alertFingerprint = e.alertFingerprint;
  return record;
}

export interface PlannedExecution extends NewExecution {
  policy: string;
}

/**
 * The runbooks a policy starts for this alert. The execution id hashes policy, alert identity and
 * the incident's start, so every redelivery of the same alert plans the very same execution.
 */
export function planRemediations(config: Config, alert: Alert): { planned: PlannedExecution[]; issues: Issue[] } {
  const planned: PlannedExecution[] = [];
  const issues: Issue[] = [];
  config.policies.forEach((policy, i) => {
    if (policy.on !== alert.status) return;
    if (!matchesLabels(policy.match, alert.labels)) return;
    const runbook = config.runbooks.find((r) => r.name === policy.runbook);
    if (!runbook) return;
    const scope = { labels: alert.labels, annotations: alert.annotations };
    const local: Issue[] = [];
    const parameters = renderParameters(
      { ...runbook.parameters, ...policy.parameters },
      scope,
      `policies[${i}].parameters`,
      local,
    );
    if (local.length) {
      issues.push(...local);
      return;
    }
    planned.push({
      id: uuidFromKey(`policy:${policy.name}:${alert.fingerprint}:${alert.startsAt}`),
      policy: policy.name,
      runbook,
      parameters,
      trigger: `policy:${policy.name}`,
      alertFingerprint: alert.fingerprint,
    });
  });
  return { planned, issues };
}

export interface ManualRequest {
  parameters?: Record<string, string | string[]>;
  targets?: { key: string; values: string[] }[];
}

/** A person's request through the API or CLI: their parameters over the runbook's, templates from `params`. */
export function planManual(
  runbook: RunbookConfig,
  request: ManualRequest,
  id: string,
  principal: string,
): NewExecution {
  const issues: Issue[] = [];
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.parameters ?? {})) given[k] = Array.isArray(v) ? v.join(',') : v;
  // Values that only fill `{{params.X}}` templates are inputs, not SSM parameters of their own.
  const templateInputs = new Set<string>();
  for (const v of Object.values(runbook.parameters)) {
    for (const text of Array.isArray(v) ? v : [v]) {
      for (const m of text.matchAll(/\{\{\s*params\.([A-Za-z0-9_.:-]+)\s*\}\}/g)) templateInputs.add(m[1] as string);
    }
  }
  const direct = Object.fromEntries(
    Object.entries(request.parameters ?? {}).filter(([k]) => !templateInputs.has(k) || k in runbook.parameters),
  );
  const parameters = renderParameters({ ...runbook.parameters, ...direct }, { params: given }, 'parameters', issues);
  if (issues.length) throw new ValidationError('runbook parameters are incomplete', issues);
  if (runbook.kind === 'command' && !(request.targets ?? runbook.targets)?.length) {
    throw new ValidationError('command runbooks need targets', [
      { path: 'targets', message: 'required for command runbooks' },
    ]);
  }
  const plan: NewExecution = { id, runbook, parameters, trigger: `api:${principal}` };
  if (request.targets) plan.targets = request.targets;
  return plan;
}

/** Guardrail: may another start of this runbook happen now? */
export function rateLimitDecision(startedLastHour: number, maxPerHour: number): { allowed: boolean; reason: string } {
  return startedLastHour < maxPerHour
    ? { allowed: true, reason: `${startedLastHour}/${maxPerHour} starts in the last hour` }
    : { allowed: false, reason: `rate limit: ${startedLastHour} starts in the last hour (max ${maxPerHour})` };
}

/**
 * Maps SSM Automation statuses (Pending, InProgress, Waiting, Success, TimedOut, Cancelling, Cancelled, Failed,
 * PendingApproval, Approved, Rejected, Scheduled, RunbookInProgress, PendingChangeCalendarOverride,
 * ChangeCalendarOverrideApproved, ChangeCalendarOverrideRejected, CompletedWithSuccess, CompletedWithFailure,
 * Exited) and Run Command statuses (Pending, In Progress, Delayed, Success, Delivery Timed Out, Execution Timed Out,
 * Failed, Incomplete, Cancelled, Cancelling, Rate Exceeded, Access Denied, No Instances In Tag, Undeliverable,
 * Terminated) onto ours. Once SSM holds an execution it has started, so SSM's waiting states are InProgress.
 */
const SSM_STATUS: Record<string, ExecutionStatus> = {
  pending: 'InProgress',
  inprogress: 'InProgress',
  waiting: 'InProgress',
  delayed: 'InProgress',
  scheduled: 'InProgress',
  pendingapproval: 'InProgress',
  approved: 'InProgress',
  runbookinprogress: 'InProgress',
  pendingchangecalendaroverride: 'InProgress',
  changecalendaroverrideapproved: 'InProgress',
  cancelling: 'InProgress',
  success: 'Success',
  completedwithsuccess: 'Success',
  failed: 'Failed',
  completedwithfailure: 'Failed',
  exited: 'Failed',
  incomplete: 'Failed',
  undeliverable: 'Failed',
  terminated: 'Failed',
  rateexceeded: 'Failed',
  accessdenied: 'Failed',
  noinstancesintag: 'Failed',
  rejected: 'Failed',
  changecalendaroverriderejected: 'Failed',
  timedout: 'TimedOut',
  deliverytimedout: 'TimedOut',
  executiontimedout: 'TimedOut',
  cancelled: 'Cancelled',
  canceled: 'Cancelled',
};

export function statusFromSsm(status: string): ExecutionStatus | undefined {
  return SSM_STATUS[status.replace(/[\s_-]+/g, '').toLowerCase()];
}
