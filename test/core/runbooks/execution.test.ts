import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Alert, makeAlert } from '../../../functions/core/alert';
import { parseConfig, validateConfig } from '../../../functions/core/config/load';
import type { RunbookConfig } from '../../../functions/core/config/schema';
import { UUID_RE } from '../../../functions/core/ids';
import {
  newExecutionRecord,
  planManual,
  planRemediations,
  rateLimitDecision,
  statusFromSsm,
} from '../../../functions/core/runbooks/execution';
import { validationIssues } from '../../helpers/errors';

const EXAMPLE = parseConfig(readFileSync(join(__dirname, '..', '..', '..', 'runwatch.yml'), 'utf8'));
const T0 = '2026-11-27T10:00:00.000Z';

function ecsStopped(labels: Record<string, string> = {}, startsAt = T0): Alert {
  return makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'ecs',
    labels: { alertname: 'EcsTaskStopped', cluster: 'genai', service: 'genai-inference', ...labels },
    annotations: { summary: 'ECS task stopped' },
    startsAt,
  });
}

function runbook(name: string): RunbookConfig {
  const found = EXAMPLE.runbooks.find((r) => r.name === name);
  if (!found) throw new Error(`no runbook ${name} in runwatch.yml`);
  return found;
}

describe('planRemediations', () => {
  it("plans the matching policy's runbook with parameters filled from the alert's labels", () => {
    // Act
    const { planned, issues } = planRemediations(EXAMPLE, ecsStopped());

    // Assess
    expect(issues).toEqual([]);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({
      policy: 'restart-stopped-ecs-tasks',
      runbook: { name: 'restart-ecs-service', kind: 'automation' },
      parameters: { ClusterName: ['genai'], ServiceName: ['genai-inference'] },
      trigger: 'policy:restart-stopped-ecs-tasks',
      alertFingerprint: ecsStopped().fingerprint,
    });
    expect(planned[0]?.id).toMatch(UUID_RE);
  });

  it('plans the very same execution id for every redelivery of the same incident, and a new one for a new incident', () => {
    const ids = [ecsStopped(), ecsStopped(), ecsStopped({}, '2026-11-27T12:00:00.000Z')].map(
      (a) => planRemediations(EXAMPLE, a).planned[0]?.id,
    );

    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('names the policy parameter whose template needs a missing label, and plans nothing for it', () => {
    const alert = makeAlert({
      status: 'firing',
      severity: 'critical',
      source: 'ecs',
      labels: { alertname: 'EcsTaskStopped', cluster: 'genai' },
      startsAt: T0,
    });

    const { planned, issues } = planRemediations(EXAMPLE, alert);

    expect(planned).toEqual([]);
    expect(issues).toEqual([
      {
        path: 'policies[0].parameters.ServiceName',
        message: 'template needs labels.service, which this alert does not have',
      },
    ]);
  });

  it("merges the policy's parameters over the runbook's and honours `on`", () => {
    const config = validateConfig({
      receivers: [{ name: 'oncall', outbox: {} }],
      runbooks: [
        {
          name: 'scan',
          document: 'AWS-RunPatchBaseline',
          kind: 'command',
          parameters: { Operation: 'Scan' },
          targets: [{ key: 'tag:PatchGroup', values: ['genai'] }],
        },
      ],
      policies: [
        {
          name: 'on-fire',
          match: { source: 'ssm' },
          runbook: 'scan',
          parameters: { Operation: 'Install', Reason: '{{annotations.summary}}' },
        },
        { name: 'on-resolve', match: { source: 'ssm' }, runbook: 'scan', on: 'resolved' },
      ],
    });
    const firing = makeAlert({
      status: 'firing',
      severity: 'warning',
      source: 'ssm',
      labels: { alertname: 'PatchNonCompliant' },
      annotations: { summary: 'missing patches' },
      startsAt: T0,
    });

    const fire = planRemediations(config, firing).planned;
    const resolve = planRemediations(config, { ...firing, status: 'resolved', endsAt: T0 }).planned;

    expect(fire.map((p) => [p.policy, p.parameters])).toEqual([
      ['on-fire', { Operation: ['Install'], Reason: ['missing patches'] }],
    ]);
    expect(resolve.map((p) => p.policy)).toEqual(['on-resolve']);
  });

  it('plans nothing for an alert no policy matches', () => {
    const alert = ecsStopped({ alertname: 'SomethingElse' });

    expect(planRemediations(EXAMPLE, alert)).toEqual({ planned: [], issues: [] });
  });
});

describe('newExecutionRecord', () => {
  it('waits for approval when the runbook asks for it, and takes the runbook targets unless given', () => {
    const approval = newExecutionRecord(
      { id: 'e1', runbook: runbook('patch-install'), parameters: {}, trigger: 'api:alice' },
      T0,
    );
    const plain = newExecutionRecord(
      {
        id: 'e2',
        runbook: runbook('patch-scan'),
        parameters: {},
        trigger: 'api:alice',
        targets: [{ key: 'InstanceIds', values: ['i-1'] }],
        alertFingerprint: 'f',
      },
      T0,
    );

    expect(approval).toMatchObject({
      status: 'PendingApproval',
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      targets: [{ key: 'tag:PatchGroup', values: ['genai'] }],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(approval).not.toHaveProperty('alertFingerprint');
    expect(plain).toMatchObject({
      status: 'Pending',
      targets: [{ key: 'InstanceIds', values: ['i-1'] }],
      alertFingerprint: 'f',
    });
  });
});

describe('planManual', () => {
  const rollback: RunbookConfig = {
    ...runbook('rollback-lambda-alias'),
    parameters: { FunctionName: '{{params.Function}}', AliasName: 'live', Version: '{{params.Version}}' },
  };

  it("puts the person's parameters over the runbook's and fills templates from them", () => {
    const plan = planManual(rollback, { parameters: { Function: 'genai-api', Version: '7' } }, 'id-1', 'alice');

    expect(plan).toMatchObject({
      id: 'id-1',
      trigger: 'api:alice',
      parameters: {
        FunctionName: ['genai-api'],
        AliasName: ['live'],
        Version: ['7'],
      },
    });
    expect(plan).not.toHaveProperty('targets');
  });

  it('names every missing parameter', () => {
    const issues = validationIssues(() =>
      planManual(rollback, { parameters: { Function: 'genai-api' } }, 'id', 'alice'),
    );

    expect(issues).toEqual([
      { path: 'parameters.Version', message: 'template needs params.Version, which this alert does not have' },
    ]);
  });

  it('requires targets for a command runbook that has none', () => {
    const bare: RunbookConfig = { ...runbook('patch-scan'), targets: undefined };

    const issues = validationIssues(() => planManual(bare, {}, 'id', 'alice'));
    const plan = planManual(bare, { targets: [{ key: 'InstanceIds', values: ['i-1'] }] }, 'id', 'alice');

    expect(issues).toEqual([{ path: 'targets', message: 'required for command runbooks' }]);
    expect(plan.targets).toEqual([{ key: 'InstanceIds', values: ['i-1'] }]);
  });
});

describe('rateLimitDecision', () => {
  it.each([
    [0, 1, true],
    [0, 10, true],
    [9, 10, true],
    [10, 10, false],
    [11, 10, false],
  ])('%i started of max %i → allowed %s', (started, max, allowed) => {
    const decision = rateLimitDecision(started, max);

    expect(decision.allowed).toBe(allowed);
    expect(decision.reason).toBe(
      allowed
        ? `${started}/${max} starts in the last hour`
        : `rate limit: ${started} starts in the last hour (max ${max})`,
    );
  });
});

describe('statusFromSsm', () => {
  // Values of AutomationExecutionStatus, CommandStatus and CommandInvocationStatus in the SSM API.
  it.each([
    ['Pending', 'InProgress'],
    ['Scheduled', 'InProgress'],
    ['Waiting', 'InProgress'],
    ['InProgress', 'InProgress'],
    ['RunbookInProgress', 'InProgress'],
    ['PendingApproval', 'InProgress'],
    ['Approved', 'InProgress'],
    ['PendingChangeCalendarOverride', 'InProgress'],
    ['Cancelling', 'InProgress'],
    ['Success', 'Success'],
    ['CompletedWithSuccess', 'Success'],
    ['Failed', 'Failed'],
    ['CompletedWithFailure', 'Failed'],
    ['TimedOut', 'TimedOut'],
    ['Cancelled', 'Cancelled'],
    ['Delayed', 'InProgress'],
    ['In Progress', 'InProgress'],
    ['Canceled', 'Cancelled'],
    ['success', 'Success'],
    ['Undeliverable', 'Failed'],
    ['Terminated', 'Failed'],
  ])('%s → %s', (ssm, ours) => {
    expect(statusFromSsm(ssm)).toBe(ours);
  });

  it('knows nothing of an unknown status', () => {
    expect(statusFromSsm('Bogus')).toBeUndefined();
  });
});
